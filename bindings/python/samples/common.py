"""Shared by the samples: where the DXL client configuration is, and logging.

The configuration is ``$DXLCLIENT_CONFIG`` when set, else ``dxlclient.config`` in this folder
(a template: fill in the certificate paths and brokers, or provision it with
``python -m dxlclient provisionconfig``).

Run a sample from anywhere: ``python samples/basic/basic_get_reputation_example.py``. When the
``dxltie`` package is not installed, it is imported from this source tree.
"""

import logging
import os
import sys

SAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))

try:
    import dxltie  # noqa: F401
except ImportError:  # running from the source tree
    sys.path.insert(0, os.path.dirname(SAMPLES_DIR))

CONFIG_FILE_NAME = "dxlclient.config"
CONFIG_FILE = os.environ.get("DXLCLIENT_CONFIG") or os.path.join(SAMPLES_DIR, CONFIG_FILE_NAME)

# Log to the console; each sample lowers this to ERROR, as the dxltieclient samples do.
_handler = logging.StreamHandler()
_handler.setFormatter(logging.Formatter("%(asctime)s %(name)s - %(levelname)s - %(message)s"))
logging.getLogger().addHandler(_handler)
logging.getLogger().setLevel(logging.INFO)


def max_events_argument():
    """The optional first command-line argument of the callback samples: stop after this many
    events (the original samples wait forever; tests need them to stop)."""
    return int(sys.argv[1]) if len(sys.argv) > 1 else 0
