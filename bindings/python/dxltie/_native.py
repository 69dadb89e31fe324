"""The glue between Python and ``libdxltie``: result checking, the callback registry and its
module-level trampolines, the log bridge, interruptible blocking calls, fork and the exit hook.

Callbacks. C receives only module-level ``CFUNCTYPE`` objects (they live as long as the module,
so they are never collected while C holds them). What C stores as ``user_data`` is a small
integer, the key of a Python callable in :data:`_registry`. The callable stays alive while it is
registered because the registry holds it; the library's ``free_user_data`` (run exactly once,
after the last call) drops it again. ctypes takes the GIL for each call coming in from a library
thread, and every trampoline catches every exception, so nothing propagates into C.

Interruptible calls. A ctypes call cannot be interrupted: a signal that arrives meanwhile is
handled only when the call returns, so a request blocked in C for its 30 s timeout would hold
Ctrl-C for 30 s. On the main thread (the only one Python runs signal handlers on),
:func:`blocking` therefore hands the call to a long-lived worker thread and waits for it on a
lock, which a signal interrupts: ``KeyboardInterrupt`` is raised at once. The abandoned call
finishes on the worker (a request until its answer or timeout, or at once when the client is
disconnected or destroyed) and its result is dropped; the client's bookkeeping is done by the
worker, so the client stays consistent. On any other thread, library callbacks included, calls
are made directly, as before. One worker serves every call (a second one exists only while an
abandoned call is still running): no thread is started per call.

Fork. A client's connection and threads stay in the process that made it. After ``os.fork()``
every client inherited by the child is marked as the parent's: its calls raise
:class:`dxltie.ForkedClientError` at once without touching the handle, and closing it in the
child (``destroy()``, garbage collection, exit) only releases the handle's memory there (the
library's free does nothing else in a child). The worker threads are not inherited either: the
child starts its own when it needs one.

Logging. The ``dxltie`` logger has a ``NullHandler``, as libraries do: nothing is printed
unless the application configures logging.

Exit. Every live :class:`dxltie.DxlClient` sits in a weak set; an ``atexit`` hook destroys those
that remain (before the interpreter is finalised, so no library thread calls into a dying
interpreter) and detaches the log bridge.
"""

from __future__ import annotations

import _thread
import atexit
import binascii
import ctypes
import errno
import itertools
import logging
import os
import re
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional, TypeVar, Union

from . import _ffi
from .exceptions import (BadResponseError, BrokerListError, ConfigError, ConfigSyntaxError, DxlTieError,
                         DxlTieFileNotFoundError, DxlTieIsADirectoryError, DxlTieOSError, DxlTiePermissionError,
                         ForkedClientError, InvalidProxyConfigurationError, TlsError, WaitTimeoutException)

_T = TypeVar("_T")

logger = logging.getLogger("dxltie")
# The NullHandler (no output unless the application configures logging) is added in __init__.py,
# before the library is loaded: _ffi may already warn.
_native_logger = logging.getLogger("dxltie.native")

#: The two texts the library uses for bad hex, as Python's ``binascii.Error`` words them.
_HEX_MESSAGES = ("Odd-length string", "Non-hexadecimal digit found")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _text(raw: Optional[bytes]) -> Optional[str]:
    if raw is None:
        return None
    return raw.decode("utf-8", "replace")


def signed_code(code: int) -> int:
    """A fabric error code (``uint32`` in C) as dxlclient shows it (a signed 32-bit int)."""
    code = int(code) & 0xFFFFFFFF
    return code - 0x100000000 if code >= 0x80000000 else code


def service_exception(message: str, code: int) -> Exception:
    """The plain ``Exception`` ``dxltieclient`` raises for an ErrorResponse."""
    code = signed_code(code)
    exc = Exception("Error: " + message + " (" + str(code) + ")")
    exc.error_code = code  # type: ignore[attr-defined]
    exc.error_message = message  # type: ignore[attr-defined]
    return exc


