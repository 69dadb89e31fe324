"""The binding's callback machinery on a real broker: exceptions in user code, add/remove
semantics, keeping callables alive, requests from inside callbacks."""

import gc
import logging
import threading
import time

import pytest

import dxltie
from dxltie import _native

from conftest import Collector, wait_for
from tie_responder import DETECTION_TOPIC, FIRST_INSTANCE_TOPIC, NOTEPAD


class Detections(dxltie.DetectionCallback):
    def __init__(self, sink=None, fail=False):
        self.sink = sink if sink is not None else Collector()
        self.fail = fail

    def on_detection(self, detection_dict, original_event):
        self.sink.add((original_event.message_id, detection_dict))
        if self.fail:
            raise RuntimeError("boom from a user callback")


def ids(collector):
    """Message ids received, in order (a Collector or a Detections callback)."""
    collector = getattr(collector, "sink", collector)
    return [message_id for message_id, _ in collector.snapshot()]


def publish_detections(responder, count=1):
    return [responder.publish(DETECTION_TOPIC, {"name": "event %d" % i, "hashes": []}) for i in range(count)]


def settle(responder, *collectors):
    """Publishes a sentinel and waits until every collector has it: everything published before
    has been dispatched."""
    sentinel = responder.publish(DETECTION_TOPIC, {"name": "sentinel"})
    assert wait_for(lambda: all(sentinel in ids(c) for c in collectors))


def test_a_raising_callback_does_not_break_delivery(tie_client, responder, caplog):
    failing, good = Detections(fail=True), Detections()
    tie_client.add_file_detection_callback(failing)
    tie_client.add_file_detection_callback(good)
    try:
        with caplog.at_level(logging.ERROR, logger="dxltie"):
            sent = publish_detections(responder, 3)
            assert wait_for(lambda: set(sent) <= set(ids(good)) and set(sent) <= set(ids(failing)))
            assert wait_for(lambda: len([r for r in caplog.records if "boom" in r.getMessage()
                                         or (r.exc_info and "boom" in str(r.exc_info[1]))]) >= 3)
        records = [r for r in caplog.records if r.name == "dxltie" and r.exc_info]
        assert records and all(isinstance(r.exc_info[1], RuntimeError) for r in records)
        assert tie_client._dxl_client.connected
    finally:
        tie_client.remove_file_detection_callback(failing)
        tie_client.remove_file_detection_callback(good)


def test_the_default_method_raises_and_is_logged(tie_client, responder, caplog):
    base, good = dxltie.DetectionCallback(), Detections()
    tie_client.add_file_detection_callback(base)
    tie_client.add_file_detection_callback(good)
    try:
        with caplog.at_level(logging.ERROR, logger="dxltie"):
            settle(responder, good.sink)
            assert wait_for(lambda: any(r.exc_info and isinstance(r.exc_info[1], NotImplementedError)
                                        for r in caplog.records))
    finally:
        tie_client.remove_file_detection_callback(base)
        tie_client.remove_file_detection_callback(good)


def test_remove_keeps_the_other_callbacks(tie_client, responder):
    a, b = Detections(), Detections()
    tie_client.add_file_detection_callback(a)
    tie_client.add_file_detection_callback(b)
    try:
        first = publish_detections(responder)
        assert wait_for(lambda: set(first) <= set(ids(a)) and set(first) <= set(ids(b)))
        tie_client.remove_file_detection_callback(a)
        later = publish_detections(responder, 2)
        settle(responder, b.sink)
        assert set(later) <= set(ids(b))
        assert not set(later) & set(ids(a))
        tie_client.remove_file_detection_callback(a)  # removing again is a no-op
    finally:
        tie_client.remove_file_detection_callback(b)


