"""``DxlClient``: a ``dxltie_client_t`` handle, with the entry points of ``dxlclient.client``
that a TIE tool uses (construct from a config, ``connect``, ``disconnect``, ``with``).

One library client is both the DXL and the TIE client; :class:`dxltie.TieClient` wraps it as
``dxltieclient.TieClient`` wraps a ``dxlclient.DxlClient``.

Lifetime. ``destroy()`` (also ``__exit__``, garbage collection and interpreter exit) frees the
handle: it first waits for calls in progress on other threads (a disconnect makes waiting
requests fail at once), then disconnects, stops the library threads and releases every
callback still registered. Inside one of the client's own callbacks ``destroy()`` raises
``DxlTieError`` (``DXLTIE_E_WOULD_DEADLOCK``): the dispatcher cannot wait for itself. The
handle is freed at most once: after any other outcome of the library's free, even an error,
the handle is never used again.

Ctrl-C. On the main thread, the calls that can block (``connect``, ``disconnect``, every TIE
request, adding and removing callbacks) are interruptible: ``KeyboardInterrupt`` is raised at
once, and the interrupted call completes in the background (see :mod:`dxltie._native`).
``destroy()`` can be interrupted while it waits for other calls to finish (the client then stays
usable), not while the library frees the handle (which waits at most for a running callback).

Fork. A client belongs to the process that created it: in a forked child every call raises
:class:`dxltie.ForkedClientError` at once, without touching the handle, and ``destroy()`` (also
at exit) releases only the handle's memory in the child (the library's free does nothing else
there: the threads, the connection and the callbacks stay the parent's).
"""

import contextlib
import ctypes
import logging
import os
import threading

from . import _args, _ffi, _native
from ._native import blocking, check
from .exceptions import DxlException

__all__ = ["DxlClient"]

logger = logging.getLogger("dxltie")


