# Port of dxltieclient's sample/basic/basic_first_ref_example.py to dxltie: lists the systems
# that first referenced (typically ran) a file.
#
# Usage: basic_first_ref_example.py [md5 sha1 sha256]
# (the original has placeholders to edit; here they can also be given as arguments)

import logging
import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE  # noqa: E402

from dxltie import DxlClient, DxlClientConfig, TieClient  # noqa: E402
from dxltie.constants import FirstRefProp, HashType  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

FILE_MD5 = "<specify the MD5 for the file>"
FILE_SHA1 = "<specify the SHA-1 for the file>"
FILE_SHA256 = "<specify the SHA-256 for the file>"
if len(sys.argv) > 3:
    FILE_MD5, FILE_SHA1, FILE_SHA256 = sys.argv[1:4]

with DxlClient(config) as client:
    client.connect()
    tie_client = TieClient(client)

    system_list = tie_client.get_file_first_references(
        {HashType.MD5: FILE_MD5, HashType.SHA1: FILE_SHA1, HashType.SHA256: FILE_SHA256})

    print("\nSystems that have referenced the file:\n")
    for system in system_list:
        print("\t" + system[FirstRefProp.SYSTEM_GUID] + ": "
              + FirstRefProp.to_localtime_string(system[FirstRefProp.DATE]))
