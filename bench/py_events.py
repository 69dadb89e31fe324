"""Event throughput of a Python TIE client, for `make bench` (bench/driver/main.rs).

    py_events.py ref|ours <dxlclient.config> <count>

``ref``: the real ``dxltieclient`` on ``dxlclient``; ``ours``: the ``dxltie`` binding (same
API). Connects, registers a ``DetectionCallback``, prints ``READY`` once subscribed, and counts
detection events until ``count`` have arrived (or none for 15 s); then prints
``RESULT rate=... count=... seconds=...``: events between the first and the last arrival, over
that time (clock read in the callback).
"""

import logging
import sys
import threading
import time

logging.basicConfig(level=logging.ERROR)

which, config_path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
if which == "ref":
    from dxlclient.client import DxlClient
    from dxlclient.client_config import DxlClientConfig
    from dxltieclient import TieClient
    from dxltieclient.callbacks import DetectionCallback
else:
    from dxltie import DxlClient, DxlClientConfig, TieClient, DetectionCallback


class Counter(DetectionCallback):
    """Counts events and keeps the first and last arrival times."""

    def __init__(self):
        super(Counter, self).__init__()
        self.count = 0
        self.first = self.last = 0.0
        self.names = 0
        self.done = threading.Event()

    def on_detection(self, detection_dict, original_event):
        now = time.perf_counter()
        if self.count == 0:
            self.first = now
        self.last = now
        self.names += len(detection_dict["name"])  # read the event, as a real listener would
        self.count += 1
        if self.count >= count:
            self.done.set()


def main():
    config = DxlClientConfig.create_dxl_config_from_file(config_path)
    with DxlClient(config) as client:
        client.connect()
        tie_client = TieClient(client)
        counter = Counter()
        tie_client.add_file_detection_callback(counter)  # returns once the broker acknowledged
        print("READY", flush=True)
        seen = -1
        while not counter.done.wait(15):
            if counter.count == seen:
                break  # nothing for 15 s: report what arrived
            seen = counter.count
        seconds = counter.last - counter.first
        rate = (counter.count - 1) / seconds if counter.count > 1 and seconds > 0 else 0.0
        print("RESULT mode=events impl=%s count=%d seconds=%.6f rate=%.1f" % (which, counter.count, seconds, rate),
              flush=True)


main()
