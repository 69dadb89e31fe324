"""The DXL surface of the binding (issue 19) against the reference ``dxlclient``:

- every public name of ``dxlclient``'s ``DxlClient``, message classes, callbacks,
  ``ServiceRegistrationInfo`` and ``dxlbootstrap``'s ``MessageUtils`` exists here with the same
  parameters (names, kinds, defaults) and the same kind of attribute;
- the real ``dxlclient`` and dxltie call each other's services (responses and error responses
  with codes) and receive each other's events, over mosquitto (no registry: requests reach a
  service by fan-out) and over the real OpenDXL broker, whose registry routes requests only to
  registered services and answers 0x80000001 for a topic nobody serves.
"""

import inspect
import threading

import pytest

import dxlbootstrap.util
import dxlclient.callbacks
import dxlclient.client
import dxlclient.message
import dxlclient.service
from dxlclient.client import DxlClient as RealClient
from dxlclient.client_config import DxlClientConfig as RealConfig

import dxltie
import dxltie.callbacks
import dxltie.message
import dxltie.service
from dxltie import (DxlClient, DxlClientConfig, ErrorResponse, Event, EventCallback, Message, Request,
                    RequestCallback, Response, ResponseCallback, ServiceRegistrationInfo, WaitTimeoutException)
from dxltie.util import MessageUtils

from conftest import Collector, wait_for

TIMEOUT = 20
#: 0x80000001 as dxlclient reads it (a signed 32-bit int).
SERVICE_UNAVAILABLE = -2147483647

PAIRS = [
    (dxlclient.client.DxlClient, dxltie.DxlClient),
    (dxlclient.message.Message, dxltie.message.Message),
    (dxlclient.message.Request, dxltie.message.Request),
    (dxlclient.message.Response, dxltie.message.Response),
    (dxlclient.message.ErrorResponse, dxltie.message.ErrorResponse),
    (dxlclient.message.Event, dxltie.message.Event),
    (dxlclient.callbacks.MessageCallback, dxltie.callbacks.MessageCallback),
    (dxlclient.callbacks.EventCallback, dxltie.callbacks.EventCallback),
    (dxlclient.callbacks.RequestCallback, dxltie.callbacks.RequestCallback),
    (dxlclient.callbacks.ResponseCallback, dxltie.callbacks.ResponseCallback),
    (dxlclient.service.ServiceRegistrationInfo, dxltie.service.ServiceRegistrationInfo),
    (dxlbootstrap.util.MessageUtils, dxltie.util.MessageUtils),
]


