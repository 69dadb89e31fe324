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

The library is found beside this package, through ``$DXLTIE_LIBRARY`` or on the system path.
"""

from . import _ffi
from ._native import set_library_log_level
from .callbacks import DetectionCallback, EventCallback, FirstInstanceCallback, ReputationChangeCallback
from .client import TieClient
from .client_config import Broker, DxlClientConfig
from .constants import *  # noqa: F401,F403 - the reference star-exports its constants too
from .constants import __all__ as _constants_all
from .dxl_client import DxlClient
from .exceptions import (BadResponseError, DxlException, DxlTieError, ForkedClientError, MalformedBrokerUriException,
                         WaitTimeoutException)
from .message import Event
from .util import MessageUtils

#: The version of this binding.
__version__ = "0.1.0"

#: The ``dxltieclient`` version whose API this package mirrors.
DXLTIECLIENT_VERSION = "0.3.0"


def get_version():
    """The version of the ``dxltieclient`` API this package mirrors (``"0.3.0"``), as
    ``dxltieclient.get_version()`` returns it."""
    return DXLTIECLIENT_VERSION


def library_version():
    """The native library's version text, ``"dxltie <version>"``."""
    return _ffi.dxltie_version().decode("utf-8")


def library_path():
    """The path ``libdxltie`` was loaded from."""
    return _ffi.library_path


__all__ = [
    "TieClient", "DxlClient", "DxlClientConfig", "Broker", "Event", "MessageUtils",
    "EventCallback", "DetectionCallback", "FirstInstanceCallback", "ReputationChangeCallback",
    "DxlException", "DxlTieError", "WaitTimeoutException", "BadResponseError", "ForkedClientError",
    "MalformedBrokerUriException",
    "get_version", "library_version", "library_path", "set_library_log_level",
] + list(_constants_all)
