# Port of dxlclient's basic event sample to dxltie: subscribes to a topic, publishes a thousand
# events to it and waits until the callback has seen them all, printing each. Only the imports
# differ from a dxlclient program.

import logging
import os
import sys
import time
from threading import Condition

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE  # noqa: E402

from dxltie import DxlClient, DxlClientConfig  # noqa: E402
from dxltie.callbacks import EventCallback  # noqa: E402
from dxltie.message import Event  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

EVENT_TOPIC = "/isecg/sample/basicevent"
TOTAL_EVENTS = 1000

received = [0]
received_changed = Condition()

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

with DxlClient(config) as client:
    client.connect()

    class CountingCallback(EventCallback):
        def on_event(self, event):
            with received_changed:
                print("Received event: " + event.payload.decode())
                received[0] += 1
                received_changed.notify_all()

    client.add_event_callback(EVENT_TOPIC, CountingCallback())

    started = time.time()
    for number in range(TOTAL_EVENTS):
        event = Event(EVENT_TOPIC)
        event.payload = str(number).encode()
        client.send_event(event)

    with received_changed:
        # Printed under the callback's lock: a print from two threads at once can mix lines.
        print("Waiting for events to be received...")
        while received[0] < TOTAL_EVENTS:
            received_changed.wait()

    print("Elapsed time (ms): " + str((time.time() - started) * 1000))
