#!/usr/bin/env bash
# The install test (`make test-install`, part of `make test`): installs the C library as a user
# would and uses it from outside the repository.
#
#  1. `make install PREFIX=<tmp>` (the release build, reused by the later steps) and
#     `make install DESTDIR=<tmp> PREFIX=/usr LIBDIR=/usr/lib/<multiarch>`: the exact list of
#     installed files, the real library and its two links, the SONAME, no debug info, the header,
#     what dxltie.pc says (Libs.private equal to rustc's native-static-libs note);
#  2. the exported symbols: the shared library's dynamic symbols and the static library's global
#     defined symbols are exactly the functions the header declares, all dxltie_*;
#  3. a local fabric (dxltie-fabric on a free port, stopped by its pid), then the agent in
#     tests/install/ (connects, gets notepad.exe's reputation, prints one line) built in a copy
#     outside the repository:
#     a. a plain Makefile project with pkg-config: C99, C11 and C++, shared and --static;
#     b. a CMake project with find_package(dxltie): the same six, with dxltie::dxltie and
#        dxltie::dxltie_static, and the version file refusing the next ABI;
#     c. the CMake project again against the DESTDIR tree (relocated multiarch libdir);
#     d. the static library and another Rust static library in one C program, in both link
#        orders (the clash that hiding everything but dxltie_* prevents);
#     each program run against the fabric and its output checked, shared ones needing
#     libdxltie.so.<abi>, static ones needing no libdxltie and no executable stack;
#  4. `make uninstall` for both installs leaves no file behind.
#
#   FABRIC  the dxltie-fabric binary  [target/debug/dxltie-fabric]
#   KEEP=1  keep the temporary folder (printed) for a look afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

FABRIC=${FABRIC:-$repo/target/debug/dxltie-fabric}
MAKE=${MAKE:-make}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
CMAKE=${CMAKE:-cmake}

started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/dxltie-install-test.XXXXXX")
passed=0
# shellcheck source=scripts/fabric.sh
. scripts/fabric.sh

cleanup() {
    stop_fabric_by_pid
    if [[ "${KEEP:-}" == 1 ]]; then echo "install-test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "install-test: FAIL: $*" >&2
    echo "$passed passed, 1 failed"
    exit 1
}
ok() {
    passed=$((passed + 1))
    echo "ok - $*"
}
# expect_eq <what> <actual> <expected>
expect_eq() {
    [[ "$2" == "$3" ]] || fail "$1: got [$2], expected [$3]"
    ok "$1"
}

for tool in "$PKG_CONFIG" "$CMAKE" nm readelf cc c++ rustc; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup-deps.sh installs it)"
done
[[ -x "$FABRIC" ]] || fail "no $FABRIC (make fabric)"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
IFS=. read -r major minor patch <<<"$version"
# The ABI version rule (README "Install"), stated here independently of build.rs and the Makefile.
if ((major > 0)); then abi=$major; next_abi=$((major + 1))
elif ((minor > 0)); then abi=0.$minor; next_abi=0.$((minor + 1))
else abi=0.0.$patch; next_abi=0.0.$((patch + 1)); fi
multiarch=$(cc -print-multiarch 2>/dev/null || true)
multiarch=${multiarch:-$(uname -m)-linux-gnu}
echo "install-test: dxltie $version, ABI $abi, in $work"

# --- 1. install -------------------------------------------------------------------------------
prefix=$work/prefix
t0=$SECONDS
"$MAKE" --no-print-directory install PREFIX="$prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "make install PREFIX=$prefix"; }
ok "make install PREFIX=<tmp> ($((SECONDS - t0)) s, the release build included)"
dest=$work/destdir
"$MAKE" --no-print-directory install DESTDIR="$dest" PREFIX=/usr LIBDIR="/usr/lib/$multiarch" \
    >"$work/install-destdir.log" 2>&1 ||
    { cat "$work/install-destdir.log" >&2; fail "make install DESTDIR=<tmp> PREFIX=/usr LIBDIR=/usr/lib/$multiarch"; }
ok "make install DESTDIR=<tmp> PREFIX=/usr LIBDIR=/usr/lib/$multiarch"

