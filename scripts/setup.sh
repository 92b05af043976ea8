#!/usr/bin/env bash
# Install what the demo, the tests and the benchmarks need on a Debian/Ubuntu machine:
# the system NSS libraries and tools, nginx and openssl, rpm and rpmlint for the packaging
# check, strace for the test that watches a pki session's file writes, keyutils (keyctl) for
# pki.keyring (system packages, only when missing), then a virtual environment in .venv with
# the package and its test extras.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in libnss3 libnss3-tools openssl nginx-light python3-venv rpm rpmlint strace keyutils; do
        case "$pkg" in
            nginx-light) command -v nginx >/dev/null 2>&1 || need+=("$pkg") ;;
            python3-venv) python3 -c 'import venv, ensurepip' 2>/dev/null || need+=("$pkg") ;;
            *) have_pkg "$pkg" || need+=("$pkg") ;;
        esac
    done
fi
if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: missing system packages: ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ setup.py -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    .venv/bin/python -m pip install -q -e '.[test]' 2> >(grep -v 'is ignored: it is neither' >&2)
    touch "$stamp"
fi
