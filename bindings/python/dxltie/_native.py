"""The glue between Python and ``libdxltie``: result checking, the callback registry and its
module-level trampolines, the log bridge and the exit hook.

Callbacks. C receives only module-level ``CFUNCTYPE`` objects (they live as long as the module,
so they are never collected while C holds them). What C stores as ``user_data`` is a small
integer, the key of a Python callable in :data:`_registry`. The callable stays alive while it is
registered because the registry holds it; the library's ``free_user_data`` (run exactly once,
after the last call) drops it again. ctypes takes the GIL for each call coming in from a library
thread, and every trampoline catches every exception, so nothing propagates into C.

Exit. Every live :class:`dxltie.DxlClient` sits in a weak set; an ``atexit`` hook destroys those
that remain (before the interpreter is finalised, so no library thread calls into a dying
interpreter) and detaches the log bridge.
"""

import atexit
import binascii
import ctypes
import itertools
import logging
import threading
import weakref

from . import _ffi
from .exceptions import BadResponseError, DxlTieError, WaitTimeoutException

logger = logging.getLogger("dxltie")
_native_logger = logging.getLogger("dxltie.native")

#: The two texts the library uses for bad hex, as Python's ``binascii.Error`` words them.
_HEX_MESSAGES = ("Odd-length string", "Non-hexadecimal digit found")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _text(raw):
    if raw is None:
        return None
    return raw.decode("utf-8", "replace")


def signed_code(code):
    """A fabric error code (``uint32`` in C) as dxlclient shows it (a signed 32-bit int)."""
    code = int(code) & 0xFFFFFFFF
    return code - 0x100000000 if code >= 0x80000000 else code


def service_exception(message, code):
    """The plain ``Exception`` ``dxltieclient`` raises for an ErrorResponse."""
    code = signed_code(code)
    exc = Exception("Error: " + message + " (" + str(code) + ")")
    exc.error_code = code
    exc.error_message = message
    return exc


def error_for(rc, message, service_code=0):
    """The exception for result ``rc`` with the library's ``message``."""
    if not message:
        message = _text(_ffi.dxltie_result_str(rc)) or "error %d" % rc
    name = _ffi.RESULT_NAMES.get(rc)
    if rc == _ffi.DXLTIE_E_SERVICE_ERROR:
        return service_exception(message, service_code)
    if rc == _ffi.DXLTIE_E_TIMEOUT:
        return WaitTimeoutException(message, rc)
    if rc in (_ffi.DXLTIE_E_INVALID_ARG, _ffi.DXLTIE_E_UTF8, _ffi.DXLTIE_E_NULL_ARG):
        if message in _HEX_MESSAGES:
            return binascii.Error(message)
        return ValueError(message)
    if rc == _ffi.DXLTIE_E_BAD_RESPONSE:
        return BadResponseError(message, rc, name)
    return DxlTieError(message, rc, name)


def check(rc):
    """Raises the exception for a failed call; must run on the thread that made the call (the
    library's error detail is thread-local)."""
    if rc == _ffi.DXLTIE_OK:
        return
    message = _text(_ffi.dxltie_last_error_message())
    service_code = _ffi.dxltie_last_service_error_code() if rc == _ffi.DXLTIE_E_SERVICE_ERROR else 0
    raise error_for(rc, message, service_code)


def take_string(ptr):
    """Copies and frees a ``char *`` the library returned through an out-parameter."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode("utf-8")
    finally:
        _ffi.dxltie_string_free(ptr)


def to_bytes(value, what="argument"):
    """``str`` (UTF-8) or ``bytes`` for a ``const char *`` argument; ``None`` stays NULL."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError("%s should be bytes or str, not '%s'" % (what, type(value).__name__))


# --------------------------------------------------------------------------------------------
# The callback registry and the trampolines
# --------------------------------------------------------------------------------------------

_registry = {}
_next_key = itertools.count(1)  # 0 would arrive as None


