"""``DxlClient``: a ``dxltie_client_t`` handle, with the entry points of ``dxlclient.client``
that a TIE tool uses (construct from a config, ``connect``, ``disconnect``, ``with``).

One library client is both the DXL and the TIE client; :class:`dxltie.TieClient` wraps it as
``dxltieclient.TieClient`` wraps a ``dxlclient.DxlClient``.

Lifetime. ``destroy()`` (also ``__exit__``, garbage collection and interpreter exit) frees the
handle: it first waits for calls in progress on other threads (a disconnect makes waiting
requests fail at once), then disconnects, stops the library threads and releases every
callback still registered. Inside one of the client's own callbacks ``destroy()`` raises
``DxlTieError`` (``DXLTIE_E_WOULD_DEADLOCK``): the dispatcher cannot wait for itself.
"""

import contextlib
import ctypes
import logging
import threading

from . import _ffi, _native
from ._native import check
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
        self._config = config
        self._handle = handle
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
            handle = None if self._closing else self._handle
            if not handle:
                return False
            return bool(_ffi.dxltie_client_is_connected(handle))

    def connect(self, timeout=None):
        """Connects to the closest broker that accepts the client and waits until every
        subscription is confirmed, at most ``timeout`` seconds (default 30); raises
        ``DxlException("Already connected")`` when connected, as dxlclient. The library then
        reconnects by itself after a lost connection, with back-off, and re-subscribes. Raises
        :class:`dxltie.DxlTieError` naming every broker tried and why it failed."""
        if timeout is None:
            timeout = self.DEFAULT_CONNECT_TIMEOUT
        with self._use() as handle:
            if _ffi.dxltie_client_is_connected(handle):
                raise DxlException("Already connected")
            check(_ffi.dxltie_client_connect(handle, _millis(timeout)))

    def disconnect(self):
        """Disconnects; callbacks stay registered and are subscribed again on the next connect."""
        with self._use() as handle:
            check(_ffi.dxltie_client_disconnect(handle))

    def destroy(self):
        """Frees the client (see the module documentation). Calling it again does nothing."""
        with self._cond:
            if not self._handle or self._closing:
                return
            self._closing = True
            handle = self._handle
        try:
            if self._active:
                _ffi.dxltie_client_disconnect(handle)  # waiting requests fail now
            with self._cond:
                while self._active:
                    self._cond.wait()
            rc = _ffi.dxltie_client_free(handle)
            if rc != _ffi.DXLTIE_OK:
                check(rc)
        except BaseException:
            with self._cond:
                self._closing = False
            raise
        with self._cond:
            self._handle = None
        with self._tie_callbacks_lock:
            self._tie_callbacks.clear()
        _native.untrack(self)

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
        bad_events, callback_faults."""
        out = _ffi.dxltie_stats_t()
        with self._use() as handle:
            check(_ffi.dxltie_client_stats(handle, ctypes.byref(out)))
        return {name: getattr(out, name) for name, _ in _ffi.dxltie_stats_t._fields_}

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


def _millis(seconds):
    """Seconds (int or float) as a ``uint32`` of milliseconds, clamped."""
    ms = int(round(float(seconds) * 1000))
    return max(0, min(ms, 0xFFFFFFFF))