def _shape(function):
    """The parameters as a caller sees them: names, kinds and defaults (not annotations)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize("theirs,ours", PAIRS, ids=[t.__name__ for t, _ in PAIRS])
def test_the_reference_public_api_is_here_with_the_same_signatures(theirs, ours):
    names = sorted(n for n in dir(theirs) if not n.startswith("_")) + ["__init__"]
    # Every class but the empty MessageCallback base has public names to compare.
    assert names[:-1] or theirs is dxlclient.callbacks.MessageCallback, theirs
    # The same public ancestry (an ErrorResponse is a Response, a Response a Message, ...).
    def public_bases(cls):
        return [c.__name__ for c in cls.__mro__ if c.__module__.startswith(("dxlclient", "dxlbootstrap", "dxltie"))
                and not c.__name__.startswith("_")]
    assert public_bases(ours) == public_bases(theirs)
    for name in names:
        mine = inspect.getattr_static(ours, name, None)
        assert mine is not None, "%s.%s is missing" % (ours.__name__, name)
        ref = inspect.getattr_static(theirs, name)
        if isinstance(ref, property):
            assert isinstance(mine, property), name
            assert (ref.fset is None) == (mine.fset is None), "%s.%s: settable differs" % (ours.__name__, name)
        elif isinstance(ref, (staticmethod, classmethod)):
            assert type(mine) is type(ref), name
            assert _shape(ref.__func__) == _shape(mine.__func__), name
        elif callable(ref):
            if name == "__init__" and ref is object.__init__:
                continue
            # The reference's parameters, in order, with its defaults; an extra trailing
            # parameter with a default (``connect(timeout=None)``) keeps every reference call
            # working.
            theirs_shape, mine_shape = _shape(ref), _shape(mine)
            assert mine_shape[:len(theirs_shape)] == theirs_shape, "%s.%s: %s != %s" % (
                ours.__name__, name, inspect.signature(mine), inspect.signature(ref))
            assert all(p[2] is not inspect.Parameter.empty for p in mine_shape[len(theirs_shape):]), name
        else:
            assert mine == ref, name


def test_message_utils_behave_as_the_reference():
    for value in ["text", b"bytes", {"a": [1, 2]}, 7, 2.5, None]:
        assert MessageUtils.encode(value) == dxlbootstrap.util.MessageUtils.encode(value)
    with pytest.raises(TypeError):
        MessageUtils.encode([1])
    ours, theirs = Event("/t"), dxlclient.message.Event("/t")
    MessageUtils.dict_to_json_payload(ours, {"k": "v"})
    dxlbootstrap.util.MessageUtils.dict_to_json_payload(theirs, {"k": "v"})
    assert ours.payload == theirs.payload
    assert MessageUtils.json_payload_to_dict(ours) == {"k": "v"}
    assert MessageUtils.decode_payload(ours) == '{"k": "v"}'


def test_messages_carry_the_reference_attributes():
    request = Request("/svc")
    assert request.message_id.startswith("{") and request.message_type == Message.MESSAGE_TYPE_REQUEST
    request._source_client_id = "{requester}"
    request._source_broker_id = "{broker}"
    request.reply_to_topic = "/mcafee/client/{requester}"
    request.service_id = "{service}"
    response = Response(request)
    assert (response.destination_topic, response.request_message_id, response.service_id) == (
        "/mcafee/client/{requester}", request.message_id, "{service}")
    assert (response.client_ids, response.broker_ids, response.request) == (["{requester}"], ["{broker}"], request)
    error = ErrorResponse(request, 7, "broken")
    assert (error.error_code, error.error_message, error.message_type) == (7, "broken", Message.MESSAGE_TYPE_ERROR)
    event = Event("/e")
    event.other_fields = {"a": "b"}
    event.destination_tenant_guids = ["{t}"]
    assert event.message_type == Message.MESSAGE_TYPE_EVENT and event.version == 2


# --------------------------------------------------------------------------------------------
# Two clients, each side a service and a caller
# --------------------------------------------------------------------------------------------

class Echo(RequestCallback):
    """dxltie's service: "fail" gets ErrorResponse 42, anything else "echo:<payload>"."""

    def __init__(self, client):
        self.client = client
        self.seen = Collector()

    def on_request(self, request):
        self.seen.add(request)
        if request.payload == b"fail":
            self.client.send_response(ErrorResponse(request, 42, "asked to fail"))
        else:
            response = Response(request)
            response.payload = b"echo:" + request.payload
            response.other_fields = {"served-by": "dxltie"}
            self.client.send_response(response)


class RealEcho(dxlclient.callbacks.RequestCallback):
    """The reference's service: "fail" gets ErrorResponse 7, anything else "py:<payload>"."""

    def __init__(self, client):
        self.client = client

    def on_request(self, request):
        if request.payload == b"fail":
            self.client.send_response(dxlclient.message.ErrorResponse(request, 7, "py error"))
        else:
            response = dxlclient.message.Response(request)
            response.payload = b"py:" + request.payload
            self.client.send_response(response)


class Events(EventCallback):
    def __init__(self):
        self.got = Collector()

    def on_event(self, event):
        self.got.add(event)


class RealEvents(dxlclient.callbacks.EventCallback):
    def __init__(self):
        self.got = Collector()

    def on_event(self, event):
        self.got.add(event)


def real_request(topic, payload):
    request = dxlclient.message.Request(topic)
    request.payload = payload
    return request


def ours_request(topic, payload):
    request = Request(topic)
    request.payload = payload
    return request


