"""How the package finds its library and keeps quiet, as an installed package must.

The wheel itself (built by pip with the library inside, tagged, audited, installed into a fresh
venv and run against a local fabric from outside the repository) is tested by
``scripts/wheel-test.sh`` (``make test-wheel``).
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

import dxltie
from dxltie import _ffi

from conftest import REPO_ROOT, free_port


def abi_version_from_cargo_toml():
    """The SONAME's ABI version by the rule of the README's "Install" section, stated here
    independently of build.rs, the Makefile and setup.py."""
    with open(os.path.join(REPO_ROOT, "Cargo.toml")) as f:
        major, minor, patch = re.search(r'^version = "(\d+)\.(\d+)\.(\d+)', f.read(), re.M).groups()
    if major != "0":
        return major
    return "0." + minor if minor != "0" else "0.0." + patch


def test_the_binding_loads_the_abi_it_was_written_for():
    assert _ffi.ABI_VERSION == abi_version_from_cargo_toml()
    assert _ffi._BESIDE_NAMES[0] == "libdxltie.so." + _ffi.ABI_VERSION
    readelf = shutil.which("readelf")
    if readelf:
        dynamic = subprocess.run([readelf, "-dW", os.path.realpath(dxltie.library_path())],
                                 stdout=subprocess.PIPE, check=True).stdout.decode()
        assert "Library soname: [libdxltie.so.%s]" % _ffi.ABI_VERSION in dynamic


@pytest.fixture
def package_with_bundled_library(tmp_path):
    """A copy of the package with the library beside it, as the wheel lays it out."""
    package = tmp_path / "dxltie"
    shutil.copytree(os.path.dirname(dxltie.__file__), str(package), ignore=shutil.ignore_patterns("__pycache__"))
    bundled = package / ("libdxltie.so." + _ffi.ABI_VERSION)
    shutil.copy(os.path.realpath(dxltie.library_path()), str(bundled))
    return tmp_path, str(bundled)


def run_python(code, cwd, env_changes):
    env = dict(os.environ)
    env.pop("DXLTIE_LIBRARY", None)
    env.update(env_changes)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=str(cwd), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


PRINT_PATH = "import dxltie; print(dxltie.library_path())"


def test_the_bundled_library_is_found_with_nothing_set(package_with_bundled_library):
    root, bundled = package_with_bundled_library
    rc, out, err = run_python(PRINT_PATH, root, {"PYTHONPATH": str(root)})
    assert rc == 0, err
    assert (out.strip(), err) == (bundled, "")


def test_dxltie_library_comes_first_when_set(package_with_bundled_library):
    """Development: a freshly built library given by $DXLTIE_LIBRARY wins over the bundled one."""
    root, bundled = package_with_bundled_library
    development = str(root / "dev" / "libdxltie.so")
    os.makedirs(os.path.dirname(development))
    shutil.copy(bundled, development)
    rc, out, err = run_python(PRINT_PATH, root, {"PYTHONPATH": str(root), "DXLTIE_LIBRARY": development})
    assert rc == 0, err
    assert out.strip() == development


def test_a_bad_dxltie_library_falls_back_with_a_warning(package_with_bundled_library):
    root, bundled = package_with_bundled_library
    env = {"PYTHONPATH": str(root), "DXLTIE_LIBRARY": "/nonexistent/libdxltie.so"}
    rc, out, err = run_python(PRINT_PATH, root, env)
    assert rc == 0, err
    assert (out.strip(), err) == (bundled, "")  # silent: logging is not configured
    rc, out, err = run_python("import logging; logging.basicConfig(); " + PRINT_PATH, root, env)
    assert rc == 0 and out.strip() == bundled, err
    assert "WARNING:dxltie:/nonexistent/libdxltie.so" in err and "could not be loaded; using " + bundled in err


QUIET_SCRIPT = r"""
import logging, sys
if sys.argv[1] == "configured":
    logging.basicConfig(level=logging.INFO)
import dxltie
config = dxltie.DxlClientConfig(sys.argv[2], sys.argv[3], sys.argv[4], ["b1;%s;127.0.0.1" % sys.argv[5]])
config.connect_retries = 1
client = dxltie.DxlClient(config)
client.set_state_callback(lambda state: 1 / 0)  # raises in the callback: logged by dxltie
try:
    client.connect(timeout=5)
except dxltie.DxlTieError as e:
    print("connect failed:", e.code_name)
client.destroy()
"""


def test_no_log_output_unless_the_application_configures_logging(tmp_path, pki):
    """The library warns (a failed connection pass) and a callback raises: nothing reaches
    stderr until the application configures logging."""
    args = [pki["ca"], pki["client_cert"], pki["client_key"], str(free_port())]
    script = tmp_path / "quiet.py"
    script.write_text(QUIET_SCRIPT)
    outputs = {}
    for mode in ("unconfigured", "configured"):
        done = subprocess.run([sys.executable, str(script), mode] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60, cwd=str(tmp_path))
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout.decode().strip() == "connect failed: DXLTIE_E_CONNECT"
        outputs[mode] = done.stderr.decode()
    assert outputs["unconfigured"] == ""
    assert "WARNING:dxltie.native:" in outputs["configured"]
    assert "ERROR:dxltie:Exception in a dxltie state callback" in outputs["configured"]
    assert "ZeroDivisionError" in outputs["configured"]


def test_the_package_logger_has_a_null_handler():
    import logging
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("dxltie").handlers)
    assert logging.getLogger("dxltie.native").handlers == []  # it propagates to "dxltie"
