"""The TIE callbacks take their events in batches (``dxltie_add_json_batch_callback``): one
call into Python for every event queued when the dispatcher gets to them. What the user sees
must not change: every event, in order, each exception on its own, and no call after a
removal, even for the rest of a batch already in hand."""

import threading

import dxltie
from dxltie.message import Event

from conftest import wait_for
from tie_responder import DETECTION_TOPIC


class Blocking(dxltie.DetectionCallback):
    """Holds the dispatcher in its first call until released, so the events sent meanwhile
    queue up and arrive as one batch."""

    def __init__(self, remove_at=None, tie_client=None):
        self.names = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.remove_at = remove_at
        self.tie_client = tie_client

    def on_detection(self, detection_dict, original_event):
        self.names.append(detection_dict["name"])
        if len(self.names) == 1:
            self.started.set()
            self.release.wait(10)
        if len(self.names) == self.remove_at:
            self.tie_client.remove_file_detection_callback(self)
        if detection_dict["name"] == "raise":
            raise RuntimeError("boom in a batch")


def _queue_behind_first(tie_client, responder, callback, names):
    """Sends one event, then `names` while the callback holds the first, then lets it go."""
    received = tie_client._dxl_client.stats["received"]
    responder.publish(DETECTION_TOPIC, {"name": "first", "hashes": []})
    assert callback.started.wait(10)
    for name in names:
        responder.publish(DETECTION_TOPIC, {"name": name, "hashes": []})
    assert wait_for(lambda: tie_client._dxl_client.stats["received"] >= received + 1 + len(names))
    callback.release.set()


def test_queued_events_arrive_in_order_and_an_exception_spoils_only_its_event(tie_client, responder, caplog):
    callback = Blocking()
    tie_client.add_file_detection_callback(callback)
    try:
        names = ["e%d" % i for i in range(10)] + ["raise"] + ["f%d" % i for i in range(10)]
        _queue_behind_first(tie_client, responder, callback, names)
        assert wait_for(lambda: len(callback.names) == 1 + len(names))
        assert callback.names == ["first"] + names
        assert len([r for r in caplog.records if r.exc_info and "boom in a batch" in str(r.exc_info[1])]) == 1
    finally:
        tie_client.remove_file_detection_callback(callback)


def _delivered(tie_client):
    return tie_client._dxl_client.stats["delivered"]


def test_a_removal_inside_a_batch_stops_the_rest_of_it(tie_client, responder):
    # The first event comes alone; the 20 sent while it is held come as one batch (this is the
    # kind's only callback), and the callback removes itself at the second of them.
    callback = Blocking(remove_at=3, tie_client=tie_client)
    tie_client.add_file_detection_callback(callback)
    try:
        before = _delivered(tie_client)
        _queue_behind_first(tie_client, responder, callback, ["e%d" % i for i in range(20)])
        assert wait_for(lambda: _delivered(tie_client) >= before + 21)
        assert callback.names == ["first", "e0", "e1"]
    finally:
        tie_client.remove_file_detection_callback(callback)


class HoldAt(dxltie.DetectionCallback):
    """Records the names it gets into `calls` as (label, name), and holds the dispatcher at
    each event named in `holds` until that name is released."""

    def __init__(self, label, calls, holds=()):
        self.label, self.calls = label, calls
        self.holding = {name: threading.Event() for name in holds}
        self.released = {name: threading.Event() for name in holds}

    def on_detection(self, detection_dict, original_event):
        name = detection_dict["name"]
        self.calls.append((self.label, name))
        if name in self.holding:
            self.holding[name].set()
            self.released[name].wait(10)

    def release_all(self):
        for event in self.released.values():
            event.set()


def _hold_inside_a_batch(tie_client, responder, first):
    """`first` (the kind's only callback) is held at 'zero' while e0..e9 queue up, then at e1,
    inside the batch e0..e9 that follows."""
    responder.publish(DETECTION_TOPIC, {"name": "zero", "hashes": []})
    assert first.holding["zero"].wait(10)
    received = tie_client._dxl_client.stats["received"]
    for i in range(10):
        responder.publish(DETECTION_TOPIC, {"name": "e%d" % i, "hashes": []})
    assert wait_for(lambda: tie_client._dxl_client.stats["received"] >= received + 10)
    first.released["zero"].set()
    assert first.holding["e1"].wait(10)


def test_a_callback_added_during_a_batch_gets_the_rest_of_it_in_turn(tie_client, responder):
    calls = []
    first, second = HoldAt("first", calls, holds=("zero", "e1")), HoldAt("second", calls)
    tie_client.add_file_detection_callback(first)
    try:
        before = _delivered(tie_client)
        _hold_inside_a_batch(tie_client, responder, first)
        tie_client.add_file_detection_callback(second)
        first.release_all()
        assert wait_for(lambda: _delivered(tie_client) >= before + 11)
        assert wait_for(lambda: len(calls) >= 1 + 10 + 8)
        expected = [("first", "zero"), ("first", "e0"), ("first", "e1")]
        expected += [(who, "e%d" % i) for i in range(2, 10) for who in ("first", "second")]
        assert calls == expected
    finally:
        first.release_all()
        tie_client.remove_file_detection_callback(first)
        tie_client.remove_file_detection_callback(second)


