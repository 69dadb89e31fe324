"""DXL messages, as ``dxlclient.message`` has them: :class:`Message` and its four kinds
:class:`Request`, :class:`Response`, :class:`ErrorResponse` and :class:`Event`, with the
reference's attributes.

A received message is a copy: it stays valid after the callback returns. Payloads arrive as
``bytes``; a payload set to ``str`` is sent as its UTF-8 bytes (as the reference's msgpack
packing does).
"""

from __future__ import annotations

import ctypes
import uuid
from typing import Any, Dict, List, Optional, Union

from . import _ffi

__all__ = ["Message", "Request", "Response", "ErrorResponse", "Event"]


def _new_id() -> str:
    """A ``{uuid}`` message id, as dxlclient's ``UuidGenerator`` writes it."""
    return "{%s}" % uuid.uuid4()


#: The keys every record of ``dxltie_add_json_batch_callback`` has (event, topic, messageId,
#: sourceClientId, sourceBrokerId, version, payloadLength); the others are left out when empty.
RECORD_KEYS = 7


def _text(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw is not None else ""


def _utf8(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


class Message(object):
    """The base class of the DXL messages (``dxlclient.message.Message``).

    :param destination_topic: the topic the message is published on
    """

    #: The message format version this client writes.
    MESSAGE_VERSION = 2
    MESSAGE_TYPE_REQUEST = 0
    MESSAGE_TYPE_RESPONSE = 1
    MESSAGE_TYPE_EVENT = 2
    MESSAGE_TYPE_ERROR = 3

    def __init__(self, destination_topic: str) -> None:
        self._version = Message.MESSAGE_VERSION
        self._message_id = _new_id()
        self._destination_topic = destination_topic
        self._payload: Union[bytes, str] = b""
        self._source_client_id = ""
        self._source_client_instance_id = ""
        self._source_broker_id = ""
        self._broker_ids: List[str] = []
        self._client_ids: List[str] = []
        self._other_fields: Dict[str, str] = {}
        self._source_tenant_guid = ""
        self._destination_tenant_guids: List[str] = []

    @property
    def version(self) -> int:
        """The message format version (2 for messages made here; as received otherwise)."""
        return self._version

    @property
    def message_id(self) -> str:
        """The message's unique id, ``"{uuid}"``."""
        return self._message_id

    @property
    def destination_topic(self) -> str:
        """The topic the message is (or was) published on."""
        return self._destination_topic

    @destination_topic.setter
    def destination_topic(self, topic: str) -> None:
        self._destination_topic = topic

    @property
    def payload(self) -> Union[bytes, str]:
        """The payload: ``bytes`` as received; ``bytes`` or ``str`` (sent as UTF-8) to send."""
        return self._payload

    @payload.setter
    def payload(self, payload: Union[bytes, str]) -> None:
        self._payload = payload

    @property
    def source_client_id(self) -> str:
        """The sending client's id (as the broker rewrites it, on a DXL broker)."""
        return self._source_client_id

    @property
    def source_broker_id(self) -> str:
        """The broker the message came through (``""`` on a plain MQTT broker)."""
        return self._source_broker_id

    @property
    def message_type(self) -> int:
        """One of the ``MESSAGE_TYPE_*`` values."""
        raise NotImplementedError("the message type is defined by the subclass")

    @property
    def broker_ids(self) -> List[str]:
        """The brokers the message is addressed to (empty: any)."""
        return self._broker_ids

    @broker_ids.setter
    def broker_ids(self, broker_ids: List[str]) -> None:
        self._broker_ids = list(broker_ids)

    @property
    def client_ids(self) -> List[str]:
        """The clients the message is addressed to (empty: any)."""
        return self._client_ids

    @client_ids.setter
    def client_ids(self, client_ids: List[str]) -> None:
        self._client_ids = list(client_ids)

    @property
    def other_fields(self) -> Dict[str, str]:
        """String headers: a ``dict`` of ``str`` to ``str``."""
        return self._other_fields

    @other_fields.setter
    def other_fields(self, other_fields: Dict[str, str]) -> None:
        self._other_fields = dict(other_fields)

    @property
    def source_tenant_guid(self) -> str:
        """The sender's tenant."""
        return self._source_tenant_guid

    @source_tenant_guid.setter
    def source_tenant_guid(self, guid: str) -> None:
        self._source_tenant_guid = guid

    @property
    def destination_tenant_guids(self) -> List[str]:
        """The tenants the message is for (empty: the sender's)."""
        return self._destination_tenant_guids

    @destination_tenant_guids.setter
    def destination_tenant_guids(self, guids: List[str]) -> None:
        self._destination_tenant_guids = list(guids)

    def __repr__(self) -> str:
        return "%s(destination_topic=%r, message_id=%r, source_client_id=%r, source_broker_id=%r, " \
               "payload=<%d bytes>)" % (type(self).__name__, self.destination_topic, self.message_id,
                                        self.source_client_id, self.source_broker_id, len(self.payload))

    # -- native conversions --------------------------------------------------------------------

    def _to_native(self) -> tuple[Any, list[Any]]:
        """The ``dxltie_dxl_message_t`` describing this message, and the objects that must stay
        alive while the library reads it."""
        keep: list[Any] = []

        def s(value: Optional[str]) -> Optional[bytes]:
            if value is None or value == "":
                return None
            b = _utf8(value)
            keep.append(b)
            return b

        def strings(values: List[str]) -> tuple[Any, int]:
            if not values:
                return None, 0
            array = (ctypes.c_char_p * len(values))(*[_utf8(v) for v in values])
            keep.append(array)
            return array, len(values)

        m = _ffi.dxltie_dxl_message_t(struct_size=ctypes.sizeof(_ffi.dxltie_dxl_message_t))
        m.message_type = self.message_type
        m.message_id = s(self._message_id)
        m.topic = s(self._destination_topic)
        payload = _utf8(self._payload) if self._payload is not None else b""
        if payload:
            buffer = (ctypes.c_uint8 * len(payload)).from_buffer_copy(payload)
            keep.append(buffer)
            m.payload = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_uint8))
            m.payload_len = len(payload)
        m.source_client_id = s(self._source_client_id)
        m.source_client_instance_id = s(self._source_client_instance_id)
        m.source_broker_id = s(self._source_broker_id)
        m.client_ids, m.client_id_count = strings(self._client_ids)
        m.broker_ids, m.broker_id_count = strings(self._broker_ids)
        m.source_tenant_guid = s(self._source_tenant_guid)
        m.destination_tenant_guids, m.destination_tenant_guid_count = strings(self._destination_tenant_guids)
        if self._other_fields:
            items = list(self._other_fields.items())
            fields = (_ffi.dxltie_dxl_field_t * len(items))(
                *[_ffi.dxltie_dxl_field_t(_utf8(k), _utf8(v)) for k, v in items])
            keep.append(fields)
            m.other_fields = fields
            m.other_field_count = len(items)
        self._fill_native(m, s)
        return m, keep

    def _fill_native(self, m: Any, s: Any) -> None:
        """Sets the type-specific fields of the native message."""

    @staticmethod
    def _from_native(view: Any) -> Any:
        """Copies a borrowed ``dxltie_dxl_message_t`` into a message object of the right
        class."""
        kind = view.message_type
        topic = _text(view.topic)
        message: Message
        if kind == Message.MESSAGE_TYPE_REQUEST:
            request = Request(topic)
            request._reply_to_topic = _text(view.reply_to_topic)
            request._service_id = _text(view.service_id)
            message = request
        elif kind in (Message.MESSAGE_TYPE_RESPONSE, Message.MESSAGE_TYPE_ERROR):
            response = ErrorResponse(None) if kind == Message.MESSAGE_TYPE_ERROR else Response(None)
            response._destination_topic = topic
            response._request_message_id = _text(view.request_message_id)
            response._service_id = _text(view.service_id)
            if isinstance(response, ErrorResponse):
                code = int(view.error_code) & 0xFFFFFFFF
                # As dxlclient reads it: the fabric's codes are negative 32-bit integers.
                response._error_code = code - 0x100000000 if code >= 0x80000000 else code
                response._error_message = _text(view.error_message)
            message = response
        else:
            message = Event(topic)
        message._version = int(view.version)
        message._message_id = _text(view.message_id)
        message._payload = ctypes.string_at(view.payload, view.payload_len) if view.payload_len else b""
        message._source_client_id = _text(view.source_client_id)
        message._source_client_instance_id = _text(view.source_client_instance_id)
        message._source_broker_id = _text(view.source_broker_id)
        message._client_ids = [_text(view.client_ids[i]) for i in range(view.client_id_count)]
        message._broker_ids = [_text(view.broker_ids[i]) for i in range(view.broker_id_count)]
        message._source_tenant_guid = _text(view.source_tenant_guid)
        message._destination_tenant_guids = [_text(view.destination_tenant_guids[i])
                                             for i in range(view.destination_tenant_guid_count)]
        message._other_fields = {_text(view.other_fields[i].key): _text(view.other_fields[i].value)
                                 for i in range(view.other_field_count)}
        return message