def test_the_same_object_twice_is_registered_once(tie_client, responder):
    once = Detections()
    tie_client.add_file_detection_callback(once)
    tie_client.add_file_detection_callback(once)
    dxltie.TieClient(tie_client._dxl_client).add_file_detection_callback(once)  # another TieClient, same client
    try:
        sent = publish_detections(responder)
        settle(responder, once.sink)
        assert ids(once).count(sent[0]) == 1
        tie_client.remove_file_detection_callback(once)
        later = publish_detections(responder)
        time.sleep(0.3)
        assert later[0] not in ids(once)
        # and it can be registered again
        tie_client.add_file_detection_callback(once)
        settle(responder, once.sink)
    finally:
        tie_client.remove_file_detection_callback(once)


def test_one_object_on_both_reputation_change_topics(tie_client, responder):
    seen = Collector()

    class Changes(dxltie.ReputationChangeCallback):
        def on_reputation_change(self, rep_change_dict, original_event):
            seen.add(original_event.destination_topic)

    changes = Changes()
    tie_client.add_file_reputation_change_callback(changes)
    tie_client.add_certificate_reputation_change_callback(changes)
    try:
        responder.emit_events()
        assert wait_for(lambda: len(seen) >= 2)
        time.sleep(0.2)
        assert sorted(seen.snapshot()) == ["/mcafee/event/tie/cert/repchange/broadcast",
                                           "/mcafee/event/tie/file/repchange/broadcast"]
        # removing it from one topic keeps the other
        tie_client.remove_certificate_reputation_change_callback(changes)
        responder.emit_events()
        assert wait_for(lambda: len(seen) >= 3)
        time.sleep(0.2)
        assert seen.snapshot()[2:] == ["/mcafee/event/tie/file/repchange/broadcast"]
    finally:
        tie_client.remove_file_reputation_change_callback(changes)
        tie_client.remove_certificate_reputation_change_callback(changes)


def test_callables_stay_alive_while_registered_and_are_released_after(tie_client, responder):
    baseline = _native.registered_count()
    sink = Collector()
    callback = Detections(sink)
    tie_client.add_file_detection_callback(callback)
    del callback
    gc.collect()  # the registration keeps the object alive
    settle(responder, sink)
    assert _native.registered_count() == baseline + 1
    [registration] = [r for r in tie_client._dxl_client._tie_callbacks.values()
                      if getattr(r.callback, "sink", None) is sink]
    tie_client.remove_file_detection_callback(registration.callback)
    assert wait_for(lambda: _native.registered_count() == baseline)  # the library's free ran


def test_plain_functions_are_accepted(tie_client, responder):
    got = Collector()

    def on_first_instance(first_instance_dict, original_event):
        got.add((original_event.message_id, first_instance_dict))

    tie_client.add_file_first_instance_callback(on_first_instance)
    try:
        message_id = responder.publish(FIRST_INSTANCE_TOPIC, {"name": "MORPH.EXE"})
        assert wait_for(lambda: message_id in ids(got))
    finally:
        tie_client.remove_file_first_instance_callback(on_first_instance)
    with pytest.raises(TypeError):
        tie_client.add_file_detection_callback(object())


def test_requests_and_removal_from_inside_a_callback(tie_client, responder):
    """Unlike dxltieclient, a callback may make synchronous requests (and remove itself)."""
    results = Collector()
    done = threading.Event()

    class AskingBack(dxltie.DetectionCallback):
        def on_detection(self, detection_dict, original_event):
            results.add((threading.current_thread().name, tie_client.get_file_reputation(NOTEPAD)))
            tie_client.remove_file_detection_callback(self)
            done.set()

    asking = AskingBack()
    tie_client.add_file_detection_callback(asking)
    try:
        publish_detections(responder, 2)
        assert done.wait(10)
        time.sleep(0.3)
        [(thread_name, reputations)] = results.snapshot()  # removed itself after the first
        assert thread_name != threading.current_thread().name
        assert sorted(reputations) == [1, 3] and reputations[1]["trustLevel"] == 99
    finally:
        tie_client.remove_file_detection_callback(asking)


