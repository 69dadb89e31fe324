# Port of dxltieclient's sample/basic/basic_first_instance_callback.py to dxltie: prints every
# event TIE publishes when a file is seen for the first time in the enterprise.
#
# Usage: basic_first_instance_callback.py [max_events]   (without it: runs until Ctrl-C)

import logging
import os
import sys
import threading

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE, max_events_argument  # noqa: E402

from dxltie import DxlClient, DxlClientConfig, FirstInstanceCallback, TieClient  # noqa: E402
from dxltie.util import MessageUtils  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

max_events = max_events_argument()
received = []
enough = threading.Event()


class MyFirstInstanceCallback(FirstInstanceCallback):
    """Prints each first-instance event."""

    def on_first_instance(self, first_instance_dict, original_event):
        print("First instance on topic: " + original_event.destination_topic)
        print(MessageUtils.dict_to_json(first_instance_dict, True))
        received.append(first_instance_dict)
        if max_events and len(received) >= max_events:
            enough.set()


with DxlClient(config) as client:
    client.connect()

    tie_client = TieClient(client)
    tie_client.add_file_first_instance_callback(MyFirstInstanceCallback())

    print("Waiting for first instance events...")
    while not enough.wait(60):
        pass
