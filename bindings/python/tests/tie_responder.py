"""A canned TIE service for the binding tests, written with the real ``dxlclient`` (the
reference ``dxltieclient`` package does not ship its test mock).

It subscribes to the six TIE request topics with a request callback (mosquitto has no DXL
service registry, so plain subscriptions are what routes requests here) and answers:

* a request with a hash whose bytes are all 0x00: ``ErrorResponse(0, "Could not find reputation")``;
* all 0xee: ``ErrorResponse(0x80000001, "unable to locate service for request")`` (the broker's
  code, signed as dxlclient decodes it);
* all 0xff: no answer at all (the caller times out);
* get file reputation: GTI (1) trust 99 and Enterprise (3) trust 0 with attributes (GTI 50 for
  the md5 ``586297d3…``, the upstream mock's unknown file);
* get certificate reputation: GTI (2) trust 99 and Enterprise (4) trust 0;
* first references (file and certificate): two agents;
* set file / certificate reputation: an empty Response; a ``filename`` of ``emit-events.exe``
  then publishes one event of each kind (:meth:`TieResponder.emit_events`).

Every request and every ``/mcafee/event/external/file/report`` event is recorded in arrival
order (mosquitto fills in no source client id), so a test that calls two clients one after the
other can compare what each sent, byte for byte.
"""

import base64
import json
import threading

from dxlclient.callbacks import EventCallback, RequestCallback
from dxlclient.client import DxlClient
from dxlclient.client_config import DxlClientConfig
from dxlclient.message import ErrorResponse, Event, Response

REQUEST_TOPICS = (
    "/mcafee/service/tie/file/reputation",
    "/mcafee/service/tie/file/reputation/set",
    "/mcafee/service/tie/file/agents",
    "/mcafee/service/tie/cert/reputation",
    "/mcafee/service/tie/cert/reputation/set",
    "/mcafee/service/tie/cert/agents",
)
EXTERNAL_REPORT_TOPIC = "/mcafee/event/external/file/report"

DETECTION_TOPIC = "/mcafee/event/tie/file/detection"
FIRST_INSTANCE_TOPIC = "/mcafee/event/tie/file/firstinstance"
FILE_REP_CHANGE_TOPIC = "/mcafee/event/tie/file/repchange/broadcast"
CERT_REP_CHANGE_TOPIC = "/mcafee/event/tie/cert/repchange/broadcast"

AGENT_1 = "{3a6f574a-3e6f-436d-acd4-bcde336b054d}"
AGENT_2 = "{68125cd6-a5d8-11e6-348e-000c29663178}"

NOTEPAD = {
    "md5": "f2c7bb8acc97f92e987a2d4087d021b1",
    "sha1": "7eb0139d2175739b3ccb0d1110067820be6abd29",
    "sha256": "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
}
EICAR = {
    "md5": "44d88612fea8a8f36de82e1278abb02f",
    "sha1": "3395856ce81f2b7382dee72602f798b642f14140",
    "sha256": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
}
UNKNOWN_MD5 = "586297d3bf63b478a2df61ef2579fd9e"
CERT_SHA1 = "6eae26db8c13182a7947982991b4321732cc3de2"
CERT_PUBLIC_KEY_SHA1 = "3b87a2d6f39770160364b79a152fcc73bae27adf"

NOT_FOUND_SHA1 = "00" * 20
NO_SERVICE_SHA1 = "ee" * 20
SILENT_SHA1 = "ff" * 20


def b64(hex_value):
    return base64.b64encode(bytes.fromhex(hex_value)).decode("ascii")


def hash_list(hashes):
    return [{"type": t, "value": b64(v)} for t, v in hashes.items()]


def file_reputations(gti_trust=99):
    return [
        {"attributes": {"2120340": "2139160704"}, "createDate": 1451502875, "providerId": 1,
         "trustLevel": gti_trust},
        {"attributes": {"2101652": "17", "2102165": "1451502875", "2111893": "21", "2114965": "0",
                        "2139285": "72339069014638857"},
         "createDate": 1451502875, "providerId": 3, "trustLevel": 0},
    ]


def cert_reputations():
    return [
        {"attributes": {"2108821": "94", "2109077": "1454912619", "2117524": "0", "2120596": "0"},
         "createDate": 1476318514, "providerId": 2, "trustLevel": 99},
        {"attributes": {"2109333": "12", "2109589": "1476318514", "2139285": "73183493944770750"},
         "createDate": 1476318514, "providerId": 4, "trustLevel": 0,
         "overridden": {"files": [{"hashes": hash_list(EICAR)}], "truncated": 0}},
    ]


AGENTS = {"totalCount": 2, "agents": [{"agentGuid": AGENT_1, "date": 1475873692},
                                      {"agentGuid": AGENT_2, "date": 1478626172}]}