# The forms of the library's configuration messages (src/dxl/config.rs, src/dxl/tls.rs,
# src/dxl/files.rs), which say what went wrong where; bindings/python/tests/test_exceptions.py
# meets each of them with the real library.
#: An ``std::io::Error`` carrying an OS error: ``"No such file or directory (os error 2)"``.
_OS_ERROR = re.compile(r"\(os error (\d+)\)")
#: A certificate file a ``dxlclient.config`` names that does not exist.
_FILE_NOT_FOUND = re.compile(r"file not found: (.+)$")
#: A certificate path that is a directory: ``"<path> is a directory, not a regular file"`` (the
#: configuration file) or ``"<what> <path>: not a regular file (a directory)"`` (at connect).
_IS_A_DIRECTORY = re.compile(r"(?:\] [^:]+: (?P<cert>.+) is a directory, not a regular file$)|"
                             r"(?:not a regular file \(a directory\))")
#: The PEM file read at connect: ``"client certificate /etc/agent/client.crt: ..."``.
_PEM_FILE = re.compile(r"(?:broker CA chain|client certificate|private key) (?P<path>.+?): ")
#: The configuration file that could not be read.
_CONFIG_FILE = re.compile(r"^(?P<path>.+?): (?:cannot read the configuration file|the configuration file is not)")
#: A configuration file that is not UTF-8 text.
_NOT_TEXT = re.compile(r"^(?P<path>.+?): the configuration file is not UTF-8 text")
#: ``"<file>: [Section] Key: what"`` or ``"<file>: [Section]: what"``.
_SECTION = re.compile(r"^(?:(?P<file>.*?): )?\[(?P<section>[^\]]+)\](?: (?P<key>[^:]+))?: ")
#: ``"<file>: not a valid configuration file: 2:4 expecting ..."`` (line:column).
_SYNTAX = re.compile(r"^(?P<file>.*?): not a valid configuration file: (?:(?P<line>\d+):(?P<column>\d+))?")

_OS_ERROR_CLASSES = {
    errno.ENOENT: DxlTieFileNotFoundError,
    errno.EISDIR: DxlTieIsADirectoryError,
    errno.EACCES: DxlTiePermissionError,
    errno.EPERM: DxlTiePermissionError,
}


def _file_error(rc: int, message: str, name: Optional[str]) -> Optional[DxlTieError]:
    """An :class:`OSError`-derived exception for a file the configuration names that could not
    be read, or ``None`` when ``message`` is about something else."""
    match = _PEM_FILE.search(message) or _CONFIG_FILE.search(message)
    filename = match.group("path") if match else None
    os_error = _OS_ERROR.search(message)
    if os_error:
        code = int(os_error.group(1))
        return _OS_ERROR_CLASSES.get(code, DxlTieOSError)(message, rc, name, code, filename)
    not_found = _FILE_NOT_FOUND.search(message)
    if not_found:
        return DxlTieFileNotFoundError(message, rc, name, errno.ENOENT, not_found.group(1))
    directory = _IS_A_DIRECTORY.search(message)
    if directory:
        return DxlTieIsADirectoryError(message, rc, name, errno.EISDIR, directory.group("cert") or filename)
    if rc == _ffi.DXLTIE_E_IO:
        return DxlTieOSError(message, rc, name, None, filename)
    return None