def test_a_callback_replaced_during_a_batch_passes_the_rest_on(tie_client, responder):
    calls = []
    first, second = HoldAt("first", calls, holds=("zero", "e1")), HoldAt("second", calls)
    tie_client.add_file_detection_callback(first)
    try:
        before = _delivered(tie_client)
        _hold_inside_a_batch(tie_client, responder, first)
        tie_client.add_file_detection_callback(second)
        remover = threading.Thread(target=tie_client.remove_file_detection_callback, args=(first,))
        remover.start()  # waits for the running call
        registered = tie_client._dxl_client._tie_callbacks
        assert wait_for(lambda: all(r.callback is not first for r in list(registered.values())))
        first.release_all()
        remover.join(10)
        assert wait_for(lambda: _delivered(tie_client) >= before + 11)
        assert wait_for(lambda: len(calls) >= 1 + 2 + 8)
        assert calls == [("first", "zero"), ("first", "e0"), ("first", "e1")] + [("second", "e%d" % i)
                                                                               for i in range(2, 10)]
    finally:
        first.release_all()
        tie_client.remove_file_detection_callback(first)
        tie_client.remove_file_detection_callback(second)


def test_a_received_event_has_every_attribute_a_new_one_has():
    record = {"topic": "/t", "messageId": "{id}", "sourceClientId": "c", "sourceBrokerId": "b", "version": 3,
              "sourceClientInstanceId": "ci", "brokerIds": ["b1"], "clientIds": ["c1"], "otherFields": {"k": "v"},
              "sourceTenantGuid": "t", "destinationTenantGuids": ["d"]}
    received = Event._from_record(record, b"payload")
    assert set(vars(received)) == set(vars(Event("/t")))
    assert (received.destination_topic, received.message_id, received.source_client_id, received.source_broker_id,
            received.payload, received.version, received._source_client_instance_id, received.broker_ids,
            received.client_ids, received.other_fields, received.source_tenant_guid,
            received.destination_tenant_guids) == ("/t", "{id}", "c", "b", b"payload", 3, "ci", ["b1"], ["c1"],
                                                   {"k": "v"}, "t", ["d"])


def test_original_event_carries_the_whole_dxl_message(tie_client, real_dxl_client):
    """Fields dxlclient sends and decodes (other fields, tenant ids) reach ``original_event``."""
    from dxlclient.message import Event as RealEvent
    got = []
    done = threading.Event()

    def on_detection(detection_dict, original_event):
        got.append(original_event)
        done.set()

    tie_client.add_file_detection_callback(on_detection)
    try:
        event = RealEvent(DETECTION_TOPIC)
        event.payload = b'{"name": "whole", "hashes": []}'
        event.other_fields = {"first": "1", "second": "2"}
        event.source_tenant_guid = "{tenant}"
        event.destination_tenant_guids = ["{d1}", "{d2}"]
        real_dxl_client.send_event(event)
        assert done.wait(10)
        received = got[0]
        assert received.message_id == event.message_id
        assert received.other_fields == {"first": "1", "second": "2"}
        assert received.source_tenant_guid == "{tenant}"
        assert received.destination_tenant_guids == ["{d1}", "{d2}"]
        assert received.version == event.version
        assert received.payload == event.payload
    finally:
        tie_client.remove_file_detection_callback(on_detection)


def test_two_callbacks_of_a_kind_take_the_events_in_turn(tie_client, responder):
    """With two callbacks on one kind, nothing is batched: each event reaches the first, then
    the second, as the reference calls them, even for events that queued up meanwhile."""
    calls = []
    first = Blocking()
    first.on_detection_original = first.on_detection

    def record_first(detection_dict, original_event):
        calls.append(("first", detection_dict["name"]))
        first.on_detection_original(detection_dict, original_event)

    def record_second(detection_dict, original_event):
        calls.append(("second", detection_dict["name"]))

    tie_client.add_file_detection_callback(record_first)
    tie_client.add_file_detection_callback(record_second)
    try:
        names = ["e%d" % i for i in range(10)]
        _queue_behind_first(tie_client, responder, first, names)
        assert wait_for(lambda: len(calls) == 2 * 11)
        assert calls == [(who, name) for name in ["first"] + names for who in ("first", "second")]
    finally:
        tie_client.remove_file_detection_callback(record_first)
        tie_client.remove_file_detection_callback(record_second)
