"""Exceptions, named as in ``dxlclient.exceptions``.

Which exception a failed library call raises (``dxltie._native.check``):

* ``DXLTIE_E_TIMEOUT`` → :class:`WaitTimeoutException` (``"Timeout waiting for response to
  message: <message id>"``, as dxlclient);
* ``DXLTIE_E_SERVICE_ERROR`` (an ErrorResponse) → a plain ``Exception("Error: <message>
  (<code>)")`` as ``dxltieclient`` raises it, the code signed as Python shows it; the instance
  also carries ``error_code`` and ``error_message``;
* ``DXLTIE_E_INVALID_ARG`` / ``DXLTIE_E_UTF8`` / ``DXLTIE_E_NULL_ARG`` → :class:`ValueError`
  with the library's message (``binascii.Error``, a ``ValueError``, for bad hex, as Python);
* anything else → :class:`DxlTieError` (a :class:`DxlException`) carrying the result ``code``.
"""


class DxlException(Exception):
    """A general Data Exchange Layer (DXL) exception."""


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
