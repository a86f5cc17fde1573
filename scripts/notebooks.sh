#!/usr/bin/env bash
# The notebooks' launcher, called by ./vecrnn (which has found JDK 25 and exported JAVA_HOME):
#   ./vecrnn notebooks             install what is missing, build, open Jupyter on 127.0.0.1
#   ./vecrnn notebooks --execute   run every notebook headless (per-cell timeout); executed copies and
#                                  HTML pages go to notebooks/target/executed; fails on any error
#   ./vecrnn notebooks ARGS        any other arguments go to 'jupyter notebook' (e.g. --port 9999)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mode=${1:-open}

# 1. Jupyter from Debian (PyPI is not reachable here). Its entry points use /usr/bin/python3, which is
#    not necessarily the python3 first on PATH, so everything below calls /usr/bin/python3 explicitly.
#    fortunes-min is the text corpus of notebook 7's character-level language model.
packages=(jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel fontconfig fonts-dejavu-core
          fortunes-min)
if ! /usr/bin/python3 -c 'import nbclient, nbconvert, jupyter_client, notebook' 2>/dev/null \
   || [ ! -f /usr/share/games/fortunes/literature ]; then
  echo "vecrnn: installing from Debian packages: ${packages[*]}"
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# 2. Build: vecrnn and XChart jars in notebooks/target/lib, the kernel in notebooks/target/jupyter.
if [ "${VECRNN_SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -ntp -q -Dstyle.color=never -DskipTests install -pl notebooks -am
fi
lib="$root/notebooks/target/lib"
fix="$root/notebooks/target/vecrnn-notebooks-0.1.0-SNAPSHOT.jar"
kernel_jar="$root/notebooks/target/jupyter/rapaio-jupyter-kernel.jar"

# 3. The kernelspec: JDK 25 with the Vector API for the kernel JVM and for JShell's compiler, the start-up
#    fix ahead of the kernel jar, and the notebook class path, so no cell names a jar or a version.
spec="$root/notebooks/target/kernelspec/vecrnn-java"
mkdir -p "$spec"
# The kernel passes a whole init script to JShell's eval(), which evaluates only its first snippet: so
# its own init.jshell never reaches the display() import on its last line. Ours is that one snippet.
echo 'import static org.rapaio.jupyter.kernel.global.Global.*;' > "$spec/init.jshell"
cat > "$spec/kernel.json" <<JSON
{
  "argv": ["$JAVA_HOME/bin/java", "--add-modules", "jdk.incubator.vector", "-ea", "-Djava.awt.headless=true",
           "-XX:+UseParallelGC", "-Xmx2g", "-cp", "$fix:$kernel_jar", "org.rapaio.jupyter.kernel.MainApp",
           "{connection_file}"],
  "display_name": "Java 25 (vecrnn)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {
    "RJK_COMPILER_OPTIONS": "--add-modules jdk.incubator.vector",
    "RJK_CLASSPATH": "$lib/*.jar",
    "RJK_TIMEOUT_MILLIS": "-1",
    "RJK_INIT_SCRIPT": "$spec/init.jshell"
  }
}
JSON
/usr/bin/jupyter kernelspec install --user --replace --name vecrnn-java "$spec" >/dev/null

case "$mode" in
  --execute)
    exec /usr/bin/python3 "$root/scripts/run_notebooks.py" --out "$root/notebooks/target/executed" "$root"/notebooks/[0-9]*.ipynb ;;
  --starts)
    exec /usr/bin/python3 "$root/scripts/kernel_starts.py" "${2:-50}" ;;
  *)
    # Jupyter refuses to start as root unless told: containers, CI and these machines run as root.
    as_root=(); [ "$(id -u)" -ne 0 ] || as_root=(--allow-root)
    echo "vecrnn: starting Jupyter; open the URL below (with its token) in a browser"
    exec /usr/bin/jupyter notebook --no-browser --ip=127.0.0.1 --notebook-dir="$root/notebooks" "${as_root[@]}" "$@" ;;
esac
