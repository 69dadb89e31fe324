"""The real Python dxlclient 5.x and dxltieclient 0.3.0 against a running dxltie-fabric.

Usage: python tie_against_fabric.py <dir>/dxlclient.config
Prints "OK" at the end; any failed check raises (non-zero exit).
"""
import json
import sys
import time

from dxlclient.callbacks import RequestCallback
from dxlclient.client import DxlClient
from dxlclient.client_config import DxlClientConfig
from dxlclient.message import Request, Response
from dxlclient.service import ServiceRegistrationInfo
from dxltieclient import DetectionCallback, ReputationChangeCallback, TieClient
from dxltieclient.constants import FileType, HashType, TrustLevel

NOTEPAD = {
    HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1",
    HashType.SHA1: "7eb0139d2175739b3ccb0d1110067820be6abd29",
    HashType.SHA256: "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
}
CERT_SHA1 = "6eae26db8c13182a7947982991b4321732cc3de2"
CERT_PK_SHA1 = "3b87a2d6f39770160364b79a152fcc73bae27adf"
UNKNOWN_MD5 = {HashType.MD5: "00112233445566778899aabbccddeeff"}

received = []


class RepChange(ReputationChangeCallback):
    def on_reputation_change(self, rep_change_dict, original_event):
        received.append((original_event.destination_topic, rep_change_dict))


class Detection(DetectionCallback):
    def on_detection(self, detection_dict, original_event):
        received.append((original_event.destination_topic, detection_dict))


class Echo(RequestCallback):
    def __init__(self, client):
        super(Echo, self).__init__()
        self.client = client

    def on_request(self, request):
        response = Response(request)
        response.payload = request.payload
        self.client.send_response(response)


def wait_for(predicate, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def main(config_file):
    config = DxlClientConfig.create_dxl_config_from_file(config_file)
    with DxlClient(config) as client:
        client.connect()
        tie = TieClient(client)
        tie.add_file_reputation_change_callback(RepChange())
        tie.add_certificate_reputation_change_callback(RepChange())
        tie.add_file_detection_callback(Detection())

        reps = tie.get_file_reputation(NOTEPAD)
        assert reps[1]["trustLevel"] == TrustLevel.KNOWN_TRUSTED, reps
        assert reps[3]["trustLevel"] == TrustLevel.NOT_SET, reps
        refs = tie.get_file_first_references(NOTEPAD)
        assert len(refs) == 3, refs
        assert tie.get_certificate_reputation(CERT_SHA1)[2]["trustLevel"] == 99
        assert len(tie.get_certificate_first_references(CERT_SHA1, CERT_PK_SHA1)) == 2
        try:
            tie.get_file_reputation({HashType.MD5: "00" * 16})
            raise AssertionError("unknown hashes found")
        except Exception as e:  # the plain Exception of TieClient
            assert str(e) == "Error: Could not find reputation (0)", str(e)

        tie.set_file_reputation(TrustLevel.MIGHT_BE_TRUSTED, NOTEPAD, filename="notepad.exe", comment="py")
        assert tie.get_file_reputation(NOTEPAD)[3]["trustLevel"] == TrustLevel.MIGHT_BE_TRUSTED
        tie.set_certificate_reputation(TrustLevel.KNOWN_TRUSTED, CERT_SHA1, CERT_PK_SHA1)
        assert tie.get_certificate_reputation(CERT_SHA1, CERT_PK_SHA1)[4]["trustLevel"] == 99
        tie.set_external_file_reputation(TrustLevel.MIGHT_BE_MALICIOUS, UNKNOWN_MD5, FileType.PEEXE, filename="x.exe")
        wait_for(lambda: 15 in _get_or_empty(tie, UNKNOWN_MD5), "the external reputation")

        request = Request("/dxltie/fabric/emit")
        request.payload = json.dumps({"kind": "detection", "count": 2})
        assert json.loads(client.sync_request(request, timeout=10).payload) == {"emitted": 2}

        wait_for(lambda: len([r for r in received if r[0].endswith("/detection")]) == 2, "2 detections")
        wait_for(lambda: len([r for r in received if r[0].endswith("/repchange/broadcast")]) == 3, "3 rep changes")
        cert_events = [d for t, d in received if t == "/mcafee/event/tie/cert/repchange/broadcast"]
        assert cert_events[0]["publicKeySha1"] == CERT_PK_SHA1, cert_events
        file_events = [d for t, d in received if t == "/mcafee/event/tie/file/repchange/broadcast"]
        assert file_events[0]["relationships"]["certificate"]["publicKeySha1"] == \
            "435dfd470f727437c7cb4f07cba1f9a1f4272656", file_events
        detections = [d for t, d in received if t.endswith("/detection")]
        assert detections[0]["hashes"]["md5"] == "eb5e2b9dc51817a086d7b97eb52410ab", detections

        # Service registration works as on a DXL broker: register_service_sync gets its answer.
        info = ServiceRegistrationInfo(client, "/py/echo")
        info.add_topic("/py/echo/say", Echo(client))
        client.register_service_sync(info, 10)
        query = Request("/mcafee/service/dxl/svcregistry/query")
        query.payload = json.dumps({"serviceType": "/py/echo"})
        services = json.loads(client.sync_request(query, timeout=10).payload)["services"]
        assert info.service_id in services, services
        say = Request("/py/echo/say")
        say.payload = "hi"
        assert client.sync_request(say, timeout=10).payload == b"hi"
        client.unregister_service_sync(info, 10)
    print("OK")


def _get_or_empty(tie, hashes):
    try:
        return tie.get_file_reputation(hashes)
    except Exception:
        return {}


if __name__ == "__main__":
    main(sys.argv[1])
