"""The dxlclient basic samples, ported (samples/dxl/): each runs as written, with dxltie, and
again with its imports turned back into dxlclient's, against the same broker; the two print the
same lines (the elapsed time aside; the event sample's "Waiting..." line may come anywhere
among the events, in either client, so lines are compared as multisets)."""

import os
import re
import subprocess
import sys

from conftest import SAMPLES_DIR


def reference_version(path, directory):
    """The sample with dxlclient's imports instead of dxltie's: the porting done backwards."""
    with open(path) as f:
        text = f.read()
    text = text.replace("from dxltie import DxlClient, DxlClientConfig",
                        "from dxlclient.client import DxlClient\nfrom dxlclient.client_config import DxlClientConfig")
    text = re.sub(r"from dxltie\.(callbacks|message|service) import", r"from dxlclient.\1 import", text)
    assert "dxltie" not in text.split("import logging", 1)[1], "a dxltie import left"
    out = os.path.join(directory, "reference_" + os.path.basename(path))
    with open(out, "w") as f:
        f.write(text.replace('os.path.dirname(os.path.abspath(__file__)) + "/.."', repr(SAMPLES_DIR)))
    return out


def run(path, config):
    done = subprocess.run([sys.executable, path], env=dict(os.environ, DXLCLIENT_CONFIG=config, PYTHONUNBUFFERED="1"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return [line for line in done.stdout.decode().splitlines() if not line.startswith("Elapsed time (ms): ")]


def test_service_sample_prints_what_dxlclient_prints(opendxl, tmp_path):
    path = os.path.join(SAMPLES_DIR, "dxl", "service_example.py")
    config = opendxl.env["DXLCLIENT_CONFIG"]
    ours, theirs = run(path, config), run(reference_version(path, str(tmp_path)), config)
    assert ours == theirs == ["Service received request payload: ping", "Client received response payload: pong"]


def test_event_sample_prints_what_dxlclient_prints(dxl_config, tmp_path):
    path = os.path.join(SAMPLES_DIR, "dxl", "event_example.py")
    ours, theirs = run(path, dxl_config), run(reference_version(path, str(tmp_path)), dxl_config)
    assert sorted(ours) == sorted(theirs)
    assert len(ours) == 1001 and "Received event: 999" in ours
    # One dispatcher thread: the events arrive in the order they were sent.
    assert [line for line in ours if line.startswith("Received")] == ["Received event: %d" % i for i in range(1000)]
