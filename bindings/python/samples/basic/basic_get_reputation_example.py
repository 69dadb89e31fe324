# Port of dxltieclient's sample/basic/basic_get_reputation_example.py to dxltie: asks TIE for the
# reputations of two files (notepad.exe and the EICAR test file) and prints them.

import logging
import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE  # noqa: E402

from dxltie import DxlClient, DxlClientConfig, TieClient  # noqa: E402
from dxltie.constants import HashType  # noqa: E402
from dxltie.util import MessageUtils  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

NOTEPAD = {
    HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1",
    HashType.SHA1: "7eb0139d2175739b3ccb0d1110067820be6abd29",
    HashType.SHA256: "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
}
EICAR = {
    HashType.MD5: "44d88612fea8a8f36de82e1278abb02f",
    HashType.SHA1: "3395856ce81f2b7382dee72602f798b642f14140",
    HashType.SHA256: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
}

with DxlClient(config) as client:
    client.connect()
    tie_client = TieClient(client)

    # The reputations come back keyed by provider (FileProvider.GTI, FileProvider.ENTERPRISE, ...)
    reputations_dict = tie_client.get_file_reputation(NOTEPAD)
    print("Notepad.exe reputations:")
    print(MessageUtils.dict_to_json(reputations_dict, True) + "\n")

    reputations_dict = tie_client.get_file_reputation(EICAR)
    print("EICAR reputations:")
    print(MessageUtils.dict_to_json(reputations_dict, True))
