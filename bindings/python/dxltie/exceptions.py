"""Exceptions, named as in ``dxlclient.exceptions``, and the classes a failed library call raises.

Which exception a failed library call raises (``dxltie._native.error_for``):

* ``DXLTIE_E_TIMEOUT`` → :class:`WaitTimeoutException` (``"Timeout waiting for response to
  message: <message id>"``, as dxlclient);
* ``DXLTIE_E_SERVICE_ERROR`` (an ErrorResponse) → a plain ``Exception("Error: <message>
  (<code>)")`` as ``dxltieclient`` raises it, the code signed as Python shows it; the instance
  also carries ``error_code`` and ``error_message``;
* ``DXLTIE_E_INVALID_ARG`` / ``DXLTIE_E_UTF8`` / ``DXLTIE_E_NULL_ARG`` → :class:`ValueError`
  with the library's message (``binascii.Error``, a ``ValueError``, for bad hex, as Python);
* a configuration problem (``DXLTIE_E_IO``, ``DXLTIE_E_CONFIG``, ``DXLTIE_E_TLS``) → a
  :class:`DxlTieError` that is also the built-in class ``dxlclient`` raises for the same problem,
  so that both ``except DxlTieError`` and the reference's ``except`` clause catch it:

  - a certificate, key or configuration file that does not exist: :class:`DxlTieFileNotFoundError`,
    a ``FileNotFoundError`` (dxlclient: ``FileNotFoundError``; for the configuration file a plain
    ``Exception("Can't parse config file")``, which this also is);
  - a path that is a directory: :class:`DxlTieIsADirectoryError`, an ``IsADirectoryError``;
  - a file that cannot be read for lack of permission: :class:`DxlTiePermissionError`, a
    ``PermissionError``; other unreadable files: :class:`DxlTieOSError`, an ``OSError``;
  - a missing ``[Certs]`` section or setting, a bad ``UseWebSockets``, a file that is not UTF-8:
    :class:`ConfigError`, a ``ValueError`` (dxlclient: ``ValueError``, ``UnicodeDecodeError``);
  - a bad ``[Brokers]`` or ``[BrokersWebSockets]`` line: :class:`BrokerListError` (dxlclient's
    ``BrokerListError``);
  - a bad ``[Proxy]`` setting: :class:`InvalidProxyConfigurationError` (dxlclient's
    ``InvalidProxyConfigurationError``);
  - a file that is not INI text: :class:`ConfigSyntaxError`, a ``SyntaxError`` (dxlclient:
    ``configobj.ParseError``, a ``SyntaxError``);
  - certificate or key content that cannot be used, or a refused TLS handshake: :class:`TlsError`,
    an ``ssl.SSLError`` (dxlclient: ``ssl.SSLError``).

  The reference reports a bad certificate file when the client is made. Here, the certificate
  files a ``dxlclient.config`` names must exist when it is loaded; their content, and the files
  given to the :class:`dxltie.DxlClientConfig` constructor, are read at ``connect()``;
* ``DXLTIE_E_FORKED`` (a client used in a forked child) → :class:`ForkedClientError`;
* ``DXLTIE_E_BAD_RESPONSE`` → :class:`BadResponseError` (also a :class:`ValueError`);
* anything else → :class:`DxlTieError` (a :class:`DxlException`) carrying the result ``code``.

Every :class:`DxlTieError` has ``code`` (the ``DXLTIE_E_*`` value), ``code_name`` (its name) and
``message`` (the library's text, which ``str()`` returns: it names the file, section and key).

Arguments are checked before anything reaches the library: a number out of the range its C type
(or its meaning) allows, NaN or infinity raises :class:`ValueError` naming the argument and the
range; a value that is not a number at all raises :class:`TypeError`.
"""

from __future__ import annotations

import errno as _errno
import os
import ssl
from typing import Optional

__all__ = [
    "DxlException", "MalformedBrokerUriException", "WaitTimeoutException", "DxlTieError", "BadResponseError",
    "ForkedClientError", "ConfigError", "BrokerListError", "InvalidProxyConfigurationError", "ConfigSyntaxError",
    "DxlTieOSError", "DxlTieFileNotFoundError", "DxlTieIsADirectoryError", "DxlTiePermissionError", "TlsError",
]


class DxlException(Exception):
    """A general Data Exchange Layer (DXL) exception: the base of every exception this package
    defines (``dxlclient.exceptions.DxlException`` in the reference)."""


class MalformedBrokerUriException(DxlException, ValueError):
    """A broker's address or port is malformed (as in ``dxlclient``; also a ``ValueError``)."""


class WaitTimeoutException(DxlException):
    """No response arrived within the response timeout (``DXLTIE_E_TIMEOUT``).

    The message is dxlclient's: ``"Timeout waiting for response to message: <message id>"``.

    :ivar code: the library's result code (``DXLTIE_E_TIMEOUT``), or ``None``
    """

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super(WaitTimeoutException, self).__init__(message)
        self.code = code


