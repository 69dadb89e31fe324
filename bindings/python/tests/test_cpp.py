"""The C++ wrapper (bindings/cpp): built with its Makefile (-std=c++17 -Wall -Wextra -Werror), its
two test programs run against the broker and the responder (test_wrapper with exceptions, both
forms of the API, every asynchronous request; test_noexcept built with -fno-exceptions -fno-rtti,
the error-returning form only), and its detection example checked to print what the Python
sample prints."""

import os
import shutil
import subprocess
import threading

import pytest

from dxlbootstrap.util import MessageUtils
from dxlclient.message import Event as ReferenceEvent
import dxltieclient

from conftest import REPO_ROOT
from tie_responder import DETECTION_TOPIC, raw_events

CPP_DIR = os.path.join(REPO_ROOT, "bindings", "cpp")

pytestmark = pytest.mark.skipif(not (shutil.which("make") and shutil.which("c++")),
                                reason="make and a C++ compiler are needed")


@pytest.fixture(scope="module")
def cpp_build(tmp_path_factory):
    build = str(tmp_path_factory.mktemp("cpp-build"))
    library_dir = os.path.dirname(os.path.realpath(os.environ["DXLTIE_LIBRARY"]))
    done = subprocess.run(["make", "-C", CPP_DIR, "BUILD=" + build, "LIBDIR=" + library_dir],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    assert done.returncode == 0, done.stdout.decode()
    return build


def test_wrapper_program(cpp_build, dxl_config, responder):
    done = subprocess.run([os.path.join(cpp_build, "test_wrapper"), dxl_config], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == "OK\n"


def test_noexcept_program(cpp_build, dxl_config, responder):
    """The wrapper without exceptions or RTTI: only the error-returning API (try_*, Status, Result)."""
    done = subprocess.run([os.path.join(cpp_build, "test_noexcept"), dxl_config], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == "OK\n"


@pytest.mark.skipif(not shutil.which("nm"), reason="nm (binutils) is needed")
def test_noexcept_program_has_no_exception_machinery(cpp_build):
    """Built with -fno-exceptions -fno-rtti indeed: it neither throws nor catches (no reference to
    the C++ runtime's throw, catch or personality routine) and carries no type_info; the
    exceptions-on test program does reference them, which shows the check can see them."""
    def undefined(program):
        done = subprocess.run(["nm", "-u", os.path.join(cpp_build, program)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)
        assert done.returncode == 0, done.stdout.decode()
        return {line.split()[-1].split("@")[0] for line in done.stdout.decode().splitlines() if line.strip()}

    machinery = {"__cxa_throw", "__cxa_begin_catch", "__gxx_personality_v0"}
    assert machinery <= undefined("test_wrapper")
    assert not machinery & undefined("test_noexcept")
    done = subprocess.run(["nm", os.path.join(cpp_build, "test_noexcept")], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60)
    assert done.returncode == 0
    assert not [line for line in done.stdout.decode().splitlines() if " _ZTI" in line]


def test_detection_example_prints_what_the_python_sample_prints(cpp_build, dxl_config, responder):
    process = subprocess.Popen([os.path.join(cpp_build, "example_detection"), dxl_config, "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = []
        reader = threading.Thread(target=lambda: first.append(process.stdout.readline()))
        reader.start()
        reader.join(20)
        assert first == [b"Waiting for detection events...\n"]
        [payload] = [p for topic, p in raw_events() if topic == DETECTION_TOPIC]
        responder.publish(DETECTION_TOPIC, payload)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()  # only the example this test started
            process.wait()
    assert process.returncode == 0, err.decode()

    received = []

    class Grab(dxltieclient.DetectionCallback):
        def on_detection(self, detection_dict, original_event):
            received.append(detection_dict)

    event = ReferenceEvent(DETECTION_TOPIC)
    event.payload = MessageUtils.dict_to_json(payload).encode("utf-8")
    Grab().on_event(event)
    assert out.decode() == "Detection on topic: %s\n%s\n" % (DETECTION_TOPIC, MessageUtils.dict_to_json(received[0], True))
