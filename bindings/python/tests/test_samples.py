"""The ported samples print what the dxltieclient samples print. The expected text is made
here with the reference ``dxltieclient`` against the same responder (its transforms for the
callback samples, its requests for the request samples)."""

import os
import subprocess
import sys
import threading
import time

import pytest

from dxlbootstrap.util import MessageUtils
from dxlclient.message import Event as ReferenceEvent
import dxltieclient
from dxltieclient.constants import FirstRefProp

from conftest import SAMPLES_DIR
from tie_responder import EICAR, NOTEPAD, UNKNOWN_MD5, raw_events

CALLBACK_WAIT = 20


def sample(path):
    return os.path.join(SAMPLES_DIR, path)


def env_for(dxl_config):
    return dict(os.environ, DXLCLIENT_CONFIG=dxl_config, PYTHONUNBUFFERED="1")


def run_sample(path, dxl_config, *args):
    done = subprocess.run([sys.executable, sample(path)] + list(args), env=env_for(dxl_config),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def reference_dicts(callback_class, method):
    """What the reference callback hands its user for each raw responder event on its topics."""
    out = []
    holder = type("Grab", (callback_class,), {method: lambda self, d, e: out.append((e.destination_topic, d))})()
    for topic, payload in raw_events():
        ev = ReferenceEvent(topic)
        ev.payload = MessageUtils.dict_to_json(payload).encode("utf-8")
        out_len = len(out)
        holder.on_event(ev)
        assert len(out) == out_len + 1
    return out


CALLBACK_SAMPLES = [
    ("basic/basic_detection_callback_example.py", "Waiting for detection events...", "Detection on topic: ",
     dxltieclient.DetectionCallback, "on_detection", ["/mcafee/event/tie/file/detection"]),
    ("basic/basic_first_instance_callback.py", "Waiting for first instance events...", "First instance on topic: ",
     dxltieclient.FirstInstanceCallback, "on_first_instance", ["/mcafee/event/tie/file/firstinstance"]),
    ("basic/basic_reputation_change_callback_example.py", "Waiting for reputation change events...",
     "Reputation change on topic: ", dxltieclient.ReputationChangeCallback, "on_reputation_change",
     ["/mcafee/event/tie/file/repchange/broadcast", "/mcafee/event/tie/cert/repchange/broadcast"]),
]


@pytest.mark.parametrize("path,waiting,prefix,ref_class,method,topics", CALLBACK_SAMPLES,
                         ids=[c[0].split("/")[1] for c in CALLBACK_SAMPLES])
def test_callback_samples(path, waiting, prefix, ref_class, method, topics, dxl_config, responder):
    process = subprocess.Popen([sys.executable, sample(path), str(len(topics))], env=env_for(dxl_config),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready = []
        reader = threading.Thread(target=lambda: ready.append(process.stdout.readline()))
        reader.start()
        reader.join(CALLBACK_WAIT)
        assert ready, "the sample printed nothing within %d s" % CALLBACK_WAIT
        assert ready[0].decode() == waiting + "\n"
        for topic, payload in raw_events():
            if topic in topics:
                responder.publish(topic, payload)
        out, err = process.communicate(timeout=CALLBACK_WAIT)
    finally:
        if process.poll() is None:
            process.kill()  # only the sample this test started
            process.wait()
    assert process.returncode == 0, err.decode()
    expected = "".join("%s%s\n%s\n" % (prefix, topic, MessageUtils.dict_to_json(d, True))
                       for topic, d in reference_dicts(ref_class, method) if topic in topics)
    assert out.decode() == expected


def test_get_reputation_sample(dxl_config, real_tie_client):
    expected = ("Notepad.exe reputations:\n" + MessageUtils.dict_to_json(real_tie_client.get_file_reputation(NOTEPAD), True)
                + "\n\nEICAR reputations:\n" + MessageUtils.dict_to_json(real_tie_client.get_file_reputation(EICAR), True)
                + "\n")
    assert run_sample("basic/basic_get_reputation_example.py", dxl_config) == expected


def test_set_reputation_sample(dxl_config, responder):
    mark = responder.mark()
    assert run_sample("basic/basic_set_reputation_example.py", dxl_config) == "Succeeded.\n"
    [(topic, _)] = responder.requests_since(mark)
    assert topic == "/mcafee/service/tie/file/reputation/set"


def test_first_ref_sample(dxl_config, real_tie_client):
    systems = real_tie_client.get_file_first_references(NOTEPAD)
    expected = "\nSystems that have referenced the file:\n\n" + "".join(
        "\t%s: %s\n" % (s[FirstRefProp.SYSTEM_GUID], FirstRefProp.to_localtime_string(s[FirstRefProp.DATE]))
        for s in systems)
    assert run_sample("basic/basic_first_ref_example.py", dxl_config,
                      NOTEPAD["md5"], NOTEPAD["sha1"], NOTEPAD["sha256"]) == expected


def test_set_external_reputation_sample(dxl_config, responder):
    # GTI knows notepad (99): the external reputation is not needed.
    assert run_sample("basic/basic_set_external_file_reputation.py", dxl_config,
                      NOTEPAD["md5"], NOTEPAD["sha1"], NOTEPAD["sha256"]) == \
        "Abort: There is a reputation from another provider for the file, External Reputation is not necessary.\n"
    # GTI does not know this one (50): the event is sent.
    mark = responder.mark()
    assert run_sample("basic/basic_set_external_file_reputation.py", dxl_config,
                      UNKNOWN_MD5, "a7c515a8" + "0" * 32, "f0649a54" + "0" * 56) == "Event Sent\n"
    deadline = time.monotonic() + 5
    while not responder.reports_since(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b'"filename": "random.exe"' in responder.reports_since(mark)[0]


def test_advanced_get_reputation_sample(dxl_config):
    out = run_sample("advanced/advanced_get_reputation_example.py", dxl_config)
    assert out.startswith("File reputation response:\n\tGlobal Threat Intelligence (GTI) trust level: 99\n"
                          "\tEnterprise prevalence: 17\n\tFirst contact: ")
    assert "\nCertificate reputation response:\n\tGlobal Threat Intelligence (GTI) trust level: 99\n" \
           "\tEnterprise prevalence: 12\n\tFirst contact: " in out
    # what the upstream sample test looks for
    assert "2120340" in out and "2102165" in out
    assert "Full file reputation response:" in out and "Full certificate reputation response:" in out
