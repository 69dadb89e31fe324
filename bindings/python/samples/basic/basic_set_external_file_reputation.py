# Port of dxltieclient's sample/basic/basic_set_external_file_reputation.py to dxltie: reports an
# External provider reputation for a file, unless another provider already has a definitive one.
#
# Usage: basic_set_external_file_reputation.py [md5 sha1 sha256]
# (without arguments the hashes are made up from the current time, as in the original)

import hashlib
import logging
import os
import sys
import time

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE  # noqa: E402

from dxltie import DxlClient, DxlClientConfig, TieClient  # noqa: E402
from dxltie.constants import FileProvider, FileType, HashType, ReputationProp, TrustLevel  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

if len(sys.argv) > 3:
    file_md5, file_sha1, file_sha256 = sys.argv[1:4]
else:
    seed = str(time.time()).encode("utf-8")
    file_md5 = hashlib.md5(seed).hexdigest()
    file_sha1 = hashlib.sha1(seed).hexdigest()
    file_sha256 = hashlib.sha256(seed).hexdigest()

with DxlClient(config) as client:
    client.connect()
    tie_client = TieClient(client)

    hashes = {HashType.MD5: file_md5, HashType.SHA1: file_sha1, HashType.SHA256: file_sha256}

    reputations_dict = tie_client.get_file_reputation(hashes)

    # Definitive: a provider other than External says something other than Not Set or Unknown.
    has_definitive_reputation = any(
        rep[ReputationProp.TRUST_LEVEL] not in (TrustLevel.NOT_SET, TrustLevel.UNKNOWN)
        and rep[ReputationProp.PROVIDER_ID] != FileProvider.EXTERNAL
        for rep in reputations_dict.values())

    if has_definitive_reputation:
        print("Abort: There is a reputation from another provider for the file, "
              "External Reputation is not necessary.")
    else:
        try:
            tie_client.set_external_file_reputation(
                TrustLevel.MIGHT_BE_TRUSTED,
                hashes,
                FileType.PEEXE,
                filename="random.exe",
                comment="External Reputation set via OpenDXL")
            print("Event Sent")
        except ValueError as e:
            print("Error: " + str(e))
