"""The DXL message an event arrived in: the ``original_event`` argument of the callbacks."""

from __future__ import annotations

import ctypes
from typing import Any, Optional

__all__ = ["Event"]


class Event(object):
    """A received DXL event, with the attributes of ``dxlclient.message.Event`` that the
    library reports. Everything is a copy: it stays valid after the callback returns.

    **Example Usage**

        .. code-block:: python

            class PrintDetections(DetectionCallback):
                def on_detection(self, detection_dict, original_event):
                    print(original_event.destination_topic)   # "/mcafee/event/tie/file/detection"
                    print(original_event.message_id)          # "{f72a1342-076f-46f8-...}"
                    raw = json.loads(original_event.payload)  # as the TIE server sent it (base64 hashes)

    :param destination_topic: the topic the event was published on
    :param message_id: the DXL message id (``"{uuid}"``)
    :param source_client_id: the sending client's id (``""`` when the message carried none)
    :param source_broker_id: the broker the message came through (``""`` when none)
    :param payload: the raw payload bytes, as received

    :ivar destination_topic: the topic the event was published on
    :ivar message_id: the DXL message id (``"{uuid}"``)
    :ivar source_client_id: the sending client's id (``""`` when the message carried none)
    :ivar source_broker_id: the broker the message came through (``""`` when none)
    :ivar payload: the raw payload bytes, as received
    """

    #: ``dxlclient.message.Message.MESSAGE_TYPE_EVENT``.
    MESSAGE_TYPE_EVENT = 2

    __slots__ = ("destination_topic", "message_id", "source_client_id", "source_broker_id", "payload")

    def __init__(self, destination_topic: str, message_id: str = "", source_client_id: str = "",
                 source_broker_id: str = "", payload: bytes = b"") -> None:
        self.destination_topic = destination_topic
        self.message_id = message_id
        self.source_client_id = source_client_id
        self.source_broker_id = source_broker_id
        self.payload = payload

    @property
    def message_type(self) -> int:
        """The DXL message type: always ``Event.MESSAGE_TYPE_EVENT`` (2), as in dxlclient."""
        return Event.MESSAGE_TYPE_EVENT

    def __repr__(self) -> str:
        return "Event(destination_topic=%r, message_id=%r, source_client_id=%r, source_broker_id=%r, " \
               "payload=<%d bytes>)" % (self.destination_topic, self.message_id, self.source_client_id,
                                        self.source_broker_id, len(self.payload))

    @classmethod
    def _from_native(cls, info: Any) -> Event:
        """Copies a borrowed ``dxltie_message_info_t``."""
        def text(raw: Optional[bytes]) -> str:
            return raw.decode("utf-8", "replace") if raw is not None else ""
        if info.payload_len:
            payload = ctypes.string_at(info.payload, info.payload_len)
        else:
            payload = b""
        return cls(text(info.topic), text(info.message_id), text(info.source_client_id),
                   text(info.source_broker_id), payload)