class DxlTieError(DxlException):
    """A failed ``libdxltie`` call.

    :ivar message: the library's detail (what ``str()`` returns), e.g.
        ``"/etc/agent/dxlclient.config: [Certs] CertFile: file not found: /etc/agent/client.crt"``
    :ivar code: the ``DXLTIE_E_*`` result code (a negative ``int``), or ``None``
    :ivar code_name: its name, e.g. ``"DXLTIE_E_CONFIG"``, or ``None``
    """

    def __init__(self, message: str, code: Optional[int] = None, code_name: Optional[str] = None) -> None:
        super(DxlTieError, self).__init__(message)
        self.message = message
        self.code = code
        self.code_name = code_name

    def __str__(self) -> str:
        return self.message


class BadResponseError(DxlTieError, ValueError):
    """A response or event arrived but could not be decoded (``DXLTIE_E_BAD_RESPONSE``). Python
    raises ``json.JSONDecodeError``, ``KeyError`` or ``binascii.Error`` there; this is a
    :class:`ValueError` as most of those are."""


class ForkedClientError(DxlTieError):
    """A client was used in a process forked from the one that created it
    (``DXLTIE_E_FORKED``). A client's connection and threads stay in the process that made it;
    in the child, make a new :class:`dxltie.DxlClient`. Closing the inherited client in the
    child (``destroy()``, garbage collection, exit) is safe and leaves the parent's alone."""


# --------------------------------------------------------------------------------------------
# Configuration errors
# --------------------------------------------------------------------------------------------


class ConfigError(DxlTieError, ValueError):
    """A ``dxlclient.config`` with a missing or malformed section or setting
    (``DXLTIE_E_CONFIG``); a :class:`ValueError`, as ``dxlclient`` raises one for a missing
    setting (``"CertFile was not defined in config file"``).

    :ivar config_file: the configuration file the library named, or ``None``
    :ivar section: the section, e.g. ``"Certs"``, or ``None``
    :ivar key: the setting, e.g. ``"CertFile"``, or ``None`` (a whole section)
    """

    config_file: Optional[str] = None
    section: Optional[str] = None
    key: Optional[str] = None


class BrokerListError(ConfigError):
    """A ``[Brokers]`` or ``[BrokersWebSockets]`` line that is not ``[id;]port;host[;ip]``
    (``dxlclient.exceptions.BrokerListError`` in the reference)."""


class InvalidProxyConfigurationError(ConfigError):
    """A ``[Proxy]`` setting that is not valid, e.g. a port outside 1 to 65535
    (``dxlclient.exceptions.InvalidProxyConfigurationError`` in the reference)."""


class ConfigSyntaxError(ConfigError, SyntaxError):
    """A file that cannot be parsed as a ``dxlclient.config`` (INI) file. A ``SyntaxError`` as
    ``configobj.ParseError``, which ``dxlclient`` raises, is one (and a :class:`ValueError`, as
    every :class:`ConfigError`); ``filename`` and ``lineno`` name the place when the library
    reported it, and a traceback shows them."""

    def __init__(self, message: str, code: Optional[int] = None, code_name: Optional[str] = None) -> None:
        super(ConfigSyntaxError, self).__init__(message, code, code_name)
        self.msg = message  # what SyntaxError's traceback display prints


class DxlTieOSError(DxlTieError, OSError):
    """A file the configuration names could not be read (``DXLTIE_E_IO``, or
    ``DXLTIE_E_CONFIG`` for a certificate file): an :class:`OSError` with ``errno``,
    ``strerror`` and ``filename`` set when the library reported them. The subclasses are also
    the matching built-in :class:`OSError` subclass, as Python raises them."""

    #: The ``errno`` value the class stands for (``None``: any).
    ERRNO: Optional[int] = None

    def __init__(self, message: str, code: Optional[int] = None, code_name: Optional[str] = None,
                 errno: Optional[int] = None, filename: Optional[str] = None) -> None:
        if errno is None:
            errno = self.ERRNO
        OSError.__init__(self, errno, os.strerror(errno) if errno is not None else message, filename)
        self.message = message
        self.code = code
        self.code_name = code_name

    def __str__(self) -> str:
        return self.message


class DxlTieFileNotFoundError(DxlTieOSError, FileNotFoundError):
    """A certificate, key or configuration file does not exist (``errno.ENOENT``); a
    :class:`FileNotFoundError`, as ``dxlclient`` raises for a missing certificate file."""

    ERRNO = _errno.ENOENT


class DxlTieIsADirectoryError(DxlTieOSError, IsADirectoryError):
    """A certificate, key or configuration path names a directory (``errno.EISDIR``)."""

    ERRNO = _errno.EISDIR


class DxlTiePermissionError(DxlTieOSError, PermissionError):
    """A certificate, key or configuration file cannot be read for lack of permission
    (``errno.EACCES``)."""

    ERRNO = _errno.EACCES


class TlsError(DxlTieError, ssl.SSLError):
    """The certificates could not be used, or every broker refused the TLS handshake
    (``DXLTIE_E_TLS``): no PEM certificate or key in a file, a key that does not match its
    certificate, an untrusted broker. An :class:`ssl.SSLError`, as ``dxlclient`` raises one for
    an unusable certificate or key file."""

    def __init__(self, message: str, code: Optional[int] = None, code_name: Optional[str] = None) -> None:
        OSError.__init__(self, message)
        self.message = message
        self.code = code
        self.code_name = code_name

    def __str__(self) -> str:
        return self.message