def raw_events():
    """The four events TIE would publish, in the server's raw form: ``[(topic, payload dict)]``."""
    cert_hashes = [{"type": "sha1", "value": b64(CERT_SHA1)}]
    return [
        (DETECTION_TOPIC,
         {"agentGuid": AGENT_1, "detectionTime": 1481301038, "hashes": hash_list(NOTEPAD), "localReputation": 1,
          "name": "FOCUS_MALWARE2.EXE", "remediationAction": 5}),
        (FIRST_INSTANCE_TOPIC,
         {"agentGuid": AGENT_2, "hashes": hash_list(NOTEPAD), "name": "MORPH.EXE"}),
        (FILE_REP_CHANGE_TOPIC,
         {"hashes": hash_list(NOTEPAD),
          "newReputations": {"reputations": file_reputations(), "props": {"serverTime": 1}},
          "oldReputations": {"reputations": [{"attributes": {}, "createDate": 1, "providerId": 3, "trustLevel": 85}]},
          "updateTime": 1481219581,
          "relationships": {"certificate": {"hashes": cert_hashes, "publicKeySha1": b64(CERT_PUBLIC_KEY_SHA1)}}}),
        (CERT_REP_CHANGE_TOPIC,
         {"hashes": cert_hashes, "newReputations": {"reputations": cert_reputations()},
          "oldReputations": {"reputations": []}, "updateTime": 1481219581,
          "publicKeySha1": b64(CERT_PUBLIC_KEY_SHA1)}),
    ]


def _all_bytes(b64_value, byte):
    try:
        raw = base64.b64decode(b64_value)
    except Exception:
        return False
    return len(raw) > 0 and all(b == byte for b in raw)


class TieResponder(object):
    """The canned TIE service on a connected real ``dxlclient.DxlClient``."""

    def __init__(self, config_path):
        config = DxlClientConfig.create_dxl_config_from_file(config_path)
        config.connect_retries = 3
        self.client = DxlClient(config)
        self.client.connect()
        self._lock = threading.Lock()
        self.requests = []  # (topic, reply-to topic, payload bytes)
        self.external_reports = []  # payload bytes
        responder = self

        class _Requests(RequestCallback):
            def on_request(self, request):
                responder._on_request(request)

        class _Reports(EventCallback):
            def on_event(self, event):
                with responder._lock:
                    responder.external_reports.append(event.payload)

        self._requests_cb = _Requests()
        for topic in REQUEST_TOPICS:
            self.client.add_request_callback(topic, self._requests_cb)
            self.client.subscribe(topic)
        self.client.add_event_callback(EXTERNAL_REPORT_TOPIC, _Reports())

    def close(self):
        self.client.destroy()

    # -- recording ----------------------------------------------------------------------------

    def mark(self):
        """A position in the records, for :meth:`requests_since` and :meth:`reports_since`."""
        with self._lock:
            return len(self.requests), len(self.external_reports)

    def requests_since(self, mark):
        """``[(topic, payload bytes)]`` of the requests recorded after ``mark``."""
        with self._lock:
            return [(t, p) for t, _, p in self.requests[mark[0]:]]

    def reports_since(self, mark):
        """Payloads of the external reputation reports recorded after ``mark``."""
        with self._lock:
            return list(self.external_reports[mark[1]:])

    # -- events -------------------------------------------------------------------------------

    def publish(self, topic, payload):
        """Publishes one event (``payload``: bytes, str or a JSON-able object); returns its
        message id."""
        event = Event(topic)
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        elif not isinstance(payload, bytes):
            payload = json.dumps(payload).encode("utf-8")
        event.payload = payload
        self.client.send_event(event)
        return event.message_id

    def emit_events(self):
        """Publishes the four raw TIE events; returns ``[(topic, message_id)]``."""
        return [(topic, self.publish(topic, payload)) for topic, payload in raw_events()]

    # -- requests -----------------------------------------------------------------------------

    def _on_request(self, request):
        payload = request.payload
        with self._lock:
            self.requests.append((request.destination_topic, request.reply_to_topic, payload))
        try:
            body = json.loads(payload.decode("utf-8"))
        except ValueError:
            body = {}
        values = [h.get("value", "") for h in body.get("hashes", []) if isinstance(h, dict)]
        if body.get("publicKeySha1"):
            values.append(body["publicKeySha1"])
        if any(_all_bytes(v, 0xFF) for v in values):
            return  # never answered: the caller times out
        if any(_all_bytes(v, 0x00) for v in values):
            self.client.send_response(ErrorResponse(request, error_code=0, error_message="Could not find reputation"))
            return
        if any(_all_bytes(v, 0xEE) for v in values):
            self.client.send_response(ErrorResponse(
                request, error_code=-2147483647, error_message="unable to locate service for request"))
            return
        topic = request.destination_topic
        emit = False
        if topic == "/mcafee/service/tie/file/reputation":
            gti = 50 if b64(UNKNOWN_MD5) in values else 99
            reply = {"props": {"serverTime": 1, "submitMetaData": 1}, "reputations": file_reputations(gti)}
        elif topic == "/mcafee/service/tie/cert/reputation":
            reply = {"props": {"serverTime": 1}, "reputations": cert_reputations()}
        elif topic in ("/mcafee/service/tie/file/agents", "/mcafee/service/tie/cert/agents"):
            reply = AGENTS
        else:  # the two set topics
            reply = None
            emit = body.get("filename") == "emit-events.exe"
        response = Response(request)
        response.payload = b"" if reply is None else json.dumps(reply).encode("utf-8")
        self.client.send_response(response)
        if emit:
            self.emit_events()