def register(handler):
    """Keeps ``handler`` alive under a new integer key, passed to C as ``user_data``."""
    key = next(_next_key)
    _registry[key] = handler
    return key


def unregister(key):
    """Drops a handler (a registration that failed: the library will not free it)."""
    _registry.pop(key, None)


def registered_count():
    """How many Python callables the library currently holds (for tests)."""
    return len(_registry)


@_ffi.dxltie_free_fn
def free_user_data(user_data):
    try:
        _registry.pop(user_data, None)
    except BaseException:  # pragma: no cover - a dict pop does not fail
        pass


def _dispatch(user_data, event):
    try:
        handler = _registry.get(user_data)
        if handler is not None:
            handler(event.contents)
    except BaseException:
        logger.exception("Exception in a dxltie event callback")


@_ffi.dxltie_json_fn
def json_event_trampoline(user_data, event):
    _dispatch(user_data, event)


@_ffi.dxltie_detection_fn
def detection_trampoline(user_data, event):
    _dispatch(user_data, event)


@_ffi.dxltie_first_instance_fn
def first_instance_trampoline(user_data, event):
    _dispatch(user_data, event)


@_ffi.dxltie_reputation_change_fn
def reputation_change_trampoline(user_data, event):
    _dispatch(user_data, event)


@_ffi.dxltie_state_fn
def state_trampoline(user_data, state):
    try:
        handler = _registry.get(user_data)
        if handler is not None:
            handler(state)
    except BaseException:
        logger.exception("Exception in a dxltie state callback")


# --------------------------------------------------------------------------------------------
# The log bridge: library records → logging.getLogger("dxltie.native")
# --------------------------------------------------------------------------------------------

_LEVELS = {
    _ffi.DXLTIE_LOG_ERROR: logging.ERROR,
    _ffi.DXLTIE_LOG_WARN: logging.WARNING,
    _ffi.DXLTIE_LOG_INFO: logging.INFO,
    _ffi.DXLTIE_LOG_DEBUG: logging.DEBUG,
    _ffi.DXLTIE_LOG_TRACE: 5,
}


@_ffi.dxltie_log_fn
def log_trampoline(user_data, level, target, message):
    try:
        _native_logger.log(_LEVELS.get(level, logging.INFO), "%s: %s", _text(target), _text(message))
    except BaseException:  # pragma: no cover - logging guards itself
        pass


def _library_level(level):
    if level is None:
        return 0
    for native, py in sorted(_LEVELS.items(), reverse=True):
        if level <= py:
            return native
    return _ffi.DXLTIE_LOG_ERROR


def set_library_log_level(level=logging.WARNING):
    """Forwards the library's own log records at ``level`` and above (a :mod:`logging` level)
    to the ``dxltie.native`` logger; ``None`` stops forwarding. Records are emitted on library
    threads. The default, set on import, is ``logging.WARNING``."""
    native = _library_level(level)
    if native:
        check(_ffi.dxltie_set_log_callback(log_trampoline, None, native))
    else:
        check(_ffi.dxltie_set_log_callback(_ffi.dxltie_log_fn(), None, 0))


# --------------------------------------------------------------------------------------------
# Exit
# --------------------------------------------------------------------------------------------

live_clients = weakref.WeakSet()
_live_lock = threading.Lock()


def track(client):
    with _live_lock:
        live_clients.add(client)


def untrack(client):
    with _live_lock:
        live_clients.discard(client)


def _close_all_at_exit():
    with _live_lock:
        clients = list(live_clients)
    for client in clients:
        try:
            client.destroy()
        except BaseException:
            logger.exception("Error closing a dxltie client at exit")
    try:
        set_library_log_level(None)
    except BaseException:  # pragma: no cover
        pass


atexit.register(_close_all_at_exit)

try:
    set_library_log_level(logging.WARNING)
except Exception:  # pragma: no cover - logging is optional
    logger.debug("could not attach the library log bridge", exc_info=True)
