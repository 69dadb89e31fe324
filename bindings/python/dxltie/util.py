"""``MessageUtils``, with the JSON helpers of ``dxlbootstrap.util.MessageUtils`` that the TIE
samples use."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MessageUtils"]


class MessageUtils(object):
    """JSON helpers whose output is ``dxlbootstrap.util.MessageUtils``'s, character for
    character (the samples print with them)."""

    @staticmethod
    def dict_to_json(dict: Any, pretty_print: bool = False) -> str:  # pylint: disable=redefined-builtin
        """Serialises a value (typically a ``dict``) to JSON text.

        **Example Usage**

            .. code-block:: python

                MessageUtils.dict_to_json({"b": 1, "a": [1, 2]})
                # '{"b": 1, "a": [1, 2]}'
                print(MessageUtils.dict_to_json(tie_client.get_file_reputation(hashes), pretty_print=True))

        ``int`` keys (the provider ids of a reputations dict) become JSON strings (``"1"``).

        :param dict: what to serialise (anything :func:`json.dumps` takes)
        :param pretty_print: sort the keys and indent by four spaces (``": "`` and ``","``
            separators), as the samples print
        :return: the JSON text
        :raises TypeError: for a value JSON cannot represent
        """
        if pretty_print:
            return json.dumps(dict, sort_keys=True, indent=4, separators=(",", ": "))
        return json.dumps(dict)

    @staticmethod
    def json_to_dict(json_string: str) -> Any:
        """Parses JSON text; trailing NUL characters (which some DXL payloads carry) are removed
        first.

        :param json_string: the JSON text
        :return: the parsed value (a ``dict`` for a JSON object)
        :raises json.JSONDecodeError: (a :class:`ValueError`) for text that is not JSON
        """
        return json.loads(json_string.rstrip("\0"))

    @staticmethod
    def dict_to_json_payload(message: Any, dict: Any, enc: str = "utf-8") -> None:  # pylint: disable=redefined-builtin
        """Serialises ``dict`` to JSON and sets it, encoded, as the message's payload.

        **Example Usage**

            .. code-block:: python

                request = Request("/mycompany/echo/request")
                MessageUtils.dict_to_json_payload(request, {"text": "hello"})

        :param message: the :class:`dxltie.message.Message` whose payload to set
        :param dict: the value to serialise
        :param enc: the text encoding (default UTF-8)
        """
        MessageUtils.encode_payload(message, MessageUtils.dict_to_json(dict), enc)

    @staticmethod
    def json_payload_to_dict(message: Any, enc: str = "utf-8") -> Any:
        """Decodes the message's payload and parses it as JSON.

        :param message: the :class:`dxltie.message.Message` to read
        :param enc: the text encoding (default UTF-8)
        :return: the parsed value (a ``dict`` for a JSON object)
        :raises json.JSONDecodeError: (a :class:`ValueError`) for a payload that is not JSON
        """
        return MessageUtils.json_to_dict(MessageUtils.decode_payload(message, enc))

    @staticmethod
    def encode_payload(message: Any, value: Any, enc: str = "utf-8") -> None:
        """Encodes ``value`` (see :meth:`encode`) and sets it as the message's payload.

        :param message: the :class:`dxltie.message.Message` whose payload to set
        :param value: a ``str``, ``bytes``, ``bytearray``, ``dict``, ``int``, ``float`` or ``None``
        :param enc: the text encoding (default UTF-8)
        :raises TypeError: for another type of value
        """
        message.payload = MessageUtils.encode(value, enc=enc)

    @staticmethod
    def decode_payload(message: Any, enc: str = "utf-8") -> str:
        """The message's payload as text.

        :param message: the :class:`dxltie.message.Message` to read
        :param enc: the text encoding (default UTF-8)
        :return: the decoded text
        """
        return MessageUtils.decode(message.payload, enc=enc)

    @staticmethod
    def encode(value: Any, enc: str = "utf-8") -> bytes:
        """Encodes a value as payload bytes: text in ``enc``, bytes as they are, a ``dict`` as
        its JSON, a number as its decimal text, ``None`` as ``b""``.

        :param value: a ``str``, ``bytes``, ``bytearray``, ``dict``, ``int``, ``float`` or ``None``
        :param enc: the text encoding (default UTF-8)
        :return: the bytes
        :raises TypeError: for another type of value
        """
        if isinstance(value, str):
            return value.encode(enc)
        if isinstance(value, (bytes, bytearray)):
            return value  # type: ignore[return-value]
        if isinstance(value, dict):
            return MessageUtils.dict_to_json(value).encode(enc)
        if isinstance(value, (int, float)):
            return str(value).encode("ascii")
        if value is None:
            return b""
        raise TypeError("value must be a string, bytearray, dict, int, float or None.")

    @staticmethod
    def decode(value: Any, enc: str = "utf-8") -> str:
        """Decodes payload bytes to text.

        :param value: the bytes
        :param enc: the text encoding (default UTF-8)
        :return: the text
        """
        return value.decode(encoding=enc)  # type: ignore[no-any-return]
