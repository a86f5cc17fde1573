#!/usr/bin/env bash
# Prints the python of a venv that has PyTorch 2.x's CPU build (oneDNN and MKL inside), made on first use from the
# package index pip is configured with (pip config list). Exits 1, printing nothing, when no such build installs:
# the bench then falls back to Debian's PyTorch 1.13 and its report says which one ran.
set -uo pipefail
venv="${XDG_CACHE_HOME:-$HOME/.cache}/vecrnn/torch2-venv"
py="$venv/bin/python"
if "$py" -c 'import sys, numpy, torch; sys.exit(int(torch.__version__.split(".")[0]) < 2)' 2>/dev/null; then
  echo "$py"
  exit 0
fi
command -v python3 >/dev/null || { echo "torch_venv: no python3" >&2; exit 1; }
rm -rf "$venv"
python3 -m venv "$venv" >&2 || { echo "torch_venv: python3 -m venv failed" >&2; exit 1; }
pip=("$venv/bin/pip" --disable-pip-version-check --retries 0 --timeout 10)
# the newest 2.x CPU build the index offers (the plain wheels are CUDA builds, gigabytes with their libraries)
version=$("${pip[@]}" index versions torch 2>/dev/null | sed -n 's/^Available versions: //p' | tr ',' '\n' | tr -d ' ' \
          | grep -E '^2\.[0-9.]+\+cpu$' | sort -V | tail -1)
[ -n "$version" ] || { echo "torch_venv: the package index has no PyTorch 2.x CPU build" >&2; exit 1; }
echo "torch_venv: installing torch $version into $venv" >&2
"${pip[@]}" install -q "torch==$version" numpy >&2 || { echo "torch_venv: pip install torch==$version failed" >&2; exit 1; }
echo "$py"
