"""The DXL message an event arrived in: the ``original_event`` argument of the callbacks."""

import ctypes


class Event(object):
    """A received DXL event, with the attributes of ``dxlclient.message.Event`` that the
    library reports. Everything is a copy: it stays valid after the callback returns.

    :ivar destination_topic: the topic the event was published on
    :ivar message_id: the DXL message id (``"{uuid}"``)
    :ivar source_client_id: the sending client's id (``""`` when the message carried none)
    :ivar source_broker_id: the broker the message came through (``""`` when none)
    :ivar payload: the raw payload bytes, as received
    """

    MESSAGE_TYPE_EVENT = 2

    __slots__ = ("destination_topic", "message_id", "source_client_id", "source_broker_id", "payload")

    def __init__(self, destination_topic, message_id="", source_client_id="", source_broker_id="",
                 payload=b""):
        self.destination_topic = destination_topic
        self.message_id = message_id
        self.source_client_id = source_client_id
        self.source_broker_id = source_broker_id
        self.payload = payload

    @property
    def message_type(self):
        """``Message.MESSAGE_TYPE_EVENT`` (2), as in dxlclient."""
        return Event.MESSAGE_TYPE_EVENT

    def __repr__(self):
        return "Event(destination_topic=%r, message_id=%r, source_client_id=%r, source_broker_id=%r, " \
               "payload=<%d bytes>)" % (self.destination_topic, self.message_id, self.source_client_id,
                                        self.source_broker_id, len(self.payload))

    @classmethod
    def _from_native(cls, info):
        """Copies a borrowed ``dxltie_message_info_t``."""
        def text(raw):
            return raw.decode("utf-8", "replace") if raw is not None else ""
        if info.payload_len:
            payload = ctypes.string_at(info.payload, info.payload_len)
        else:
            payload = b""
        return cls(text(info.topic), text(info.message_id), text(info.source_client_id),
                   text(info.source_broker_id), payload)
