"""dxltie: a McAfee Threat Intelligence Exchange (TIE) client on a DXL fabric, over the native
``libdxltie`` (ctypes). Its API mirrors ``dxltieclient`` 0.3.0 (with the entry points of
``dxlclient`` that a TIE tool uses), so that a tool ports by changing its imports::

    from dxltie import DxlClient, DxlClientConfig, TieClient, DetectionCallback
    from dxltie.constants import HashType, TrustLevel
    from dxltie.util import MessageUtils

    config = DxlClientConfig.create_dxl_config_from_file("dxlclient.config")
    with DxlClient(config) as client:
        client.connect()
        tie_client = TieClient(client)
        print(tie_client.get_file_reputation({HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1"}))

The library is the one bundled in the wheel (``dxltie/libdxltie.so.0.1``), or the file named by
``$DXLTIE_LIBRARY`` (which comes first when set), or one on the system library path.

Logging: nothing is printed unless the application configures :mod:`logging` (the ``dxltie``
logger has a ``NullHandler``); the library's own records go to ``dxltie.native``
(:func:`set_library_log_level`).
"""

from __future__ import annotations

import logging as _logging

# Before anything can log (the library loader may warn): no output unless the application
# configures logging, as libraries do.
_logging.getLogger("dxltie").addHandler(_logging.NullHandler())

from . import _ffi  # noqa: E402
from ._native import set_library_log_level  # noqa: E402
from .callbacks import (DetectionCallback, EventCallback, FirstInstanceCallback, MessageCallback,  # noqa: E402
                        ReputationChangeCallback, RequestCallback, ResponseCallback)
from .client import TieClient  # noqa: E402
from .client_config import Broker, DxlClientConfig  # noqa: E402
from . import constants  # noqa: E402
from .constants import *  # noqa: F401,F403,E402 - the reference star-exports its constants too
from .dxl_client import DxlClient  # noqa: E402
from .exceptions import (BadResponseError, BrokerListError, ConfigError, ConfigSyntaxError, DxlException,  # noqa: E402
                         DxlTieError, DxlTieFileNotFoundError, DxlTieIsADirectoryError, DxlTieOSError,
                         DxlTiePermissionError, ForkedClientError, InvalidProxyConfigurationError,
                         MalformedBrokerUriException, TlsError, WaitTimeoutException)
from .message import ErrorResponse, Event, Message, Request, Response  # noqa: E402
from .service import ServiceRegistrationInfo  # noqa: E402
from .util import MessageUtils  # noqa: E402

#: The version of this binding.
__version__ = "0.1.0"

#: The ``dxltieclient`` version whose API this package mirrors.
DXLTIECLIENT_VERSION = "0.3.0"


def get_version() -> str:
    """The version of the ``dxltieclient`` API this package mirrors, as
    ``dxltieclient.get_version()`` returns it.

    :return: ``"0.3.0"`` (the binding's own version is :data:`__version__`, the native
        library's :func:`library_version`)
    """
    return DXLTIECLIENT_VERSION


def library_version() -> str:
    """The native library's version text.

    :return: ``"dxltie <major>.<minor>.<patch>"``, e.g. ``"dxltie 0.1.0"``
    """
    text: bytes = _ffi.dxltie_version()
    return text.decode("utf-8")


def library_path() -> str:
    """Where the native library was loaded from: ``$DXLTIE_LIBRARY`` when it is set and loads,
    else the copy bundled beside this package (``.../site-packages/dxltie/libdxltie.so.0.1``),
    else the name found on the system library path.

    :return: the path (or the system library name) given to :class:`ctypes.CDLL`
    """
    return _ffi.library_path


__all__ = [
    "TieClient", "DxlClient", "DxlClientConfig", "Broker", "MessageUtils",
    "Message", "Request", "Response", "ErrorResponse", "Event", "ServiceRegistrationInfo",
    "MessageCallback", "EventCallback", "RequestCallback", "ResponseCallback", "DetectionCallback", "FirstInstanceCallback", "ReputationChangeCallback",
    "DxlException", "DxlTieError", "WaitTimeoutException", "BadResponseError", "ForkedClientError",
    "MalformedBrokerUriException", "ConfigError", "BrokerListError", "InvalidProxyConfigurationError",
    "ConfigSyntaxError", "DxlTieOSError", "DxlTieFileNotFoundError", "DxlTieIsADirectoryError",
    "DxlTiePermissionError", "TlsError",
    "get_version", "library_version", "library_path", "set_library_log_level",
]
__all__ += constants.__all__  # a form type checkers follow (mypy --strict: explicit re-exports)