def exchange(ours, real, registry, tag):
    """The whole conversation between a dxltie client and a dxlclient one."""
    topic = "/dxltie/pytest/%s/echo" % tag
    real_topic = "/dxltie/pytest/%s/py-echo" % tag

    # A dxltie service, called by dxlclient.
    echo = Echo(ours)
    info = ServiceRegistrationInfo(ours, "/dxltie/pytest/%s/service" % tag)
    info.add_topic(topic, echo)
    info.metadata = {"owner": "pytest"}
    if registry:
        ours.register_service_sync(info, TIMEOUT)
    else:
        ours.register_service_async(info)
        # No registry answers on a plain broker: a synchronous registration times out (the
        # service stays registered, and works by fan-out).
        probe = ServiceRegistrationInfo(ours, "/dxltie/pytest/%s/probe" % tag)
        probe.add_topic("/dxltie/pytest/%s/probe" % tag, echo)
        with pytest.raises(WaitTimeoutException):
            ours.register_service_sync(probe, 0.3)
        ours.unregister_service_async(probe)
    assert topic in ours.subscriptions
    response = real.sync_request(real_request(topic, b"hello"), timeout=TIMEOUT)
    assert response.message_type == dxlclient.message.Message.MESSAGE_TYPE_RESPONSE, vars(response)
    assert response.payload == b"echo:hello"
    assert response.other_fields.get("served-by") == "dxltie"
    assert echo.seen.snapshot()[-1].payload == b"hello"
    if registry:
        assert response.service_id == info.service_id
    error = real.sync_request(real_request(topic, b"fail"), timeout=TIMEOUT)
    assert (error.message_type, error.error_code, error.error_message) == (
        dxlclient.message.Message.MESSAGE_TYPE_ERROR, 42, "asked to fail")

    # A dxlclient service, called by dxltie: sync, async, error response.
    real_info = dxlclient.service.ServiceRegistrationInfo(real, "/dxltie/pytest/%s/py-service" % tag)
    real_echo = RealEcho(real)
    real_info.add_topic(real_topic, real_echo)
    if registry:
        real.register_service_sync(real_info, TIMEOUT)
    else:
        # dxlclient's service manager would retry its registration in a background thread that
        # fails loudly on a plain broker: a request callback and a subscription serve as well.
        real.add_request_callback(real_topic, real_echo)
        real.subscribe(real_topic)
    answer = ours.sync_request(ours_request(real_topic, "ping"), timeout=TIMEOUT)
    assert isinstance(answer, Response) and not isinstance(answer, ErrorResponse), answer
    assert answer.payload == b"py:ping" and answer.request_message_id != ""
    failed = ours.sync_request(ours_request(real_topic, "fail"), timeout=TIMEOUT)
    assert isinstance(failed, ErrorResponse)
    assert (failed.error_code, failed.error_message) == (7, "py error")
    got = Collector()

    class Grab(ResponseCallback):
        def on_response(self, response):
            got.add(response)

    ours.async_request(ours_request(real_topic, "later"), Grab())
    assert wait_for(lambda: len(got) == 1, TIMEOUT)
    assert got.snapshot()[0].payload == b"py:later"

    # Nobody serves a topic: the registry says so, a plain broker says nothing.
    if registry:
        nobody = ours.sync_request(ours_request("/dxltie/pytest/%s/nobody" % tag, "x"), timeout=TIMEOUT)
        assert isinstance(nobody, ErrorResponse) and nobody.error_code == SERVICE_UNAVAILABLE, vars(nobody)
        reference = real.sync_request(real_request("/dxltie/pytest/%s/nobody" % tag, b"x"), timeout=TIMEOUT)
        assert reference.error_code == nobody.error_code
    else:
        with pytest.raises(WaitTimeoutException):
            ours.sync_request(ours_request("/dxltie/pytest/%s/nobody" % tag, "x"), timeout=0.5)

    # Events, both ways, under wildcard subscriptions.
    mine, theirs = Events(), RealEvents()
    ours.add_event_callback("/dxltie/pytest/%s/to-dxltie/#" % tag, mine)
    real.add_event_callback("/dxltie/pytest/%s/to-py" % tag, theirs)
    event = dxlclient.message.Event("/dxltie/pytest/%s/to-dxltie/a/b" % tag)
    event.payload = b"from python"
    event.other_fields = {"origin": "dxlclient"}
    real.send_event(event)
    assert wait_for(lambda: len(mine.got) == 1, TIMEOUT)
    received = mine.got.snapshot()[0]
    assert (received.destination_topic, received.payload, received.other_fields.get("origin")) == (
        "/dxltie/pytest/%s/to-dxltie/a/b" % tag, b"from python", "dxlclient")
    assert isinstance(received, Event) and received.message_id == event.message_id
    out = Event("/dxltie/pytest/%s/to-py" % tag)
    out.payload = "from dxltie"
    out.other_fields = {"origin": "dxltie"}
    ours.send_event(out)
    assert wait_for(lambda: len(theirs.got) == 1, TIMEOUT)
    theirs_event = theirs.got.snapshot()[0]
    assert (theirs_event.payload, theirs_event.other_fields.get("origin")) == (b"from dxltie", "dxltie")
    assert theirs_event.message_id == out.message_id
    ours.remove_event_callback("/dxltie/pytest/%s/to-dxltie/#" % tag, mine)
    assert "/dxltie/pytest/%s/to-dxltie/#" % tag not in ours.subscriptions
    real.remove_event_callback("/dxltie/pytest/%s/to-py" % tag, theirs)

    # Unregister both services; on a registry, dxltie's is then gone for dxlclient too.
    if registry:
        ours.unregister_service_sync(info, TIMEOUT)
        gone = real.sync_request(real_request(topic, b"hello"), timeout=TIMEOUT)
        assert gone.message_type == dxlclient.message.Message.MESSAGE_TYPE_ERROR
        assert gone.error_code == SERVICE_UNAVAILABLE
        real.unregister_service_sync(real_info, TIMEOUT)
    else:
        ours.unregister_service_async(info)
        real.remove_request_callback(real_topic, real_echo)
        real.unsubscribe(real_topic)
    assert topic not in ours.subscriptions
    with pytest.raises(dxltie.DxlException):
        ours.unregister_service_async(info)


