"""The idle cost of a Python TIE client, for `make bench` (bench/driver/main.rs).

    py_idle.py ref|ours <dxlclient.config> <seconds>

``ref``: the real ``dxltieclient`` on ``dxlclient``; ``ours``: the ``dxltie`` binding. Connects,
registers a ``DetectionCallback``, prints ``READY`` and does nothing for ``seconds`` (the driver
counts the process's context switches and CPU time meanwhile).
"""

import logging
import sys
import time

logging.basicConfig(level=logging.ERROR)

which, config_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
if which == "ref":
    from dxlclient.client import DxlClient
    from dxlclient.client_config import DxlClientConfig
    from dxltieclient import TieClient
    from dxltieclient.callbacks import DetectionCallback
else:
    from dxltie import DxlClient, DxlClientConfig, TieClient, DetectionCallback


class Nothing(DetectionCallback):
    def on_detection(self, detection_dict, original_event):
        pass


config = DxlClientConfig.create_dxl_config_from_file(config_path)
with DxlClient(config) as client:
    client.connect()
    TieClient(client).add_file_detection_callback(Nothing())
    print("READY", flush=True)
    time.sleep(seconds)
    print("RESULT mode=idle", flush=True)
