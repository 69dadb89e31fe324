"""The binding against the reference ``dxltieclient`` on the same broker and responder.

* Events: for the same events published on the broker, the dicts and ``original_event`` fields
  the binding's callbacks receive equal what the reference's callbacks receive (both
  registered at the same time), including the providerId maps' ``int`` keys; payloads the
  reference cannot decode reach neither.
* Requests: every ``TieClient`` method, called on both with the same arguments, returns equal
  results or raises the same exception class with the same text, and sends the same payload
  bytes.
"""

import copy
import json
import os
import threading

import pytest

import dxltie
import dxltieclient
from dxltieclient.constants import FileType, TrustLevel

from conftest import VECTORS_DIR, Collector, wait_for
from tie_responder import (CERT_PUBLIC_KEY_SHA1, CERT_SHA1, DETECTION_TOPIC, EICAR, NO_SERVICE_SHA1,
                           NOT_FOUND_SHA1, NOTEPAD, SILENT_SHA1, UNKNOWN_MD5)

EVENT_KINDS = [
    # (registration method, binding callback class, reference callback class, user method)
    ("add_file_detection_callback", dxltie.DetectionCallback, dxltieclient.DetectionCallback, "on_detection"),
    ("add_file_first_instance_callback", dxltie.FirstInstanceCallback, dxltieclient.FirstInstanceCallback,
     "on_first_instance"),
    ("add_file_reputation_change_callback", dxltie.ReputationChangeCallback, dxltieclient.ReputationChangeCallback,
     "on_reputation_change"),
    ("add_certificate_reputation_change_callback", dxltie.ReputationChangeCallback,
     dxltieclient.ReputationChangeCallback, "on_reputation_change"),
]


def recorder(base, method, sink):
    """An instance of ``base`` whose ``method`` records (dict, original_event fields) by message id."""
    def record(self, event_dict, original_event):
        sink.add((original_event.message_id, {
            "dict": copy.deepcopy(event_dict),
            "topic": original_event.destination_topic,
            "message_id": original_event.message_id,
            "source_client_id": original_event.source_client_id,
            "source_broker_id": original_event.source_broker_id,
            "payload": bytes(original_event.payload),
            "thread": threading.current_thread().name,
        }))
    return type("Recording" + base.__name__, (base,), {method: record})()


