"""get_file_reputation round trips from a Python TIE client, for `make bench`
(bench/driver/main.rs).

    py_requests.py ref|ours <dxlclient.config> <count> sync|async [window]

``sync``: ``TieClient.get_file_reputation`` in a loop, each round trip timed (``ref``: the real
``dxltieclient``; ``ours``: the ``dxltie`` binding). ``async`` (``ref`` only): ``dxltieclient``
has no asynchronous request, so this is ``dxlclient``'s ``async_request`` with the request
``dxltieclient.get_file_reputation`` builds and the decoding it applies to the answer, with
``window`` requests in flight. After 100 synchronous warm-up requests; prints one
``RESULT ...`` line.
"""

import base64
import binascii
import logging
import sys
import threading
import time

logging.basicConfig(level=logging.ERROR)

which, config_path, count, form = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
window = int(sys.argv[5]) if len(sys.argv) > 5 else 64
if which == "ref":
    from dxlclient.client import DxlClient
    from dxlclient.client_config import DxlClientConfig
    from dxltieclient import TieClient
    from dxltieclient.constants import HashType
else:
    from dxltie import DxlClient, DxlClientConfig, TieClient
    from dxltie.constants import HashType

# notepad.exe, as in the TIE samples and bench/bench.c.
HASHES = {
    HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1",
    HashType.SHA1: "7eb0139d2175739b3ccb0d1110067820be6abd29",
    HashType.SHA256: "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
}


def percentile(sorted_values, p):
    i = int(p * (len(sorted_values) - 1) + 0.5)
    return sorted_values[min(i, len(sorted_values) - 1)]


def run_sync(tie_client):
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        reputations = tie_client.get_file_reputation(HASHES)
        latencies.append(time.perf_counter() - t0)
        assert len(reputations) == 2, reputations
    total = time.perf_counter() - start
    latencies.sort()
    print("RESULT mode=requests impl=%s form=sync count=%d seconds=%.6f rate=%.1f p50_ms=%.4f p99_ms=%.4f"
          % (which, count, total, count / total, percentile(latencies, 0.5) * 1e3,
             percentile(latencies, 0.99) * 1e3), flush=True)


def run_async(client):
    from dxlbootstrap.util import MessageUtils
    from dxlclient.callbacks import ResponseCallback
    from dxlclient.message import Request

    slots = threading.Semaphore(window)
    done = threading.Event()
    state = {"completed": 0, "failed": 0}
    lock = threading.Lock()

    class OnResponse(ResponseCallback):
        def on_response(self, response):
            # What dxltieclient.get_file_reputation does with the answer.
            try:
                resp_dict = MessageUtils.json_payload_to_dict(response)
                reputations = TieClient._transform_reputations(resp_dict["reputations"])
                ok = len(reputations) == 2
            except Exception:  # noqa: BLE001 - counted, reported
                ok = False
            with lock:
                state["completed"] += 1
                if not ok:
                    state["failed"] += 1
                if state["completed"] >= count:
                    done.set()
            slots.release()

    callback = OnResponse()
    start = time.perf_counter()
    for _ in range(count):
        slots.acquire()
        # The request dxltieclient.get_file_reputation builds.
        request = Request("/mcafee/service/tie/file/reputation")
        payload = {"hashes": [], "scanType": 3}
        for key, value in HASHES.items():
            payload["hashes"].append(
                {"type": key, "value": base64.b64encode(binascii.unhexlify(value)).decode("ascii")})
        MessageUtils.dict_to_json_payload(request, payload)
        client.async_request(request, callback)
    done.wait(600)
    total = time.perf_counter() - start
    print("RESULT mode=requests impl=%s form=async window=%d count=%d seconds=%.6f rate=%.1f failed=%d"
          % (which, window, state["completed"], total, state["completed"] / total, state["failed"]), flush=True)


def main():
    config = DxlClientConfig.create_dxl_config_from_file(config_path)
    with DxlClient(config) as client:
        client.connect()
        tie_client = TieClient(client)
        for _ in range(100):
            tie_client.get_file_reputation(HASHES)
        if form == "sync":
            run_sync(tie_client)
        else:
            run_async(client)


main()
