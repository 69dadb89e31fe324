# Port of dxltieclient's sample/advanced/advanced_get_reputation_example.py to dxltie: gets the
# reputations of a file and of a certificate and picks fields out of them with the constants
# classes (trust levels, Enterprise attributes, epoch helpers).

import logging
import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE  # noqa: E402

from dxltie import DxlClient, DxlClientConfig, TieClient  # noqa: E402
from dxltie.constants import (CertEnterpriseAttrib, CertProvider, FileEnterpriseAttrib,  # noqa: E402
                              FileProvider, HashType, ReputationProp)
from dxltie.util import MessageUtils  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

# notepad.exe (replace with a file known to have run in your enterprise for better results)
FILE_MD5 = "f2c7bb8acc97f92e987a2d4087d021b1"
FILE_SHA1 = "7eb0139d2175739b3ccb0d1110067820be6abd29"
FILE_SHA256 = "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"

# A certificate (body SHA-1 and public-key SHA-1)
CERTIFICATE_BODY_SHA1 = "6EAE26DB8C13182A7947982991B4321732CC3DE2"
CERTIFICATE_PUBLIC_KEY_SHA1 = "3B87A2D6F39770160364B79A152FCC73BAE27ADF"


def print_details(reputations_dict, gti_provider, enterprise_provider, attribs):
    """Prints the GTI trust level and the Enterprise prevalence and first contact, if present."""
    if gti_provider in reputations_dict:
        gti_rep = reputations_dict[gti_provider]
        print("\tGlobal Threat Intelligence (GTI) trust level: " + str(gti_rep[ReputationProp.TRUST_LEVEL]))
    if enterprise_provider in reputations_dict:
        ent_rep_attribs = reputations_dict[enterprise_provider][ReputationProp.ATTRIBUTES]
        if attribs.PREVALENCE in ent_rep_attribs:
            print("\tEnterprise prevalence: " + ent_rep_attribs[attribs.PREVALENCE])
        if attribs.FIRST_CONTACT in ent_rep_attribs:
            print("\tFirst contact: " + attribs.to_localtime_string(ent_rep_attribs[attribs.FIRST_CONTACT]))


with DxlClient(config) as client:
    client.connect()
    tie_client = TieClient(client)

    reputations_dict = tie_client.get_file_reputation(
        {HashType.MD5: FILE_MD5, HashType.SHA1: FILE_SHA1, HashType.SHA256: FILE_SHA256})
    print("File reputation response:")
    print_details(reputations_dict, FileProvider.GTI, FileProvider.ENTERPRISE, FileEnterpriseAttrib)
    print("\nFull file reputation response:\n" + MessageUtils.dict_to_json(reputations_dict, True))

    reputations_dict = tie_client.get_certificate_reputation(CERTIFICATE_BODY_SHA1, CERTIFICATE_PUBLIC_KEY_SHA1)
    print("\nCertificate reputation response:")
    print_details(reputations_dict, CertProvider.GTI, CertProvider.ENTERPRISE, CertEnterpriseAttrib)
    print("\nFull certificate reputation response:\n" + MessageUtils.dict_to_json(reputations_dict, True))
