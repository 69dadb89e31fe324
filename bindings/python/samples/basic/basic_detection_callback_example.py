# Port of dxltieclient's sample/basic/basic_detection_callback_example.py to dxltie: registers a
# DetectionCallback and prints every file detection event TIE publishes.
#
# Usage: basic_detection_callback_example.py [max_events]   (without it: runs until Ctrl-C)

import logging
import os
import sys
import threading

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE, max_events_argument  # noqa: E402

from dxltie import DetectionCallback, DxlClient, DxlClientConfig, TieClient  # noqa: E402
from dxltie.util import MessageUtils  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

max_events = max_events_argument()
received = []
enough = threading.Event()


class MyDetectionCallback(DetectionCallback):
    """Prints each detection (on the library's dispatcher thread)."""

    def on_detection(self, detection_dict, original_event):
        print("Detection on topic: " + original_event.destination_topic)
        print(MessageUtils.dict_to_json(detection_dict, True))
        received.append(detection_dict)
        if max_events and len(received) >= max_events:
            enough.set()


with DxlClient(config) as client:
    client.connect()

    tie_client = TieClient(client)
    tie_client.add_file_detection_callback(MyDetectionCallback())

    print("Waiting for detection events...")
    while not enough.wait(60):
        pass
