# Port of dxltieclient's sample/basic/basic_set_reputation_example.py to dxltie: sets the
# Enterprise reputation of notepad.exe to Known Trusted.

import logging
import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE  # noqa: E402

from dxltie import DxlClient, DxlClientConfig, TieClient  # noqa: E402
from dxltie.constants import HashType, TrustLevel  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

with DxlClient(config) as client:
    client.connect()
    tie_client = TieClient(client)

    tie_client.set_file_reputation(
        TrustLevel.KNOWN_TRUSTED,
        {
            HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1",
            HashType.SHA1: "7eb0139d2175739b3ccb0d1110067820be6abd29",
            HashType.SHA256: "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
        },
        filename="notepad.exe",
        comment="Reputation set via OpenDXL")
    print("Succeeded.")
