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