class Request(Message):
    """A request to a service (``dxlclient.message.Request``); send it with
    :meth:`dxltie.DxlClient.sync_request` or :meth:`dxltie.DxlClient.async_request`.

    :param destination_topic: the service's request topic
    """

    def __init__(self, destination_topic: str) -> None:
        super(Request, self).__init__(destination_topic)
        self._reply_to_topic = ""
        self._service_id = ""

    @property
    def message_type(self) -> int:
        """The DXL message type: ``Message.MESSAGE_TYPE_REQUEST``."""
        return Message.MESSAGE_TYPE_REQUEST

    @property
    def reply_to_topic(self) -> str:
        """The topic the response goes to (set by the client when it sends the request)."""
        return self._reply_to_topic

    @reply_to_topic.setter
    def reply_to_topic(self, topic: str) -> None:
        self._reply_to_topic = topic

    @property
    def service_id(self) -> str:
        """The service instance the request is for (``""``: any instance)."""
        return self._service_id

    @service_id.setter
    def service_id(self, service_id: str) -> None:
        self._service_id = service_id

    def _fill_native(self, m: Any, s: Any) -> None:
        m.reply_to_topic = s(self._reply_to_topic)
        m.service_id = s(self._service_id)


class Response(Message):
    """A service's answer to a :class:`Request` (``dxlclient.message.Response``), addressed to
    the requesting client: to its reply topic, client and broker.

    :param request: the request answered
    """

    def __init__(self, request: Optional[Request]) -> None:
        super(Response, self).__init__(request.reply_to_topic if request is not None else "")
        self._request = request
        self._request_message_id = request.message_id if request is not None else ""
        self._service_id = request.service_id if request is not None else ""
        if request is not None:
            # The instance id names the requester's very connection where the broker gave one.
            client = getattr(request, "_source_client_instance_id", "") or request.source_client_id
            if client:
                self._client_ids = [client]
            if request.source_broker_id:
                self._broker_ids = [request.source_broker_id]

    @property
    def message_type(self) -> int:
        """The DXL message type: ``Message.MESSAGE_TYPE_RESPONSE``."""
        return Message.MESSAGE_TYPE_RESPONSE

    @property
    def request_message_id(self) -> str:
        """The message id of the request answered."""
        return self._request_message_id

    @property
    def request(self) -> Optional[Request]:
        """The request answered, when this client sent or received it (``None`` otherwise)."""
        return self._request

    @property
    def service_id(self) -> str:
        """The service instance that answered."""
        return self._service_id

    def _fill_native(self, m: Any, s: Any) -> None:
        m.request_message_id = s(self._request_message_id)
        m.service_id = s(self._service_id)


