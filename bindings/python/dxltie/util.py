"""``MessageUtils.dict_to_json``, as the samples use it from ``dxlbootstrap.util``."""

import json

__all__ = ["MessageUtils"]


class MessageUtils(object):
    """JSON helpers with the output of ``dxlbootstrap.util.MessageUtils``."""

    @staticmethod
    def dict_to_json(dict, pretty_print=False):  # pylint: disable=redefined-builtin
        """``dict`` as JSON text; ``pretty_print``: keys sorted, four-space indentation."""
        if pretty_print:
            return json.dumps(dict, sort_keys=True, indent=4, separators=(",", ": "))
        return json.dumps(dict)

    @staticmethod
    def json_to_dict(json_string):
        """Parses JSON text, trailing NUL characters removed."""
        return json.loads(json_string.rstrip("\0"))