def _config_error(rc: int, message: str, name: Optional[str]) -> DxlTieError:
    """The exception for a ``DXLTIE_E_CONFIG`` or ``DXLTIE_E_IO`` result (see
    :mod:`dxltie.exceptions` for the table)."""
    not_text = _NOT_TEXT.search(message)
    if not_text:
        # dxlclient raises UnicodeDecodeError, a ValueError, for a file that is not UTF-8.
        error: ConfigError = ConfigError(message, rc, name)
        error.config_file = not_text.group("path")
        return error
    file_error = _file_error(rc, message, name)
    if file_error is not None:
        return file_error
    syntax = _SYNTAX.search(message)
    if syntax:
        error = ConfigSyntaxError(message, rc, name)
        error.config_file = error.filename = syntax.group("file")
        if syntax.group("line"):
            error.lineno = int(syntax.group("line"))
            error.offset = int(syntax.group("column"))
        return error
    where = _SECTION.search(message)
    if where:
        section = where.group("section")
        if section in ("Brokers", "BrokersWebSockets"):
            error = BrokerListError(message, rc, name)
        elif section == "Proxy":
            error = InvalidProxyConfigurationError(message, rc, name)
        else:
            error = ConfigError(message, rc, name)
        error.config_file = where.group("file")
        error.section = section
        error.key = where.group("key")
        return error
    return DxlTieError(message, rc, name)


def error_for(rc: int, message: Optional[str], service_code: int = 0) -> Exception:
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
    if rc == _ffi.DXLTIE_E_FORKED:
        return ForkedClientError(message, rc, name)
    if rc in (_ffi.DXLTIE_E_CONFIG, _ffi.DXLTIE_E_IO):
        return _config_error(rc, message, name)
    if rc == _ffi.DXLTIE_E_TLS:
        return TlsError(message, rc, name)
    return DxlTieError(message, rc, name)


def forked_error(created_in: int) -> ForkedClientError:
    """The exception for a client of process ``created_in`` used in this (forked) process."""
    return ForkedClientError(
        "this dxltie client belongs to process %d, which created it; it cannot be used in the forked "
        "child process %d (its connection and threads stayed in the parent): make a new DxlClient in "
        "the child" % (created_in, os.getpid()), _ffi.DXLTIE_E_FORKED, "DXLTIE_E_FORKED")


def check(rc: int) -> None:
    """Raises the exception for a failed call; must run on the thread that made the call (the
    library's error detail is thread-local)."""
    if rc == _ffi.DXLTIE_OK:
        return
    message = _text(_ffi.dxltie_last_error_message())
    service_code = _ffi.dxltie_last_service_error_code() if rc == _ffi.DXLTIE_E_SERVICE_ERROR else 0
    raise error_for(rc, message, service_code)


