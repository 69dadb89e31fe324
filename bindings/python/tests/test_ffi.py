"""``dxltie._ffi`` against ``include/dxltie.h``: every function declared with the header's
argument count, and every struct with the C compiler's size and field offsets."""

import ctypes
import os
import re
import shutil
import subprocess

import pytest

from dxltie import _ffi

from conftest import REPO_ROOT

HEADER = os.path.join(REPO_ROOT, "include", "dxltie.h")


def header_text():
    with open(HEADER) as f:
        text = f.read()
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # drop comments


def header_functions():
    """``{name: (return type text, [argument texts])}`` of every prototype in the header."""
    out = {}
    for ret, name, args in re.findall(r"^([A-Za-z_][\w \*]*?[\s\*])(dxltie_\w+)\(([^)]*)\);", header_text(), re.M):
        args = " ".join(args.split())
        out[name] = (ret.strip(), [] if args in ("", "void") else [a.strip() for a in args.split(",")])
    return out


def test_every_header_function_is_declared_with_its_arity():
    functions = header_functions()
    assert len(functions) > 50
    declared = {name: (restype, argtypes) for name, restype, argtypes in _ffi.FUNCTIONS}
    assert sorted(declared) == sorted(functions)
    for name, (ret, args) in functions.items():
        restype, argtypes = declared[name]
        assert len(argtypes) == len(args), name
        fn = getattr(_ffi, name)
        assert fn.argtypes is not None and len(fn.argtypes) == len(args), name
        if ret == "void":
            assert restype is None, name
        elif ret == "bool":
            assert restype is ctypes.c_bool, name
        elif ret.startswith("const char"):
            assert restype is ctypes.c_char_p, name
        elif ret == "uint32_t":
            assert restype is ctypes.c_uint32, name
        else:
            assert ret == "dxltie_result_t" and restype is _ffi.dxltie_result_t, name


def test_constants_match_the_header():
    text = header_text()
    defined = re.findall(r"^#define (DXLTIE_(?:E_\w+|OK|STATE_\w+|OVERFLOW_\w+|EVENT_KIND_\w+|LOG_\w+|"
                         r"RESPONSE_TIMEOUT_\w+)) (-?\d+)$", text, re.M)
    for name, value in defined:
        assert getattr(_ffi, name) == int(value), name
    # and no result code the header does not have (a removed or renumbered one)
    header_codes = {name: int(value) for name, value in defined if name.startswith("DXLTIE_E_")}
    ours = {name: value for name, value in vars(_ffi).items() if name.startswith("DXLTIE_E_")}
    assert ours == header_codes
    names = {value: name for name, value in header_codes.items()}
    names[0] = "DXLTIE_OK"
    assert _ffi.RESULT_NAMES == names


#: The structs with fields (the opaque handles have none).
STRUCTS = sorted(name for name, value in vars(_ffi).items()
                 if name.startswith("dxltie_") and isinstance(value, type) and issubclass(value, ctypes.Structure)
                 and "_fields_" in vars(value))


@pytest.mark.skipif(not shutil.which("cc"), reason="no C compiler")
def test_struct_layouts_match_the_c_compiler(tmp_path):
    lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "dxltie.h"', "int main(void) {"]
    for name in STRUCTS:
        lines.append('printf("%s size %%zu\\n", sizeof(%s));' % (name, name))
        for field, _ in getattr(_ffi, name)._fields_:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (name, field, name, field))
    lines += ["return 0;", "}"]
    source = tmp_path / "layout.c"
    source.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run(["cc", "-std=c11", "-I", os.path.dirname(HEADER), "-o", str(exe), str(source)], check=True,
                   timeout=60)
    measured = dict(line.rsplit(" ", 1) for line in subprocess.check_output([str(exe)]).decode().splitlines())
    assert len(STRUCTS) >= 15
    for name in STRUCTS:
        cls = getattr(_ffi, name)
        assert int(measured[name + " size"]) == ctypes.sizeof(cls), name
        for field, _ in cls._fields_:
            assert int(measured["%s.%s" % (name, field)]) == getattr(cls, field).offset, (name, field)
