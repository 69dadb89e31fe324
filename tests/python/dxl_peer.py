"""A peer that uses the real Python `dxlclient` from PyPI, driven by tests/dxl_interop.rs.

Usage: dxl_peer.py serve <dxlclient.config>
    Answers requests on /interop/py/service (payload b"err" gets ErrorResponse 7 "py error",
    anything else a Response b"py:" + payload) and re-publishes every event received on
    /interop/to-py as an event on /interop/from-py with payload b"py:" + payload.
    Prints READY when subscribed; runs until stdin closes.

Usage: dxl_peer.py request <dxlclient.config>
    Sends a sync request b"hello" and one b"err" to /interop/rust/service, publishes one event
    b"from python" on /interop/py-event, and prints one JSON line with what came back.
"""
import json
import sys

from dxlclient.callbacks import EventCallback, RequestCallback
from dxlclient.client import DxlClient
from dxlclient.client_config import DxlClientConfig
from dxlclient.message import ErrorResponse, Event, Message, Request, Response


def describe(msg):
    out = {"class": type(msg).__name__, "payload": msg.payload.decode("utf-8", "replace")}
    if msg.message_type == Message.MESSAGE_TYPE_ERROR:
        out["error_code"] = msg.error_code
        out["error_message"] = msg.error_message
    return out


def main():
    mode, config_path = sys.argv[1], sys.argv[2]
    config = DxlClientConfig.create_dxl_config_from_file(config_path)
    config.connect_retries = 3
    with DxlClient(config) as client:
        client.connect()
        if mode == "serve":
            class Service(RequestCallback):
                def on_request(self, request):
                    if request.payload == b"err":
                        client.send_response(ErrorResponse(request, error_code=7, error_message="py error"))
                    else:
                        response = Response(request)
                        response.payload = b"py:" + request.payload
                        client.send_response(response)

            class Relay(EventCallback):
                def on_event(self, event):
                    out = Event("/interop/from-py")
                    out.payload = b"py:" + event.payload
                    client.send_event(out)

            client.add_request_callback("/interop/py/service", Service())
            client.subscribe("/interop/py/service")
            client.add_event_callback("/interop/to-py", Relay())
            print("READY", flush=True)
            sys.stdin.read()
        elif mode == "request":
            results = {}
            for name, payload in (("ok", b"hello"), ("error", b"err")):
                request = Request("/interop/rust/service")
                request.payload = payload
                results[name] = describe(client.sync_request(request, timeout=10))
            event = Event("/interop/py-event")
            event.payload = b"from python"
            client.send_event(event)
            print(json.dumps(results), flush=True)
        else:
            raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
