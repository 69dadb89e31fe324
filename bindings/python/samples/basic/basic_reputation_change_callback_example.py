# Port of dxltieclient's sample/basic/basic_reputation_change_callback_example.py to dxltie: one
# callback object receives both file and certificate reputation change events.
#
# Usage: basic_reputation_change_callback_example.py [max_events]   (without it: until Ctrl-C)

import logging
import os
import sys
import threading

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE, max_events_argument  # noqa: E402

from dxltie import DxlClient, DxlClientConfig, ReputationChangeCallback, TieClient  # noqa: E402
from dxltie.util import MessageUtils  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

max_events = max_events_argument()
received = []
enough = threading.Event()


class MyReputationChangeCallback(ReputationChangeCallback):
    """Prints each reputation change (file or certificate)."""

    def on_reputation_change(self, rep_change_dict, original_event):
        print("Reputation change on topic: " + original_event.destination_topic)
        print(MessageUtils.dict_to_json(rep_change_dict, True))
        received.append(rep_change_dict)
        if max_events and len(received) >= max_events:
            enough.set()


with DxlClient(config) as client:
    client.connect()

    tie_client = TieClient(client)
    rep_change_callback = MyReputationChangeCallback()
    tie_client.add_file_reputation_change_callback(rep_change_callback)
    tie_client.add_certificate_reputation_change_callback(rep_change_callback)

    print("Waiting for reputation change events...")
    while not enough.wait(60):
        pass
