"""Every ctypes declaration of ``dxltie._ffi`` against the header, argument by argument and by
type (not only by count): a declaration that passes a ``uint32_t`` as ``c_int64``, a pointer to
the wrong struct, or the wrong callback type fails here, before it corrupts a call."""

import ctypes
import re

from dxltie import _ffi

from test_ffi import header_functions

SCALARS = {
    "char": ctypes.c_char, "bool": ctypes.c_bool, "double": ctypes.c_double, "size_t": ctypes.c_size_t,
    "int32_t": ctypes.c_int32, "uint32_t": ctypes.c_uint32, "int64_t": ctypes.c_int64,
    "uint64_t": ctypes.c_uint64, "uint16_t": ctypes.c_uint16, "uint8_t": ctypes.c_uint8, "void": None,
}


def c_type_of(arg):
    """The type part of a C parameter (``const char *path`` → ``char *``), without const."""
    text = " ".join(arg.replace("const ", " ").replace("*", " * ").split())
    words = text.split(" ")
    if words[-1] != "*" and len(words) > 1:
        words = words[:-1]  # drop the parameter name
    base = words[0]
    return base, words.count("*")


def expected_types(base, stars):
    """The ctypes types that correctly declare a C type of ``base`` with ``stars`` pointers."""
    if base in SCALARS:
        scalar = SCALARS[base]
        if base == "char" and stars == 1:
            return {ctypes.c_char_p, ctypes.c_void_p}  # a string in, or one to free
        if base == "char" and stars == 2:
            return {ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_void_p)}  # a string out
        if base == "void" and stars == 1:
            return {ctypes.c_void_p}
        t = scalar
    else:
        t = getattr(_ffi, base)  # a typedef'd integer, a struct, or a callback type
        if base.endswith("_fn"):
            assert stars == 0, base
            return {t}
    for _ in range(stars):
        t = ctypes.POINTER(t)
    return {t}


def test_every_argument_and_return_type_matches_the_header():
    declared = {name: (restype, argtypes) for name, restype, argtypes in _ffi.FUNCTIONS}
    functions = header_functions()
    missing = sorted(set(functions) - set(declared))
    assert not missing, "not declared in _ffi.FUNCTIONS: %s" % missing
    checked = 0
    for name, (ret, args) in functions.items():
        restype, argtypes = declared[name]
        assert len(argtypes) == len(args), name
        for i, (arg, ours) in enumerate(zip(args, argtypes)):
            wanted = expected_types(*c_type_of(arg))
            assert ours in wanted, "%s argument %d (%s): declared %r, header wants %r" % (name, i, arg, ours, wanted)
            checked += 1
        base, stars = c_type_of(ret + " x")
        wanted = expected_types(base, stars)
        assert restype in wanted, "%s returns %s: declared %r" % (name, ret, restype)
    assert checked > 200, checked


def test_the_checker_catches_a_wrong_type():
    # The check itself can fail: a uint32_t declared as c_int64 is not accepted.
    assert ctypes.c_int64 not in expected_types(*c_type_of("uint32_t timeout_ms"))
    assert ctypes.POINTER(_ffi.dxltie_stats_t) not in expected_types(*c_type_of("dxltie_broker_t *out"))
    assert expected_types(*c_type_of("const dxltie_hash_t *hashes")) == {ctypes.POINTER(_ffi.dxltie_hash_t)}
