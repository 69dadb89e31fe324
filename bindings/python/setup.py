"""Builds the ``dxltie`` wheel with the native library inside (issue 18).

setuptools-rust builds the crate at the repository's root (``../../Cargo.toml``) with
``cargo rustc --release --lib --crate-type cdylib`` and puts the shared library in the package as
``dxltie/libdxltie.so.<abi>`` (the SONAME's name, ``libdxltie.so.0.1`` for 0.1.x), where
``dxltie._ffi`` finds it. The library is a plain C-ABI ``cdylib``, not a Python extension module
(``Binding.NoBinding``: no pyo3, no libpython), so the wheel is tagged ``py3-none-<platform>``:
any Python 3 on that platform, one wheel.

    pip install ./bindings/python            # from the repository root: builds and installs
    pip wheel --no-deps -w dist ./bindings/python

Build from the source tree: an sdist cannot carry the crate (it lies outside this folder), so
a wheel built from an sdist fails with "can't find manifest for Rust extension". Everything
else (name, version, packages, package data) is in ``pyproject.toml``.
"""

import os
import re
import sys

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools_rust import Binding, RustExtension, build_rust

HERE = os.path.dirname(os.path.abspath(__file__))
CARGO_TOML = os.path.join(HERE, "..", "..", "Cargo.toml")


def abi_version():
    """The ABI version in the SONAME, from Cargo.toml's version by the rule build.rs applies:
    the major version from 1.0 on, ``0.<minor>`` for 0.y.z, ``0.0.<patch>`` for 0.0.z."""
    with open(CARGO_TOML) as f:
        version = re.search(r'^version = "(\d+)\.(\d+)\.(\d+)', f.read(), re.M)
    major, minor, patch = version.groups()
    if major != "0":
        return major
    return "0." + minor if minor != "0" else "0.0." + patch


if sys.platform == "darwin":
    LIBRARY_FILE = "libdxltie.dylib"
elif sys.platform == "win32":
    LIBRARY_FILE = "dxltie.dll"
else:
    LIBRARY_FILE = "libdxltie.so." + abi_version()


class build_rust_library(build_rust):
    """Names the bundled library ``libdxltie.so.<abi>`` instead of a Python extension module's
    name (``libdxltie.cpython-311-x86_64-linux-gnu.so``): it is loaded with ctypes by any
    Python 3, never imported."""

    def get_dylib_ext_path(self, ext, target_fname):
        module_path = super().get_dylib_ext_path(ext, target_fname)
        return os.path.join(os.path.dirname(module_path), LIBRARY_FILE)


class bdist_wheel_any_python(bdist_wheel):
    """``py3-none-<platform>``: the wheel holds a native library but no extension module, so it
    depends on the platform and not on the Python version or ABI."""

    def get_tag(self):
        _python, _abi, platform = super().get_tag()
        return "py3", "none", platform


setup(
    rust_extensions=[
        RustExtension(
            "dxltie.libdxltie",
            path=os.path.relpath(CARGO_TOML),
            binding=Binding.NoBinding,
            # Release even for `pip install -e` (an in-place build would otherwise be debug).
            debug=False,
        )
    ],
    cmdclass={"build_rust": build_rust_library, "bdist_wheel": bdist_wheel_any_python},
    zip_safe=False,
)