def key_types(value):
    """The types of every dict key, recursively (so int and str keys are told apart)."""
    if isinstance(value, dict):
        return {repr(k): (type(k).__name__, key_types(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [key_types(v) for v in value]
    return None


@pytest.fixture
def both_registered(tie_client, real_tie_client):
    """The same four registrations on the binding and on the reference client."""
    ours, theirs = Collector(), Collector()
    pairs = []
    for add, our_base, their_base, method in EVENT_KINDS:
        our_cb, their_cb = recorder(our_base, method, ours), recorder(their_base, method, theirs)
        getattr(tie_client, add)(our_cb)
        getattr(real_tie_client, add)(their_cb)
        pairs.append((add.replace("add_", "remove_"), our_cb, their_cb))
    yield ours, theirs
    for remove, our_cb, their_cb in pairs:
        getattr(tie_client, remove)(our_cb)
        getattr(real_tie_client, remove)(their_cb)


def by_id(collector):
    return dict(collector.snapshot())


def assert_same_event(ours, theirs):
    assert ours["dict"] == theirs["dict"]
    assert key_types(ours["dict"]) == key_types(theirs["dict"])
    for field in ("topic", "message_id", "source_client_id", "source_broker_id", "payload"):
        assert ours[field] == theirs[field], field


def test_events_from_a_set_request_match_the_reference(both_registered, tie_client):
    ours, theirs = both_registered
    # The responder publishes one event of each kind after this set request.
    tie_client.set_file_reputation(TrustLevel.KNOWN_TRUSTED, NOTEPAD, filename="emit-events.exe")
    assert wait_for(lambda: len(ours) >= 4 and len(theirs) >= 4)
    ours, theirs = by_id(ours), by_id(theirs)
    assert sorted(ours) == sorted(theirs) and len(ours) == 4
    for message_id in ours:
        assert_same_event(ours[message_id], theirs[message_id])
    topics = sorted(e["topic"] for e in ours.values())
    assert topics == sorted([DETECTION_TOPIC, "/mcafee/event/tie/file/firstinstance",
                             "/mcafee/event/tie/file/repchange/broadcast",
                             "/mcafee/event/tie/cert/repchange/broadcast"])
    # the providerId maps came back with int keys
    rep = next(e["dict"] for e in ours.values() if e["topic"].endswith("file/repchange/broadcast"))
    assert sorted(rep["newReputations"]) == [1, 3] and list(rep["oldReputations"]) == [3]
    # and the callbacks ran on the library's dispatcher thread, not here
    assert all(e["thread"] != threading.current_thread().name for e in ours.values())


def load_vectors():
    if not os.path.isdir(VECTORS_DIR):
        return []
    out = []
    for name in sorted(os.listdir(VECTORS_DIR)):
        if name.startswith("cb_") and name.endswith(".input.json"):
            base = name[:-len(".input.json")]
            with open(os.path.join(VECTORS_DIR, name)) as f:
                given = json.load(f)
            with open(os.path.join(VECTORS_DIR, base + ".expected.json")) as f:
                expected = json.load(f)
            if isinstance(given, dict) and set(given) == {"raw_payload_text"}:
                payload = given["raw_payload_text"].encode("utf-8")
            else:
                payload = json.dumps(given).encode("utf-8")
            out.append((base, expected["topic"], payload, expected["dict"] is not None))
    return out


FILE_REP = "/mcafee/event/tie/file/repchange/broadcast"
CERT_REP = "/mcafee/event/tie/cert/repchange/broadcast"
FIRST_INSTANCE = "/mcafee/event/tie/file/firstinstance"

#: Hand-made raw events for the corners of the providerId-map keys and the transforms.
EXTRA_EVENTS = [
    ("string and duplicate providerIds", FILE_REP, json.dumps({
        "hashes": [{"type": "md5", "value": "8se7isyX+S6Yei1Ah9AhsQ=="}],
        "newReputations": {"reputations": [{"providerId": "15", "trustLevel": 1}, {"providerId": 1, "trustLevel": 99},
                                           {"providerId": 1, "trustLevel": 85, "extra": {"2": "x"}}]},
        "oldReputations": {"props": {"serverTime": 5}, "1": {"providerId": 1}},
        "updateTime": 1}).encode(), True),
    ("relationships with other keys", FILE_REP, json.dumps({
        "relationships": {"certificate": {"hashes": [{"type": "sha1", "value": "AAEC"}], "other": 1,
                                          "publicKeySha1": "AAEC"}, "parent": {"hashes": []}},
        "newReputations": {"reputations": []}}).encode(), True),
    ("certificate overrides", CERT_REP, json.dumps({
        "publicKeySha1": "AAEC", "hashes": [],
        "newReputations": {"reputations": [{"providerId": 4, "overridden": {
            "files": [{"hashes": [{"type": "md5", "value": "AAEC"}]}, {"name": "no hashes"}], "truncated": 1}}]},
        "oldReputations": {"reputations": [{"providerId": 2}]}}).encode(), True),
    ("unicode, unknown keys and trailing NULs", FIRST_INSTANCE,
     json.dumps({"name": "\u00e9t\u00e9 \u2713.exe", "x": [1, {"2": None}], "hashes": []}).encode() + b"\0\0", True),
    ("a list instead of an object (Python passes it on)", FIRST_INSTANCE, b"[1, 2]", True),
    ("a hash without a value", DETECTION_TOPIC, b'{"hashes": [{"type": "md5"}]}', False),
]

VECTORS = load_vectors()


@pytest.mark.parametrize("events", [
    pytest.param(VECTORS, id="vectors", marks=pytest.mark.skipif(
        not VECTORS, reason="the TIE vectors (../shared/vectors/tie) are not available")),
    pytest.param(EXTRA_EVENTS, id="extra"),
])
def test_raw_events_match_the_reference(both_registered, responder, events):
    """Each raw payload, published on the broker, reaches both clients as the same dict, or
    (when the reference cannot decode it) neither. The vectors are the callback vectors
    generated with the reference (``cb_*``)."""
    ours, theirs = both_registered
    sent = [(name, responder.publish(topic, payload), delivered) for name, topic, payload, delivered in events]
    sentinel = responder.publish(DETECTION_TOPIC, {"name": "sentinel"})
    assert wait_for(lambda: sentinel in by_id(ours) and sentinel in by_id(theirs))
    ours, theirs = by_id(ours), by_id(theirs)
    for name, message_id, delivered in sent:
        assert (message_id in theirs) == delivered, name
        assert (message_id in ours) == delivered, name
        if delivered:
            assert_same_event(ours[message_id], theirs[message_id])


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------

def outcome(fn, *args, **kwargs):
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001 - comparing whatever is raised
        return ("raise", type(e).__name__, str(e))


REQUESTS = [
    ("get_file_reputation", (NOTEPAD,), {}),
    ("get_file_reputation", (EICAR,), {}),
    ("get_file_reputation", ({"md5": UNKNOWN_MD5},), {}),
    ("get_file_reputation", ({"sha256": NOTEPAD["sha256"].upper()},), {}),
    ("get_file_reputation", ({"md5": NOTEPAD["md5"], "sha1": NOT_FOUND_SHA1},), {}),
    ("get_file_reputation", ({"sha1": NO_SERVICE_SHA1},), {}),
    ("get_file_reputation", ({},), {}),
    ("get_file_reputation", ({"md5": "abc"},), {}),
    ("get_file_reputation", ({"md5": "zz"},), {}),
    ("get_file_first_references", (NOTEPAD,), {}),
    ("get_file_first_references", (NOTEPAD,), {"query_limit": 7}),
    ("get_file_first_references", ({"sha1": NOT_FOUND_SHA1},), {}),
    ("get_certificate_reputation", (CERT_SHA1,), {}),
    ("get_certificate_reputation", (CERT_SHA1.upper(), CERT_PUBLIC_KEY_SHA1.upper()), {}),
    ("get_certificate_reputation", (CERT_SHA1,), {"public_key_sha1": ""}),
    ("get_certificate_reputation", (NOT_FOUND_SHA1,), {}),
    ("get_certificate_reputation", ("abc",), {}),
    ("get_certificate_first_references", (CERT_SHA1,), {}),
    ("get_certificate_first_references", (CERT_SHA1, CERT_PUBLIC_KEY_SHA1), {"query_limit": 3}),
    ("get_certificate_first_references", (NO_SERVICE_SHA1,), {}),
    ("set_file_reputation", (TrustLevel.KNOWN_TRUSTED, NOTEPAD),
     {"filename": "notepad.exe", "comment": "Reputation set via OpenDXL"}),
    ("set_file_reputation", (85, NOTEPAD), {}),
    ("set_file_reputation", (42, {}), {"filename": "na\u00efve \"x\".exe", "comment": "\u00fcn\u00efcode \u2713 \U0001F600"}),
    ("set_file_reputation", (99, {"sha1": NOT_FOUND_SHA1}), {}),
    ("set_file_reputation", (99, {"md5": "0"}), {}),
    ("set_certificate_reputation", (99, CERT_SHA1), {}),
    ("set_certificate_reputation", (85, CERT_SHA1), {"public_key_sha1": CERT_PUBLIC_KEY_SHA1, "comment": "c"}),
    ("set_certificate_reputation", (85, NO_SERVICE_SHA1), {}),
]


@pytest.mark.parametrize("method,args,kwargs", REQUESTS, ids=["%s-%d" % (r[0], i) for i, r in enumerate(REQUESTS)])
def test_requests_match_the_reference(tie_client, real_tie_client, responder, method, args, kwargs):
    mark = responder.mark()
    ours = outcome(getattr(tie_client, method), *copy.deepcopy(args), **kwargs)
    our_requests = responder.requests_since(mark)
    mark = responder.mark()
    theirs = outcome(getattr(real_tie_client, method), *copy.deepcopy(args), **kwargs)
    their_requests = responder.requests_since(mark)
    assert ours == theirs
    if ours[0] == "ok":
        assert key_types(ours[1]) == key_types(theirs[1])  # int providerId keys
    # the same request, byte for byte (none at all for an argument error)
    assert our_requests == their_requests
    assert len(our_requests) == (0 if ours[0] == "raise" and ours[1] == "Error" else 1)


EXTERNAL = [
    ((TrustLevel.KNOWN_TRUSTED, NOTEPAD, FileType.PEEXE), {"filename": "notepad.exe", "comment": "External"}),
    ((TrustLevel.MIGHT_BE_TRUSTED, NOTEPAD), {}),
    ((TrustLevel.KNOWN_MALICIOUS, {"md5": NOTEPAD["md5"]}, FileType.JAR), {"filename": "\u00e9.jar"}),
    ((TrustLevel.KNOWN_TRUSTED, {"md5": "xyz-not-hex"}, FileType.EXE), {}),
    ((TrustLevel.NOT_SET, NOTEPAD), {}),
    ((None, NOTEPAD), {}),
    ((TrustLevel.KNOWN_TRUSTED, NOTEPAD, 3), {}),
    ((TrustLevel.KNOWN_TRUSTED, NOTEPAD, None), {}),
    ((42, NOTEPAD, FileType.EXE), {}),
    ((TrustLevel.KNOWN_TRUSTED, {}), {}),
    ((TrustLevel.KNOWN_TRUSTED, None), {}),
]


@pytest.mark.parametrize("args,kwargs", EXTERNAL, ids=[str(i) for i in range(len(EXTERNAL))])
def test_external_reputation_matches_the_reference(tie_client, real_tie_client, responder, args, kwargs):
    results, reports = [], []
    for client in (tie_client, real_tie_client):
        mark = responder.mark()
        result = outcome(client.set_external_file_reputation, *copy.deepcopy(args), **kwargs)
        results.append(result)
        if result[0] == "ok":
            assert wait_for(lambda: responder.reports_since(mark), timeout=5)
        reports.append(responder.reports_since(mark))
    assert results[0] == results[1]
    assert reports[0] == reports[1]  # the same event payload, byte for byte


def test_timeouts_match_the_reference(tie_client, real_tie_client):
    """No answer: both raise WaitTimeoutException naming the request's message id. (The public
    setter refuses less than 30 s in both; the test shortens the private attribute of both.)"""
    tie_client._response_timeout = 0.5
    real_tie_client._response_timeout = 0.5
    ours = outcome(tie_client.get_certificate_reputation, SILENT_SHA1)
    theirs = outcome(real_tie_client.get_certificate_reputation, SILENT_SHA1)
    prefix = "Timeout waiting for response to message: {"
    assert ours[:2] == theirs[:2] == ("raise", "WaitTimeoutException")
    assert ours[2].startswith(prefix) and theirs[2].startswith(prefix)
    with pytest.raises(dxltie.WaitTimeoutException):
        tie_client.get_file_first_references({"sha1": SILENT_SHA1})
