"""The reputation cache through the binding (``DxlClientConfig.set_reputation_cache``), against
mosquitto and the canned responder, which records every request it gets: a cached answer is the
one the real ``dxltieclient`` gets from the fabric, change events and sets drop entries, and the
counters show in ``DxlClient.stats``. (The concurrency, TTL, size and restart cases run in the
Rust test ``tests/reputation_cache.rs``, on mosquitto and the OpenDXL broker.)"""

import threading

import pytest

import dxltie
from conftest import wait_for
from tie_responder import b64

NOTEPAD_MD5 = "f2c7bb8acc97f92e987a2d4087d021b1"
OTHER_MD5 = "0123456789abcdef0123456789abcdef"
CERT_SHA1 = "6eae26db8c13182a7947982991b4321732cc3de2"
FILE_CHANGE_TOPIC = "/mcafee/event/tie/file/repchange/broadcast"
CERT_CHANGE_TOPIC = "/mcafee/event/tie/cert/repchange/broadcast"
FILE_LOOKUP_TOPIC = "/mcafee/service/tie/file/reputation"
CERT_LOOKUP_TOPIC = "/mcafee/service/tie/cert/reputation"


@pytest.fixture
def cached(dxl_config, responder):
    """A connected binding client with a cache of 100 entries for 10 minutes."""
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    config.set_reputation_cache(100, 600)
    client = dxltie.DxlClient(config)
    client.connect(timeout=10)
    yield client
    client.destroy()


def lookups(responder, mark, topic=FILE_LOOKUP_TOPIC):
    return [p for t, p in responder.requests_since(mark) if t == topic]


def change_event(*hashes):
    return {"hashes": [{"type": t, "value": b64(h)} for t, h in hashes],
            "newReputations": {"reputations": []}, "oldReputations": {"reputations": []}, "updateTime": 1}


def test_the_setting_is_checked_and_off_by_default(dxl_config):
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    assert config.reputation_cache == (0, 0)
    for bad in [(-1, 10), (1000001, 10), (10, 0), (10, 2 ** 32), (1.5, 10)]:
        with pytest.raises(ValueError):
            config.set_reputation_cache(*bad)
    with pytest.raises(TypeError):
        config.set_reputation_cache("10", 10)
    assert config.reputation_cache == (0, 0)
    config.set_reputation_cache(10, 60)
    assert config.reputation_cache == (10, 60)
    config.set_reputation_cache(0, 0)
    assert config.reputation_cache == (0, 0)


def test_a_second_lookup_is_a_hit_with_the_reference_answer(cached, responder, real_tie_client):
    tie = dxltie.TieClient(cached)
    mark = responder.mark()
    first = tie.get_file_reputation({"md5": NOTEPAD_MD5})
    second = tie.get_file_reputation({"md5": NOTEPAD_MD5})
    assert len(lookups(responder, mark)) == 1
    assert first == second == real_tie_client.get_file_reputation({"md5": NOTEPAD_MD5})
    cert = tie.get_certificate_reputation(CERT_SHA1)
    assert tie.get_certificate_reputation(CERT_SHA1) == cert
    assert len(lookups(responder, mark, CERT_LOOKUP_TOPIC)) == 1
    assert cert == real_tie_client.get_certificate_reputation(CERT_SHA1)
    stats = cached.stats
    assert (stats["cache_hits"], stats["cache_misses"], stats["cache_entries"]) == (2, 2, 2), stats


def test_a_change_event_and_a_set_drop_entries(cached, responder):
    tie = dxltie.TieClient(cached)
    tie.get_file_reputation({"md5": NOTEPAD_MD5})
    tie.get_file_reputation({"md5": OTHER_MD5})
    tie.get_certificate_reputation(CERT_SHA1)
    mark = responder.mark()
    responder.publish(FILE_CHANGE_TOPIC, change_event(("md5", NOTEPAD_MD5)))
    assert wait_for(lambda: cached.stats["cache_invalidated_by_event"] == 1)
    tie.get_file_reputation({"md5": NOTEPAD_MD5})
    tie.get_file_reputation({"md5": OTHER_MD5})
    assert len(lookups(responder, mark)) == 1, "only the changed file went to the fabric"

    responder.publish(CERT_CHANGE_TOPIC, change_event(("sha1", CERT_SHA1)))
    assert wait_for(lambda: cached.stats["cache_invalidated_by_event"] == 2)
    tie.get_certificate_reputation(CERT_SHA1)
    assert len(lookups(responder, mark, CERT_LOOKUP_TOPIC)) == 1

    tie.set_file_reputation(dxltie.constants.TrustLevel.MIGHT_BE_TRUSTED, {"md5": OTHER_MD5}, "other.exe")
    assert cached.stats["cache_invalidated_by_set"] == 1
    tie.get_file_reputation({"md5": OTHER_MD5})
    assert len(lookups(responder, mark)) == 2


def test_event_callbacks_of_the_user_still_fire(cached, responder):
    """The cache's subscription to the change topic leaves the user's callbacks alone."""
    seen = []
    done = threading.Event()

    class Changes(dxltie.callbacks.ReputationChangeCallback):
        def on_reputation_change(self, rep_change_dict, original_event):
            seen.append(rep_change_dict)
            done.set()

    tie = dxltie.TieClient(cached)
    callback = Changes()
    tie.add_file_reputation_change_callback(callback)
    tie.get_file_reputation({"md5": NOTEPAD_MD5})
    responder.publish(FILE_CHANGE_TOPIC, change_event(("md5", NOTEPAD_MD5)))
    assert done.wait(10)
    assert seen[0]["hashes"] == {"md5": NOTEPAD_MD5}
    tie.remove_file_reputation_change_callback(callback)
    assert cached.stats["cache_invalidated_by_event"] == 1


def test_without_the_cache_every_lookup_is_a_request(tie_client, dxl_client, responder):
    mark = responder.mark()
    tie_client.get_file_reputation({"md5": NOTEPAD_MD5})
    tie_client.get_file_reputation({"md5": NOTEPAD_MD5})
    assert len(lookups(responder, mark)) == 2
    assert all(v == 0 for k, v in dxl_client.stats.items() if k.startswith("cache_"))
