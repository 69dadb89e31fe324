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

import _thread
import atexit
import binascii
import ctypes
import itertools
import logging
import os
import threading
import weakref

from . import _ffi
from .exceptions import BadResponseError, DxlTieError, ForkedClientError, WaitTimeoutException

logger = logging.getLogger("dxltie")
logger.addHandler(logging.NullHandler())  # no output unless the application configures logging
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
    if rc == _ffi.DXLTIE_E_FORKED:
        return ForkedClientError(message, rc, name)
    return DxlTieError(message, rc, name)


def forked_error(created_in):
    """The exception for a client of process ``created_in`` used in this (forked) process."""
    return ForkedClientError(
        "this dxltie client belongs to process %d, which created it; it cannot be used in the forked "
        "child process %d (its connection and threads stayed in the parent): make a new DxlClient in "
        "the child" % (created_in, os.getpid()), _ffi.DXLTIE_E_FORKED, "DXLTIE_E_FORKED")


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
    """The most detailed library level that has records at ``level`` or above."""
    for native, py in sorted(_LEVELS.items(), reverse=True):
        if level <= py:
            return native
    return _ffi.DXLTIE_LOG_ERROR


def set_library_log_level(level=logging.WARNING):
    """Forwards the library's own log records at ``level`` and above (a :mod:`logging` level)
    to the ``dxltie.native`` logger; ``None`` stops forwarding. Records are emitted on library
    threads. The default, set on import, is ``logging.WARNING``. Raises :class:`ValueError` if
    the library refuses the change."""
    if level is None:
        # A NULL callback detaches; the level must still be a valid one.
        check(_ffi.dxltie_set_log_callback(_ffi.dxltie_log_fn(), None, _ffi.DXLTIE_LOG_ERROR))
    else:
        check(_ffi.dxltie_set_log_callback(log_trampoline, None, _library_level(level)))


# --------------------------------------------------------------------------------------------
# Interruptible blocking calls
# --------------------------------------------------------------------------------------------

_main_thread_id = threading.main_thread().ident
_idle_workers = []  # list.append and list.pop are atomic: no lock needed
_MAX_IDLE_WORKERS = 1


class _Job(object):
    __slots__ = ("fn", "args", "done", "result", "error")

    def __init__(self, fn, args):
        self.fn = fn
        self.args = args
        self.done = _thread.allocate_lock()
        self.done.acquire()
        self.result = None
        self.error = None


class _Worker(object):
    """A daemon thread that runs one job at a time for the main thread."""

    __slots__ = ("go", "job")

    def __init__(self):
        self.go = _thread.allocate_lock()
        self.go.acquire()
        self.job = None

    def loop(self):
        go = self.go
        while True:
            go.acquire()
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


def _start_worker():
    worker = _Worker()
    try:
        threading.Thread(target=worker.loop, name="dxltie-call", daemon=True).start()
    except RuntimeError:  # no new threads (interpreter shutdown): the caller calls directly
        return None
    return worker


def blocking(fn, *args):
    """``fn(*args)``, interruptible by a signal when called on the main thread (see the module
    documentation). ``fn`` must do all of its own bookkeeping, since the caller may leave before
    it returns, and must release whatever it allocates."""
    if threading.get_ident() != _main_thread_id:
        return fn(*args)
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
    return job.result


# --------------------------------------------------------------------------------------------
# Exit and fork
# --------------------------------------------------------------------------------------------

live_clients = weakref.WeakSet()
_live_lock = threading.Lock()
#: Whether this process has made a client (and so may have library threads that log).
_clients_made = False


def client_created():
    global _clients_made
    _clients_made = True


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


def _after_fork_in_child():
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
