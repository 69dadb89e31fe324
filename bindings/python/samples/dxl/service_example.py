# Port of dxlclient's basic service sample to dxltie: provides a service on one topic, registers
# it with the fabric (waiting for the registry), calls it once and prints both sides. Only the
# imports differ from a dxlclient program.

import logging
import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)) + "/..")
from common import CONFIG_FILE  # noqa: E402

from dxltie import DxlClient, DxlClientConfig  # noqa: E402
from dxltie.callbacks import RequestCallback  # noqa: E402
from dxltie.message import Message, Request, Response  # noqa: E402
from dxltie.service import ServiceRegistrationInfo  # noqa: E402

logging.getLogger().setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

SERVICE_TOPIC = "/isecg/sample/basicservice"

config = DxlClientConfig.create_dxl_config_from_file(CONFIG_FILE)

with DxlClient(config) as client:
    client.connect()

    # The service: print the request, answer "pong".
    class PongCallback(RequestCallback):
        def on_request(self, request):
            print("Service received request payload: " + request.payload.decode())
            response = Response(request)
            response.payload = "pong".encode()
            client.send_response(response)

    info = ServiceRegistrationInfo(client, "myService")
    info.add_topic(SERVICE_TOPIC, PongCallback())
    client.register_service_sync(info, 10)

    # The caller: "ping", and the answer unless it is an error.
    request = Request(SERVICE_TOPIC)
    request.payload = "ping".encode()
    response = client.sync_request(request)
    if response.message_type != Message.MESSAGE_TYPE_ERROR:
        print("Client received response payload: " + response.payload.decode())