def take_string(ptr: ctypes.c_void_p) -> Optional[str]:
    """Copies and frees a ``char *`` the library returned through an out-parameter."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode("utf-8")
    finally:
        _ffi.dxltie_string_free(ptr)


def to_bytes(value: Union[str, bytes, bytearray, memoryview, None], what: str = "argument") -> Optional[bytes]:
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

_registry: Dict[int, Callable[..., Any]] = {}
_next_key = itertools.count(1)  # 0 would arrive as None


def register(handler: Callable[..., Any]) -> int:
    """Keeps ``handler`` alive under a new integer key, passed to C as ``user_data``."""
    key = next(_next_key)
    _registry[key] = handler
    return key


def unregister(key: int) -> None:
    """Drops a handler (a registration that failed: the library will not free it)."""
    _registry.pop(key, None)


def registered_count() -> int:
    """How many Python callables the library currently holds (for tests)."""
    return len(_registry)


@_ffi.dxltie_free_fn
def free_user_data(user_data: int) -> None:
    try:
        _registry.pop(user_data, None)
    except BaseException:  # pragma: no cover - a dict pop does not fail
        pass


def _dispatch(user_data: int, event: Any) -> None:
    try:
        handler = _registry.get(user_data)
        if handler is not None:
            handler(event.contents)
    except BaseException:
        logger.exception("Exception in a dxltie event callback")


@_ffi.dxltie_json_fn
def json_event_trampoline(user_data: int, event: Any) -> None:
    _dispatch(user_data, event)


@_ffi.dxltie_json_batch_fn
def json_batch_trampoline(user_data: int, events_json: bytes, count: int, payloads: Optional[int],
                          payloads_len: int) -> None:
    try:
        handler = _registry.get(user_data)
        if handler is not None:
            handler(events_json, ctypes.string_at(payloads, payloads_len) if payloads_len else b"")
    except BaseException:
        logger.exception("Exception in a dxltie event callback")


@_ffi.dxltie_detection_fn
def detection_trampoline(user_data: int, event: Any) -> None:
    _dispatch(user_data, event)


@_ffi.dxltie_first_instance_fn
def first_instance_trampoline(user_data: int, event: Any) -> None:
    _dispatch(user_data, event)


@_ffi.dxltie_reputation_change_fn
def reputation_change_trampoline(user_data: int, event: Any) -> None:
    _dispatch(user_data, event)


@_ffi.dxltie_dxl_message_fn
def dxl_message_trampoline(user_data: int, message: Any) -> None:
    _dispatch(user_data, message)


@_ffi.dxltie_dxl_response_fn
def dxl_response_trampoline(user_data: int, status: int, error_message: Optional[bytes], response: Any) -> None:
    try:
        handler = _registry.get(user_data)
        if handler is not None:
            handler(status, _text(error_message), response.contents if response else None)
    except BaseException:
        logger.exception("Exception in a dxltie response callback")


@_ffi.dxltie_state_fn
def state_trampoline(user_data: int, state: int) -> None:
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
def log_trampoline(user_data: Any, level: int, target: Optional[bytes], message: Optional[bytes]) -> None:
    try:
        _native_logger.log(_LEVELS.get(level, logging.INFO), "%s: %s", _text(target), _text(message))
    except BaseException:  # pragma: no cover - logging guards itself
        pass


def _library_level(level: int) -> int:
    """The most detailed library level that has records at ``level`` or above."""
    for native, py in sorted(_LEVELS.items(), reverse=True):
        if level <= py:
            return native
    return _ffi.DXLTIE_LOG_ERROR


def set_library_log_level(level: Optional[int] = logging.WARNING) -> None:
    """Chooses which of the native library's own log records reach Python's :mod:`logging`.

    The library logs what happens on its threads (connection attempts and losses, reconnects,
    events it could not decode, a callback that raised). Records at ``level`` and above are
    forwarded to the ``dxltie.native`` logger, a child of ``dxltie``; like every logger of this
    package it prints nothing unless the application configures :mod:`logging`. The default,
    set on import, is ``logging.WARNING``.

    **Example Usage**

        .. code-block:: python

            import logging
            import dxltie

            logging.basicConfig(level=logging.DEBUG)
            dxltie.set_library_log_level(logging.INFO)   # connects, reconnects, subscriptions
            dxltie.set_library_log_level(None)           # nothing from the library at all

    Records are emitted on the library's threads, not the caller's; the library's trace level
    is forwarded as level 5 (below ``logging.DEBUG``).

    :param level: a :mod:`logging` level (``logging.DEBUG``, ``logging.INFO``, ...), or ``None``
        to stop forwarding
    :raises ValueError: if the library refuses the change
    :raises DxlTieError: ``DXLTIE_E_WOULD_DEADLOCK`` when called from inside a log record being
        forwarded
    """
    if level is None:
        # A NULL callback detaches; the level must still be a valid one.
        check(_ffi.dxltie_set_log_callback(_ffi.dxltie_log_fn(), None, _ffi.DXLTIE_LOG_ERROR))
    else:
        check(_ffi.dxltie_set_log_callback(log_trampoline, None, _library_level(level)))


# --------------------------------------------------------------------------------------------
# Interruptible blocking calls
# --------------------------------------------------------------------------------------------

_main_thread_id = threading.main_thread().ident
_idle_workers: "List[_Worker]" = []  # list.append and list.pop are atomic: no lock needed
_MAX_IDLE_WORKERS = 1


class _Job(object):
    __slots__ = ("fn", "args", "done", "result", "error")

    def __init__(self, fn: Callable[..., Any], args: Any) -> None:
        self.fn = fn
        self.args = args
        self.done = _thread.allocate_lock()
        self.done.acquire()
        self.result: Any = None
        self.error: Optional[BaseException] = None


class _Worker(object):
    """A daemon thread that runs one job at a time for the main thread."""

    __slots__ = ("go", "job")

    def __init__(self) -> None:
        self.go = _thread.allocate_lock()
        self.go.acquire()
        self.job: Optional[_Job] = None

    def loop(self) -> None:
        go = self.go
        while True:
            go.acquire()
            job: Any
            job, self.job = self.job, None
            try:
                job.result = job.fn(*job.args)
            except BaseException as e:  # handed to the waiting thread (dropped if it gave up)
                job.error = e
            # Back to the idle list before waking the caller, so that the wake-up is the last
            # thing done while holding the GIL: the caller then finds the GIL free.
            stay = len(_idle_workers) < _MAX_IDLE_WORKERS  # else: started for an abandoned call
            if stay:
                _idle_workers.append(self)
            job.done.release()
            if not stay:
                return
            job = None


def _start_worker() -> Optional[_Worker]:
    worker = _Worker()
    try:
        threading.Thread(target=worker.loop, name="dxltie-call", daemon=True).start()
    except RuntimeError:  # no new threads (interpreter shutdown): the caller calls directly
        return None
    return worker


def blocking(fn: Callable[..., _T], *args: Any) -> _T:
    """``fn(*args)``, interruptible by a signal when called on the main thread (see the module
    documentation). ``fn`` must do all of its own bookkeeping, since the caller may leave before
    it returns, and must release whatever it allocates."""
    if threading.get_ident() != _main_thread_id:
        return fn(*args)
    worker: Optional[_Worker]
    try:
        worker = _idle_workers.pop()
    except IndexError:
        worker = _start_worker()
        if worker is None:
            return fn(*args)
    job = _Job(fn, args)
    worker.job = job
    try:
        worker.go.release()
    except BaseException:  # pragma: no cover - interrupted before the worker got the job
        worker.job = None
        _idle_workers.append(worker)
        raise
    job.done.acquire()  # a signal interrupts this wait; the job then finishes on its own
    error = job.error
    if error is not None:
        job.error = None
        try:
            raise error
        finally:
            error = None
    result: _T = job.result
    return result


# --------------------------------------------------------------------------------------------
# Exit and fork
# --------------------------------------------------------------------------------------------

live_clients: "weakref.WeakSet[Any]" = weakref.WeakSet()
_live_lock = threading.Lock()
#: Whether this process has made a client (and so may have library threads that log).
_clients_made = False


def client_created() -> None:
    global _clients_made
    _clients_made = True


def track(client: Any) -> None:
    with _live_lock:
        live_clients.add(client)


def untrack(client: Any) -> None:
    with _live_lock:
        live_clients.discard(client)


def _close_all_at_exit() -> None:
    with _live_lock:
        clients = list(live_clients)
    for client in clients:
        try:
            client.destroy()
        except BaseException:
            logger.exception("Error closing a dxltie client at exit")
    if not _clients_made:
        # No library thread was ever started in this process (a forked child that made no
        # client of its own, for one): nothing can log while the interpreter is finalised, and
        # the library's log lock may have been held by a thread of the parent at the fork.
        return
    try:
        set_library_log_level(None)
    except BaseException:  # pragma: no cover
        pass


atexit.register(_close_all_at_exit)


def _after_fork_in_child() -> None:
    """Runs in a forked child: the worker threads did not survive the fork, and every client
    inherited from the parent belongs to the parent."""
    global _main_thread_id, _live_lock, _clients_made
    _main_thread_id = threading.get_ident()  # the thread that forked is the child's main thread
    del _idle_workers[:]
    _live_lock = threading.Lock()  # may have been held by another thread at the fork
    _clients_made = False
    for client in list(live_clients):
        try:
            client._after_fork_in_child()
        except BaseException:  # pragma: no cover - must not break os.fork()
            pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

try:
    set_library_log_level(logging.WARNING)
except Exception:  # pragma: no cover - logging is optional
    logger.debug("could not attach the library log bridge", exc_info=True)