file_list() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort); }
expected_files() { # <libdir relative to the root> <includedir relative to the root>
    printf '%s\n' "$2/dxltie.h" "$1/cmake/dxltie/dxltie-config-version.cmake" \
        "$1/cmake/dxltie/dxltie-config.cmake" "$1/libdxltie.a" "$1/libdxltie.so" \
        "$1/libdxltie.so.$abi" "$1/libdxltie.so.$version" "$1/pkgconfig/dxltie.pc" | LC_ALL=C sort -u
}
expect_eq "files installed under PREFIX" "$(file_list "$prefix")" "$(expected_files lib include)"
expect_eq "files installed under DESTDIR" "$(file_list "$dest")" "$(expected_files "usr/lib/$multiarch" usr/include)"

lib=$prefix/lib
real=$lib/libdxltie.so.$version
[[ -f "$real" && ! -L "$real" ]] || fail "$real is not a regular file"
expect_eq "libdxltie.so.$version mode" "$(stat -c %a "$real")" 755
expect_eq "libdxltie.so.$abi links to" "$(readlink "$lib/libdxltie.so.$abi")" "libdxltie.so.$version"
expect_eq "libdxltie.so links to" "$(readlink "$lib/libdxltie.so")" "libdxltie.so.$abi"
[[ -f "$lib/libdxltie.a" && ! -L "$lib/libdxltie.a" ]] || fail "libdxltie.a is not a regular file"
expect_eq "libdxltie.a mode" "$(stat -c %a "$lib/libdxltie.a")" 644
expect_eq "SONAME" "$(readelf -dW "$real" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" "libdxltie.so.$abi"
expect_eq "debug sections in libdxltie.so.$version" "$(readelf -SW "$real" | grep -c ' \.debug_' || true)" 0
expect_eq "debug sections in libdxltie.a" "$(readelf -SW "$lib/libdxltie.a" | grep -c ' \.debug_' || true)" 0
expect_eq "members of libdxltie.a" "$(ar t "$lib/libdxltie.a")" dxltie.o
cmp -s include/dxltie.h "$prefix/include/dxltie.h" || fail "the installed header differs from include/dxltie.h"
ok "the installed header is include/dxltie.h"
cmp -s "$real" "$dest/usr/lib/$multiarch/libdxltie.so.$version" || fail "the two installs' libraries differ"
ok "the DESTDIR install has the same library"

pc() { PKG_CONFIG_PATH="$1" PKG_CONFIG_LIBDIR="$1" "$PKG_CONFIG" "${@:2}" dxltie | sed "s/ *$//"; }
expect_eq "pkg-config --modversion" "$(pc "$lib/pkgconfig" --modversion)" "$version"
expect_eq "pkg-config --cflags" "$(pc "$lib/pkgconfig" --cflags)" "-I$prefix/include"
expect_eq "pkg-config --libs" "$(pc "$lib/pkgconfig" --libs)" "-L$lib -ldxltie"
native=$(cargo rustc --release --lib -- --print native-static-libs 2>&1 | sed -n 's/^note: native-static-libs: //p' | tail -1)
[[ -n "$native" ]] || fail "no native-static-libs note from cargo rustc"
expect_eq "pkg-config --static --libs (Libs.private = rustc's native-static-libs)" \
    "$(pc "$lib/pkgconfig" --static --libs)" "-L$lib -ldxltie $native"
destpc=$dest/usr/lib/$multiarch/pkgconfig
expect_eq "DESTDIR dxltie.pc libdir" "$(pc "$destpc" --variable=libdir)" "/usr/lib/$multiarch"
expect_eq "DESTDIR dxltie.pc includedir" "$(pc "$destpc" --variable=includedir)" /usr/include

# --- 2. exported symbols ----------------------------------------------------------------------
# The functions the header declares (after the preprocessor, without its static inline helpers).
cc -E -P -x c include/dxltie.h | grep -v 'static inline' | grep -oE '\bdxltie_[a-z0-9_]+ *\(' |
    sed 's/ *($//' | LC_ALL=C sort -u >"$work/declared"