class ErrorResponse(Response):
    """A service's error answer (``dxlclient.message.ErrorResponse``).

    :param request: the request answered
    :param error_code: the error code (the fabric's own codes read as negative 32-bit
        integers: ``0x80000001`` is ``-2147483647``)
    :param error_message: the error message
    """

    def __init__(self, request: Optional[Request], error_code: int = 0, error_message: str = "") -> None:
        super(ErrorResponse, self).__init__(request)
        self._error_code = error_code
        self._error_message = error_message

    @property
    def error_code(self) -> int:
        """The error code."""
        return self._error_code

    @property
    def error_message(self) -> str:
        """The error message."""
        return self._error_message

    @property
    def message_type(self) -> int:
        """The DXL message type: ``Message.MESSAGE_TYPE_ERROR``."""
        return Message.MESSAGE_TYPE_ERROR

    def _fill_native(self, m: Any, s: Any) -> None:
        super(ErrorResponse, self)._fill_native(m, s)
        m.error_code = int(self._error_code) & 0xFFFFFFFF
        m.error_message = s(self._error_message)


class Event(Message):
    """A DXL event (``dxlclient.message.Event``): send it with
    :meth:`dxltie.DxlClient.send_event`; received ones reach the callbacks of
    :meth:`dxltie.DxlClient.add_event_callback` and, as ``original_event``, the TIE callbacks.

    **Example Usage**

        .. code-block:: python

            event = Event("/mycompany/events/sample")
            event.payload = "hello"
            client.send_event(event)

    :param destination_topic: the topic to publish on
    """

    def __init__(self, destination_topic: str) -> None:
        super(Event, self).__init__(destination_topic)

    @property
    def message_type(self) -> int:
        """The DXL message type: always ``Message.MESSAGE_TYPE_EVENT`` (2)."""
        return Message.MESSAGE_TYPE_EVENT

    @classmethod
    def _from_record(cls, record: Dict[str, Any], payload: bytes) -> Event:
        """The message a TIE event arrived in, from its record in a batch of
        ``dxltie_add_json_batch_callback`` and its payload: every field of the DXL message, as
        ``dxlclient`` decodes it. Built without ``__init__``, which would make a
        message id only to replace it: every attribute ``__init__`` sets is set here
        (``tests/test_event_batches.py`` compares the two)."""
        event = cls.__new__(cls)
        if len(record) == RECORD_KEYS:  # nothing more: the usual case
            # One dict made at once: a dozen attribute assignments cost more.
            event.__dict__ = {
                "_version": record["version"], "_message_id": record["messageId"],
                "_destination_topic": record["topic"], "_payload": payload,
                "_source_client_id": record["sourceClientId"], "_source_client_instance_id": "",
                "_source_broker_id": record["sourceBrokerId"], "_broker_ids": [], "_client_ids": [],
                "_other_fields": {}, "_source_tenant_guid": "", "_destination_tenant_guids": [],
            }
        else:  # the library leaves out the fields that are empty
            get = record.get
            event.__dict__ = {
                "_version": record["version"], "_message_id": record["messageId"],
                "_destination_topic": record["topic"], "_payload": payload,
                "_source_client_id": record["sourceClientId"],
                "_source_client_instance_id": get("sourceClientInstanceId", ""),
                "_source_broker_id": record["sourceBrokerId"], "_broker_ids": get("brokerIds", []),
                "_client_ids": get("clientIds", []), "_other_fields": get("otherFields", {}),
                "_source_tenant_guid": get("sourceTenantGuid", ""),
                "_destination_tenant_guids": get("destinationTenantGuids", []),
            }
        return event