class DxlClient(object):
    """A client of the DXL fabric, made from a :class:`dxltie.DxlClientConfig`."""

    #: How long :meth:`connect` waits by default, in seconds.
    DEFAULT_CONNECT_TIMEOUT = 30.0

    def __init__(self, config):
        handle = _ffi.client_p()
        check(_ffi.dxltie_client_new(config._live(), ctypes.byref(handle)))
        _native.client_created()
        self._config = config
        self._handle = handle
        self._pid = os.getpid()
        self._forked = False
        self._cond = threading.Condition()
        self._active = 0
        self._closing = False
        # TIE callback registrations, shared by every TieClient on this client:
        # (event kind, id(callback object)) -> dxltie.client._Registration
        self._tie_callbacks = {}
        self._tie_callbacks_lock = threading.RLock()
        _native.track(self)

    # -- handle use ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _use(self):
        """Yields the live handle; destroy() waits until no call holds it."""
        with self._cond:
            if self._forked:
                raise _native.forked_error(self._pid)
            if self._closing or not self._handle:
                raise DxlException("The client has been destroyed")
            self._active += 1
        try:
            yield self._handle
        finally:
            with self._cond:
                self._active -= 1
                if self._active == 0:
                    self._cond.notify_all()

    # -- dxlclient-like surface ---------------------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, trace):
        self.destroy()

    @property
    def config(self):
        """The :class:`dxltie.DxlClientConfig` the client was made from."""
        return self._config

    @property
    def connected(self):
        """Whether the client is connected with every subscription confirmed."""
        with self._cond:
            handle = None if (self._closing or self._forked) else self._handle
            if not handle:
                return False
            return bool(_ffi.dxltie_client_is_connected(handle))

    def connect(self, timeout=None):
        """Connects to the closest broker that accepts the client and waits until every
        subscription is confirmed, at most ``timeout`` seconds (default 30); raises
        ``DxlException("Already connected")`` when connected, as dxlclient. The library then
        reconnects by itself after a lost connection, with back-off, and re-subscribes. Raises
        :class:`dxltie.DxlTieError` naming every broker tried and why it failed."""
        timeout_ms = _millis(self.DEFAULT_CONNECT_TIMEOUT if timeout is None else timeout, "timeout")
        blocking(self._connect, timeout_ms)

    def _connect(self, timeout_ms):
        with self._use() as handle:
            if _ffi.dxltie_client_is_connected(handle):
                raise DxlException("Already connected")
            check(_ffi.dxltie_client_connect(handle, timeout_ms))

    def disconnect(self):
        """Disconnects; callbacks stay registered and are subscribed again on the next connect."""
        blocking(self._disconnect)

    def _disconnect(self):
        with self._use() as handle:
            check(_ffi.dxltie_client_disconnect(handle))

    def destroy(self):
        """Frees the client (see the module documentation). Calling it again does nothing."""
        with self._cond:
            if not self._handle or self._closing:
                return
            self._closing = True
            handle = self._handle
            forked = self._forked
        if forked:
            # The parent's client, in a forked child: nothing may wait for its threads (they are
            # not in this process). The library's free releases the handle's memory only.
            self._free(handle)
            return
        try:
            if self._active:
                # Waiting requests (also ones abandoned after Ctrl-C) fail now. Made directly:
                # a call left running on a worker here would hold the handle unaccounted for.
                _ffi.dxltie_client_disconnect(handle)
            with self._cond:
                while self._active:
                    self._cond.wait()  # interruptible; the client then stays usable
        except BaseException:
            with self._cond:
                self._closing = False
            raise
        # Not interruptible: the free must finish before anything else (the exit hook, the
        # interpreter's finalisation) can go on safely. It waits at most for a running callback.
        self._free(handle)

    def _free(self, handle):
        """Frees the handle, with the bookkeeping."""
        rc = _ffi.dxltie_client_free(handle)
        if rc == _ffi.DXLTIE_E_WOULD_DEADLOCK:
            # Inside a callback: nothing was freed; destroy() may be called again elsewhere.
            with self._cond:
                self._closing = False
            check(rc)
        # Freed, or failed in a way that leaves the handle's state unknown: either way it is
        # never passed to the library again (a second free would be a double free).
        with self._cond:
            self._handle = None
        self._released()
        check(rc)

    def _released(self):
        with self._tie_callbacks_lock:
            self._tie_callbacks.clear()
        _native.untrack(self)

    def _after_fork_in_child(self):
        """In a forked child: the client is the parent's (see the module documentation). The
        locks are new, as another thread of the parent may have held them at the fork."""
        self._forked = True
        self._cond = threading.Condition()
        self._active = 0
        self._tie_callbacks_lock = threading.RLock()

    def __del__(self):
        try:
            self.destroy()
        except DxlException as e:
            if getattr(e, "code", None) == _ffi.DXLTIE_E_WOULD_DEADLOCK:
                # Collected on its own dispatcher thread: free it from another thread.
                self._closing = False
                threading.Thread(target=self.destroy, name="dxltie-destroy", daemon=True).start()
        except Exception:  # pragma: no cover - nothing useful to do in a finaliser
            pass

    # -- extras -------------------------------------------------------------------------------

    @property
    def stats(self):
        """The client's counters: received, delivered, dropped, undecodable, reconnects,
        bad_events, callback_faults, oversized, connect_attempts."""
        out = _ffi.dxltie_stats_t(struct_size=ctypes.sizeof(_ffi.dxltie_stats_t))
        with self._use() as handle:
            check(_ffi.dxltie_client_stats(handle, ctypes.byref(out)))
        return {name: getattr(out, name) for name, _ in _ffi.dxltie_stats_t._fields_ if name != "struct_size"}

    def set_state_callback(self, callback):
        """Calls ``callback(state)`` on each connection state change (0 disconnected,
        1 connecting, 2 connected), on the dispatcher thread. Replaces an earlier one."""
        key = _native.register(callback)
        try:
            with self._use() as handle:
                check(_ffi.dxltie_client_set_state_callback(
                    handle, _native.state_trampoline, key, _native.free_user_data))
        except BaseException:
            _native.unregister(key)
            raise


def _millis(seconds, name, minimum=0):
    """Seconds (int or float, at least ``minimum``) as the ``uint32`` of milliseconds the library
    takes. A value beyond what that holds (about 49.7 days) raises ``ValueError`` rather than
    being clamped, as do NaN, infinity and negative values."""
    return _args.millis(seconds, name, minimum)