def test_dxltie_and_dxlclient_over_mosquitto(dxl_client, real_dxl_client):
    broker = dxl_client.current_broker
    assert broker is not None and broker.host_name and broker.port
    exchange(dxl_client, real_dxl_client, registry=False, tag="mosquitto")


@pytest.fixture(scope="module")
def opendxl_clients(opendxl):
    ours = DxlClient(DxlClientConfig.create_dxl_config_from_file(opendxl.env["DXLCLIENT_CONFIG"]))
    ours.connect(timeout=TIMEOUT)
    config = RealConfig.create_dxl_config_from_file(opendxl.env["DXLCLIENT_CONFIG_CLIENT2"])
    config.connect_retries = 3
    real = RealClient(config)
    real.connect()
    yield ours, real
    real.destroy()
    ours.destroy()


def test_dxltie_and_dxlclient_over_the_opendxl_registry(opendxl_clients):
    ours, real = opendxl_clients
    exchange(ours, real, registry=True, tag="opendxl")


def test_a_synchronous_request_inside_a_callback_works(opendxl_clients):
    """dxlclient forbids it (its design would deadlock); dxltie answers it."""
    ours, real = opendxl_clients
    info = dxlclient.service.ServiceRegistrationInfo(real, "/dxltie/pytest/inside/service")
    info.add_topic("/dxltie/pytest/inside/echo", RealEcho(real))
    real.register_service_sync(info, TIMEOUT)
    answers = Collector()
    done = threading.Event()

    class Nested(EventCallback):
        def on_event(self, event):
            answers.add(ours.sync_request(ours_request("/dxltie/pytest/inside/echo", event.payload), TIMEOUT))
            done.set()

    nested = Nested()
    ours.add_event_callback("/dxltie/pytest/inside/trigger", nested)
    trigger = Event("/dxltie/pytest/inside/trigger")
    trigger.payload = b"nested"
    ours.send_event(trigger)
    assert done.wait(TIMEOUT)
    assert answers.snapshot()[0].payload == b"py:nested"
    ours.remove_event_callback("/dxltie/pytest/inside/trigger", nested)
    real.unregister_service_sync(info, TIMEOUT)
