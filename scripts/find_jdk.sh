# Sourced by ./vecrnn: sets JAVA_HOME to a JDK 25 or newer, found without help from the user.
# Order: $JAVA_HOME if it is 25+, then the JDKs under /usr/lib/jvm (and macOS's folder), newest first.

vecrnn_java_feature() { # prints the feature version (17, 25, ...) of the java at $1/bin/java
  local out
  out=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  printf '%s' "${out%%.*}"
}

vecrnn_find_jdk() {
  local min=25 candidate version best="" best_version=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    version=$(vecrnn_java_feature "$JAVA_HOME")
    if [ "${version:-0}" -ge "$min" ] 2>/dev/null; then return 0; fi
  fi
  for candidate in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$(vecrnn_java_feature "$candidate")
    if [ "${version:-0}" -ge "$min" ] 2>/dev/null && [ "$version" -gt "$best_version" ]; then
      best=$candidate; best_version=$version
    fi
  done
  if [ -z "$best" ]; then
    echo "vecrnn: no JDK $min or newer found (looked at \$JAVA_HOME and /usr/lib/jvm)." >&2
    echo "vecrnn: install one, e.g. 'apt-get install temurin-25-jdk' or 'openjdk-25-jdk', or set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME=$best
}