def test_remove_while_the_callback_registers_others(tie_client, responder):
    """A thread removing a running callback waits for it; that callback may meanwhile add and
    remove callbacks itself (no lock of the binding is held across the library's wait)."""
    started, finished = threading.Event(), threading.Event()
    other = Detections()

    class Busy(dxltie.DetectionCallback):
        def on_detection(self, detection_dict, original_event):
            if started.is_set():
                return
            started.set()
            time.sleep(0.3)  # the main thread is now waiting in remove
            tie_client.add_file_first_instance_callback(lambda d, e: None)
            tie_client.add_file_detection_callback(other)
            finished.set()

    busy = Busy()
    tie_client.add_file_detection_callback(busy)
    try:
        publish_detections(responder)
        assert started.wait(10)
        tie_client.remove_file_detection_callback(busy)  # returns after the running call
        assert finished.is_set()
        settle(responder, other.sink)
    finally:
        tie_client.remove_file_detection_callback(busy)
        tie_client.remove_file_detection_callback(other)
        for registration in list(tie_client._dxl_client._tie_callbacks.values()):
            if getattr(registration.callback, "__name__", "") == "<lambda>":
                tie_client.remove_file_first_instance_callback(registration.callback)


def try_destroy(client, outcome):
    """Destroys ``client``, recording "destroyed" or the error's code name in ``outcome``."""
    try:
        client.destroy()
        outcome.append("destroyed")
    except dxltie.DxlTieError as e:
        outcome.append(e.code_name)


def test_destroy_inside_a_callback_is_refused(dxl_config, responder):
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    outcome = []
    with dxltie.DxlClient(config) as client:
        client.connect(timeout=10)
        tie = dxltie.TieClient(client)

        def on_detection(detection_dict, original_event):
            try_destroy(client, outcome)

        tie.add_file_detection_callback(on_detection)
        publish_detections(responder)
        assert wait_for(lambda: outcome)
        assert outcome[0] == "DXLTIE_E_WOULD_DEADLOCK"
        assert client.connected
    assert not client.connected


def test_destroy_inside_a_callback_another_thread_is_removing_is_refused(dxl_config, responder):
    """destroy() inside a callback while another thread waits to remove that callback is
    refused at once. It used to wait for the removal (a call in progress), which waited for the
    callback: both threads hung."""
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    outcome = []
    started = threading.Event()
    client = dxltie.DxlClient(config)
    client.connect(timeout=10)
    tie = dxltie.TieClient(client)

    def on_detection(detection_dict, original_event):
        if started.is_set():
            return
        started.set()
        wait_for(lambda: client._active > 0)  # the remover is in its call...
        time.sleep(0.2)  # ...and in the library, waiting for this callback to return
        try_destroy(client, outcome)

    tie.add_file_detection_callback(on_detection)
    publish_detections(responder)
    assert started.wait(10)
    remover = threading.Thread(target=tie.remove_file_detection_callback, args=(on_detection,), daemon=True)
    remover.start()
    remover.join(20)
    if remover.is_alive():
        # The two wait for each other: free the callback's wait, so the test fails, not hangs.
        with client._cond:
            client._active = 0
            client._cond.notify_all()
        pytest.fail("destroy() in the callback and the removal waited for each other")
    assert outcome == ["DXLTIE_E_WOULD_DEADLOCK"]
    assert client.connected
    client.destroy()
    assert not client.connected


def test_many_threads_share_one_client(tie_client):
    errors, results = [], Collector()

    def worker():
        try:
            for _ in range(10):
                results.add(tie_client.get_file_reputation(NOTEPAD)[1]["trustLevel"])
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert results.snapshot() == [99] * 80


def test_disconnect_and_reconnect_keep_registrations(dxl_config, responder):
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    got = Detections()
    with dxltie.DxlClient(config) as client:
        client.connect(timeout=10)
        with pytest.raises(dxltie.DxlException, match="Already connected"):
            client.connect()
        tie = dxltie.TieClient(client)
        tie.add_file_detection_callback(got)
        client.disconnect()
        assert not client.connected
        client.connect(timeout=10)
        settle(responder, got.sink)
        assert client.stats["delivered"] >= 1
