#!/usr/bin/env bash
# Check the packaging, as CI does before `make test` (.ci/run) and `make packaging` does:
#  1. the sdist and the wheel build (python -m build, without build isolation, so offline);
#  2. the wheel installs into a fresh virtual environment, and its own `pki --help`, `pki
#     --version` and `python -m pki.cli.main --version` work there, from outside the source
#     tree (its dependencies come from PyPI; without PyPI, from .venv, and it says so);
#  3. the RPM spec parses (rpmspec -P, also as built for a Dogtag release) and passes rpmlint
#     with no errors, and so does the source RPM built from the sdist.
# Everything is built in a temporary directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
py=${PY:-.venv/bin/python}
spec=specs/python-dogtag-pki.spec
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf 'packaging: %s\n' "$*" >&2; }

step "building the sdist and the wheel"
"$py" -m build --no-isolation --sdist --wheel --outdir "$work/dist" . >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
wheel=$(ls "$work"/dist/*.whl)
sdist=$(ls "$work"/dist/*.tar.gz)

step "installing $(basename "$wheel") into a fresh virtual environment"
python3 -m venv "$work/venv"
fresh="$work/venv/bin/python"
if ! "$fresh" -m pip install -q --disable-pip-version-check "$wheel" 2>"$work/pip.log"; then
    step "PyPI unreachable ($(tail -n 1 "$work/pip.log")): dependencies from $py instead"
    "$fresh" -m pip install -q --disable-pip-version-check --no-deps --no-index "$wheel"
    deps=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    site=$("$fresh" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$deps" > "$site/zz-dependencies-from-dev-venv.pth"
fi

step "running the installed pki"
cd "$work"  # away from the source tree, so that nothing is imported from it
env -u PYTHONPATH "$work/venv/bin/pki" --help >"$work/help.txt"
grep -q "^Commands that run in Python" "$work/help.txt"
grep -q "^ ca-cert-find " "$work/help.txt"
version=$(env -u PYTHONPATH "$work/venv/bin/pki" --version)
module_version=$(env -u PYTHONPATH "$fresh" -I -m pki.cli.main --version)
[ "$version" = "$module_version" ] && [[ "$version" == "PKI Command-Line Interface "* ]]
location=$(env -u PYTHONPATH "$fresh" -I -c 'import pki.cli.main; print(pki.cli.main.__file__)')
case "$location" in
    "$work/venv/"*) ;;
    *) echo "packaging: pki imported from $location, not from the wheel" >&2; exit 1 ;;
esac
cd "$repo"

step "parsing $spec and running rpmlint"
rpmspec -P "$spec" >/dev/null
rpmspec -P --define 'pki_evr 11.10.1-1.fc42' "$spec" | grep -q '^Provides: *python3-pki = 11.10.1-1.fc42'
rpmlint "$spec"
mkdir -p "$work/rpm/SOURCES"
source0=$(rpmspec -P "$spec" | awk '/^Source0:/ {print $2}')
cp "$sdist" "$work/rpm/SOURCES/$source0"  # older setuptools spell the sdist with a dash
rpmbuild -bs --nodeps --define "_topdir $work/rpm" "$spec" >"$work/rpmbuild.log" 2>&1 \
    || { cat "$work/rpmbuild.log" >&2; exit 1; }
rpmlint -c specs/rpmlint.toml "$work"/rpm/SRPMS/*.src.rpm
step "ok: $(basename "$wheel"), $(basename "$sdist"), $(basename "$work"/rpm/SRPMS/*.src.rpm)"