[[ -s "$work/declared" ]] || fail "no function found in include/dxltie.h"
nm -D --defined-only --format=posix "$real" | awk '{print $1}' | LC_ALL=C sort -u >"$work/shared-exports"
nm -g --defined-only --format=posix "$lib/libdxltie.a" | awk 'NF >= 2 && $1 !~ /:$/ {print $1}' |
    LC_ALL=C sort -u >"$work/static-globals"
grep -qv '^dxltie_' "$work/shared-exports" && fail "libdxltie.so exports more than dxltie_*: $(grep -v '^dxltie_' "$work/shared-exports" | head -20 | tr '\n' ' ')"
ok "libdxltie.so exports only dxltie_* ($(wc -l <"$work/shared-exports") symbols)"
grep -qv '^dxltie_' "$work/static-globals" && fail "libdxltie.a has global symbols other than dxltie_*: $(grep -v '^dxltie_' "$work/static-globals" | head -20 | tr '\n' ' ')"
ok "libdxltie.a defines only dxltie_* as global symbols ($(wc -l <"$work/static-globals") symbols)"
expect_eq "libdxltie.so exports = the header's functions" "$(cat "$work/shared-exports")" "$(cat "$work/declared")"
expect_eq "libdxltie.a globals = the header's functions" "$(cat "$work/static-globals")" "$(cat "$work/declared")"

# --- 3. programs outside the repository against a local fabric ---------------------------------
start_fabric "$work/fabric" "$work/fabric.log" --port 0 --pid-file "$work/fabric.pid" ||
    { cat "$work/fabric.log" >&2; fail "the fabric did not start"; }
ok "fabric: $ready (pid $fabric_pid)"

