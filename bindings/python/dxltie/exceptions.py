"""Exceptions, named as in ``dxlclient.exceptions``.

Which exception a failed library call raises (``dxltie._native.check``):

* ``DXLTIE_E_TIMEOUT`` → :class:`WaitTimeoutException` (``"Timeout waiting for response to
  message: <message id>"``, as dxlclient);
* ``DXLTIE_E_SERVICE_ERROR`` (an ErrorResponse) → a plain ``Exception("Error: <message>
  (<code>)")`` as ``dxltieclient`` raises it, the code signed as Python shows it; the instance
  also carries ``error_code`` and ``error_message``;
* ``DXLTIE_E_INVALID_ARG`` / ``DXLTIE_E_UTF8`` / ``DXLTIE_E_NULL_ARG`` → :class:`ValueError`
  with the library's message (``binascii.Error``, a ``ValueError``, for bad hex, as Python);
* ``DXLTIE_E_FORKED`` (a client used in a forked child) → :class:`ForkedClientError`, a
  :class:`DxlTieError`;
* anything else → :class:`DxlTieError` (a :class:`DxlException`) carrying the result ``code``.

Arguments are checked before anything reaches the library: a number out of the range its C type
(or its meaning) allows, NaN or infinity raises :class:`ValueError` naming the argument and the
range; a value that is not a number at all raises :class:`TypeError`.
"""


class DxlException(Exception):
    """A general Data Exchange Layer (DXL) exception."""


class MalformedBrokerUriException(DxlException, ValueError):
    """A broker's address or port is malformed (as in ``dxlclient``; also a ``ValueError``)."""


class WaitTimeoutException(DxlException):
    """Raised when no response arrived within the response timeout."""

    def __init__(self, message, code=None):
        super(WaitTimeoutException, self).__init__(message)
        self.code = code


class DxlTieError(DxlException):
    """A failed ``libdxltie`` call: ``code`` is the ``DXLTIE_E_*`` value, ``code_name`` its
    name and ``message`` the library's detail."""

    def __init__(self, message, code=None, code_name=None):
        super(DxlTieError, self).__init__(message)
        self.message = message
        self.code = code
        self.code_name = code_name


class BadResponseError(DxlTieError, ValueError):
    """A response or event arrived but could not be decoded (``DXLTIE_E_BAD_RESPONSE``). Python
    raises ``json.JSONDecodeError``, ``KeyError`` or ``binascii.Error`` there; this is a
    :class:`ValueError` as most of those are."""


class ForkedClientError(DxlTieError):
    """A client was used in a process forked from the one that created it
    (``DXLTIE_E_FORKED``). A client's connection and threads stay in the process that made it;
    in the child, make a new :class:`dxltie.DxlClient`. Closing the inherited client in the
    child (``destroy()``, garbage collection, exit) is safe and leaves the parent's alone."""
