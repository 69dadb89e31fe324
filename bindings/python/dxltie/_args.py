"""Checks for the numbers the binding passes to C.

ctypes converts a Python ``int`` to ``uint32_t``, ``int32_t`` or ``size_t`` by silently keeping
the low bits: a keep-alive of ``2**32 + 5`` seconds would become 5, a timeout of -1 a very long
one. Every number therefore goes through one of these functions before it reaches the library:
a value outside the range its C type (or its meaning) allows, NaN or infinity raises
``ValueError`` naming the argument and the accepted range; something that is not a number at all
raises ``TypeError``.
"""

from __future__ import annotations

import ctypes
import math
import numbers
import operator
from typing import Any, Union

__all__ = ["integer", "real", "millis", "INT32_MIN", "INT32_MAX", "INT64_MIN", "INT64_MAX", "UINT32_MAX",
           "UINT64_MAX", "SIZE_MAX", "MAX_TIMEOUT_SECONDS"]

INT32_MIN, INT32_MAX = -2 ** 31, 2 ** 31 - 1
INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1
UINT32_MAX = 2 ** 32 - 1
UINT64_MAX = 2 ** 64 - 1
SIZE_MAX = 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)) - 1

#: The longest timeout a ``uint32_t`` of milliseconds holds: 4 294 967.295 s (about 49.7 days).
MAX_TIMEOUT_SECONDS = UINT32_MAX / 1000.0


def _range_text(lo: float, hi: float, unit: str) -> str:
    text = "from %s to %s" % (_number_text(lo), _number_text(hi))
    return text + (" " + unit if unit else "")


def _number_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _as_number(value: Any, name: str) -> Union[int, float]:
    """``value`` as an ``int`` or a ``float``; TypeError for what is not a number."""
    if isinstance(value, (int, float)):  # bool is an int, as everywhere in Python
        return value
    try:
        return operator.index(value)  # integer types of other libraries (numpy, ...)
    except TypeError:
        pass
    if isinstance(value, numbers.Real):  # Decimal, Fraction, numpy floats
        return float(value)
    raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))


def integer(value: Any, name: str, lo: int, hi: int, unit: str = "") -> int:
    """``value`` as an ``int`` in ``[lo, hi]``. Whole floats (``5.0``) are accepted; fractions,
    NaN and infinity are refused rather than truncated."""
    number = _as_number(value, name)
    if isinstance(number, float):
        if not (math.isfinite(number) and number.is_integer()):
            raise ValueError("%s must be a whole number %s, not %r" % (name, _range_text(lo, hi, unit), value))
    number = int(number)
    if not lo <= number <= hi:
        raise ValueError("%s must be %s, not %r" % (name, _range_text(lo, hi, unit), value))
    return number


def real(value: Any, name: str, lo: float, hi: float, unit: str = "") -> float:
    """``value`` as a finite ``float`` in ``[lo, hi]``."""
    number = float(_as_number(value, name))
    if not (math.isfinite(number) and lo <= number <= hi):
        raise ValueError("%s must be a number %s, not %r" % (name, _range_text(lo, hi, unit), value))
    return number


def millis(seconds: Any, name: str, lo: float = 0) -> int:
    """A duration in seconds (``int`` or ``float``, at least ``lo``) as the ``uint32_t`` of
    milliseconds the library takes. Longer than :data:`MAX_TIMEOUT_SECONDS` is refused, not
    clamped."""
    ms = int(round(real(seconds, name, lo, MAX_TIMEOUT_SECONDS, "seconds") * 1000))
    return min(ms, UINT32_MAX)  # only a rounding of the last half millisecond can reach past it