# run_agent <binary> <lang> <linkage>: runs it against the fabric and checks its line and what it
# needs from the loader.
run_agent() {
    local bin=$1 lang=$2 linkage=$3 out needed
    [[ -x "$bin" ]] || fail "$bin was not built"
    needed=$(readelf -dW "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    if [[ "$linkage" == shared ]]; then
        [[ " $needed" == *" libdxltie.so.$abi "* ]] || fail "$bin needs [$needed], not libdxltie.so.$abi"
    else
        [[ "$needed" != *libdxltie* ]] || fail "$bin (static) needs [$needed]"
        readelf -lW "$bin" | grep GNU_STACK | grep -q 'RWE' && fail "$bin has an executable stack"
    fi
    out=$(env -u LD_LIBRARY_PATH timeout 60 "$bin" "$config" 2>&1) || fail "$bin: $out"
    expect_eq "$(basename "$(dirname "$bin")")/$(basename "$bin") runs" "$out" \
        "lang=$lang header=$major.$minor.$patch library=$version gti_trust_level=99"
}

projects=$work/projects
cp -r tests/install "$projects"

# a. pkg-config and a plain Makefile.
PKG_CONFIG_PATH="$lib/pkgconfig" "$MAKE" --no-print-directory -C "$projects/make" >"$work/make-project.log" 2>&1 ||
    { cat "$work/make-project.log" >&2; fail "the pkg-config Makefile project did not build"; }
ok "pkg-config Makefile project built (C99, C11, C++; shared and static)"
for linkage in shared static; do
    run_agent "$projects/make/agent-c99-$linkage" c99 "$linkage"
    run_agent "$projects/make/agent-c11-$linkage" c11 "$linkage"
    run_agent "$projects/make/agent-cxx-$linkage" c++ "$linkage"
done

# b. CMake and find_package.
cmake_project() { # <build dir> <prefix path> [targets...]
    local build=$1 prefix_path=$2
    shift 2
    "$CMAKE" -S "$projects/cmake" -B "$build" -DCMAKE_PREFIX_PATH="$prefix_path" -DCMAKE_BUILD_TYPE=Release \
        -DDXLTIE_EXPECTED_VERSION="$version" -DDXLTIE_NEXT_ABI="$next_abi" >"$build.log" 2>&1 &&
        "$CMAKE" --build "$build" -j 2 ${1:+--target "$@"} >>"$build.log" 2>&1 ||
        { cat "$build.log" >&2; fail "the CMake project in $build did not build"; }
}
cmake_project "$projects/cmake/build" "$prefix"
grep -q "dxltie $version from $lib/cmake/dxltie" "$projects/cmake/build.log" || fail "find_package did not find $lib/cmake/dxltie"
ok "CMake project built with find_package(dxltie) (C99, C11, C++; shared and static)"
for linkage in shared static; do
    run_agent "$projects/cmake/build/agent-c99-$linkage" c99 "$linkage"
    run_agent "$projects/cmake/build/agent-c11-$linkage" c11 "$linkage"
    run_agent "$projects/cmake/build/agent-cxx-$linkage" c++ "$linkage"
done

# c. The CMake package from the DESTDIR tree: its paths are relative to where it lies.
cmake_project "$projects/cmake/build-destdir" "$dest/usr" agent-c11-shared agent-c11-static
grep -q "dxltie $version from $dest/usr/lib/$multiarch/cmake/dxltie" "$projects/cmake/build-destdir.log" ||
    fail "find_package did not find the DESTDIR tree's package"
run_agent "$projects/cmake/build-destdir/agent-c11-shared" c11 shared
run_agent "$projects/cmake/build-destdir/agent-c11-static" c11 static

# d. Another Rust static library in the same program: with every other symbol global, the two
# copies of std (and the DW.ref.rust_eh_personality COMDAT group) clash.
mkdir -p "$work/other"
cat >"$work/other/other.rs" <<'EOF'
#[no_mangle]
pub extern "C" fn other_rust_library(x: i32) -> i32 {
    let text = format!("{x}");
    std::panic::catch_unwind(|| if x < 0 { panic!("negative") } else { x * 2 }).unwrap_or(-(text.len() as i32))
}
EOF
cat >"$work/other/two.c" <<'EOF'
#include <dxltie.h>
#include <stdio.h>
int other_rust_library(int x);
int main(void) {
    dxltie_config_t *config = NULL;
    int rc = dxltie_config_from_file("/nonexistent/dxlclient.config", &config);
    printf("%d %d %s %s\n", other_rust_library(21), other_rust_library(-5), dxltie_result_str(rc), dxltie_version());
    return 0;
}
EOF
rustc --edition 2021 -O --crate-type staticlib -o "$work/other/libother.a" "$work/other/other.rs" 2>"$work/other/rustc.log" ||
    { cat "$work/other/rustc.log" >&2; fail "building another Rust static library"; }
static_flags=$(pc "$lib/pkgconfig" --static --libs | sed 's/-ldxltie/-l:libdxltie.a/')
for order in "dxltie-first" "other-first"; do
    if [[ "$order" == dxltie-first ]]; then libs="$static_flags $work/other/libother.a"; else libs="$work/other/libother.a $static_flags"; fi
    # shellcheck disable=SC2086 # the flags are words
    cc -std=c11 -I"$prefix/include" -o "$work/other/two-$order" "$work/other/two.c" $libs 2>"$work/other/link.log" ||
        { cat "$work/other/link.log" >&2; fail "libdxltie.a and another Rust static library ($order) did not link"; }
    out=$(RUST_BACKTRACE=0 timeout 60 "$work/other/two-$order" 2>/dev/null) || fail "two-$order: $out"
    [[ "$out" == "42 -2 "*" $version" ]] || fail "two-$order printed [$out]"
    ok "libdxltie.a and another Rust static library in one program ($order): $out"
done

# --- 4. uninstall -----------------------------------------------------------------------------
"$MAKE" --no-print-directory uninstall PREFIX="$prefix" >"$work/uninstall.log" 2>&1 || fail "make uninstall PREFIX=<tmp>"
"$MAKE" --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr LIBDIR="/usr/lib/$multiarch" \
    >>"$work/uninstall.log" 2>&1 || fail "make uninstall DESTDIR=<tmp>"
expect_eq "files left after make uninstall (PREFIX)" "$(file_list "$prefix")" ""
expect_eq "files left after make uninstall (DESTDIR)" "$(file_list "$dest")" ""

echo "install-test: $((SECONDS - started)) s"
echo "$passed passed, 0 failed"
