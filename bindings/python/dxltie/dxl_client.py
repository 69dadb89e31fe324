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

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, Optional, Type

from . import _args, _ffi, _native
from ._native import blocking, check
from .exceptions import DxlException

if TYPE_CHECKING:
    from .client_config import DxlClientConfig

__all__ = ["DxlClient"]

logger = logging.getLogger("dxltie")


class DxlClient(object):
    """A client of the DXL fabric, made from a :class:`dxltie.DxlClientConfig`; hand it to
    :class:`dxltie.TieClient` for the TIE requests and events.

    **Example Usage**

        .. code-block:: python

            from dxltie import DxlClient, DxlClientConfig, TieClient

            config = DxlClientConfig.create_dxl_config_from_file("dxlclient.config")
            with DxlClient(config) as client:     # destroy() at the end of the block
                client.connect()
                tie_client = TieClient(client)
                ...

    Nothing is sent before :meth:`connect`. The configuration is copied: changing ``config``
    later does not change this client. After :meth:`connect`, the
    library keeps the connection up by itself (reconnecting with back-off after a loss, and
    subscribing again to the callbacks' topics).

    :param config: the configuration
    :raises DxlTieError: if the library refuses the configuration
    :raises ValueError: if ``config`` has been freed
    """

    #: How long :meth:`connect` waits by default, in seconds.
    DEFAULT_CONNECT_TIMEOUT = 30.0

    def __init__(self, config: DxlClientConfig) -> None:
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
        self._tie_callbacks: Dict[Any, Any] = {}
        self._tie_callbacks_lock = threading.RLock()
        _native.track(self)

    # -- handle use ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _use(self) -> Iterator[Any]:
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

    def __enter__(self) -> DxlClient:
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc_value: Optional[BaseException],
                 trace: Optional[TracebackType]) -> None:
        self.destroy()

    @property
    def config(self) -> DxlClientConfig:
        """The :class:`dxltie.DxlClientConfig` the client was made from (changing it now does not
        change the client)."""
        return self._config

    @property
    def connected(self) -> bool:
        """Whether the client is connected with every subscription confirmed (``False`` while it
        reconnects, and after :meth:`disconnect` or :meth:`destroy`)."""
        with self._cond:
            handle = None if (self._closing or self._forked) else self._handle
            if not handle:
                return False
            return bool(_ffi.dxltie_client_is_connected(handle))

    def connect(self, timeout: Optional[float] = None) -> None:
        """Connects to the fabric: tries the configured brokers (the closest first, probing
        them in parallel as dxlclient does), and returns once one accepted the client and every
        subscription is confirmed. The library then keeps the connection up by itself: after a
        loss it reconnects with back-off (:attr:`dxltie.DxlClientConfig.reconnect_delay` and
        the others) and subscribes again.

        **Example Usage**

            .. code-block:: python

                client.connect()              # waits at most 30 s
                client.connect(timeout=5)     # or less

        On the main thread, Ctrl-C interrupts the wait (``KeyboardInterrupt``).

        :param timeout: the longest wait in seconds (default ``None``: 30); at most
            4 294 967.295
        :raises DxlException: ``"Already connected"`` when the client is connected, as
            dxlclient
        :raises TlsError: (an :class:`ssl.SSLError`) when the certificates cannot be used
            (no PEM certificate or key, a key that does not match) or every broker refused the
            TLS handshake
        :raises DxlTieFileNotFoundError: (a :class:`FileNotFoundError`) when a certificate file
            given to the :class:`dxltie.DxlClientConfig` constructor does not exist
        :raises DxlTieError: when no broker could be reached in time (``DXLTIE_E_CONNECT``; the
            message names every broker tried and why it failed), or the configuration has no
            brokers (``DXLTIE_E_CONFIG``)
        :raises ValueError: for a negative, NaN, infinite or too long ``timeout``
        """
        timeout_ms = _millis(self.DEFAULT_CONNECT_TIMEOUT if timeout is None else timeout, "timeout")
        blocking(self._connect, timeout_ms)

    def _connect(self, timeout_ms: int) -> None:
        with self._use() as handle:
            if _ffi.dxltie_client_is_connected(handle):
                raise DxlException("Already connected")
            check(_ffi.dxltie_client_connect(handle, timeout_ms))

    def disconnect(self) -> None:
        """Disconnects from the fabric and stops reconnecting. Requests waiting for an answer
        fail at once (``DXLTIE_E_NOT_CONNECTED``). Callbacks stay registered: their topics are
        subscribed again at the next :meth:`connect`.

        :raises DxlTieError: if the library fails (e.g. the client was destroyed)
        """
        blocking(self._disconnect)

    def _disconnect(self) -> None:
        with self._use() as handle:
            check(_ffi.dxltie_client_disconnect(handle))

    def destroy(self) -> None:
        """Frees the client: disconnects, stops the library's threads and releases every
        callback. The ``with`` statement, garbage collection and interpreter exit call it too;
        calling it again does nothing.

        It first waits for calls in progress on other threads (a request waiting for its answer
        fails at once). Inside one of this client's callbacks it cannot wait for itself and
        raises :class:`dxltie.DxlTieError` (``DXLTIE_E_WOULD_DEADLOCK``): destroy the client
        from another thread.

        :raises DxlTieError: ``DXLTIE_E_WOULD_DEADLOCK`` inside this client's callback
        """
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

    def _free(self, handle: Any) -> None:
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
            self._handle = None  # type: ignore[assignment]
        self._released()
        check(rc)

    def _released(self) -> None:
        with self._tie_callbacks_lock:
            self._tie_callbacks.clear()
        _native.untrack(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: the client is the parent's (see the module documentation). The
        locks are new, as another thread of the parent may have held them at the fork."""
        self._forked = True
        self._cond = threading.Condition()
        self._active = 0
        self._tie_callbacks_lock = threading.RLock()

    def __del__(self) -> None:
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
    def stats(self) -> Dict[str, Any]:
        """The client's counters since it was made, a new ``dict`` each time:

        * ``received``: messages received from the broker;
        * ``delivered``: events handed to callbacks;
        * ``dropped``: messages dropped by a full queue (``set_queue(..., drop_oldest=True)``);
        * ``undecodable``: messages that were not valid DXL;
        * ``reconnects``: connections made again after a loss;
        * ``bad_events``: TIE events whose JSON could not be decoded or transformed;
        * ``callback_faults``: callbacks that failed (raised, in Python);
        * ``oversized``: messages refused for their size;
        * ``connect_attempts``: connection attempts made;
        * ``cache_hits``, ``cache_misses``, ``cache_coalesced`` (misses that shared a request in
          flight), ``cache_invalidated_by_event``, ``cache_invalidated_by_set``,
          ``cache_expired``, ``cache_evicted``, ``cache_dropped_on_disconnect``,
          ``cache_entries``: the reputation cache's counters
          (:meth:`DxlClientConfig.set_reputation_cache`), 0 without a cache;
        * ``transport``: how the client is connected now, ``DXLTIE_TRANSPORT_*`` of ``dxltie._ffi``:
          0 not connected, 1 MQTT over TLS, 2 MQTT over secure WebSockets, 3 the same through the
          HTTP proxy;
        * ``broker``: the broker connected to (``"id address:port"``, then ``" via proxy
          address:port"``), ``""`` while not connected.

        Example: ``{'received': 12, 'delivered': 12, 'dropped': 0, 'undecodable': 0,
        'reconnects': 0, 'bad_events': 0, 'callback_faults': 0, 'oversized': 0,
        'connect_attempts': 1, 'cache_hits': 0, ..., 'transport': 1, 'broker': '{6e5e...} 10.0.0.5:8883'}``.

        :raises DxlException: after :meth:`destroy`
        """
        out = _ffi.dxltie_stats_t(struct_size=ctypes.sizeof(_ffi.dxltie_stats_t))
        with self._use() as handle:
            check(_ffi.dxltie_client_stats(handle, ctypes.byref(out)))
        stats: Dict[str, Any] = {field[0]: getattr(out, field[0]) for field in _ffi.dxltie_stats_t._fields_
                                 if field[0] != "struct_size"}
        stats["broker"] = stats["broker"].decode("utf-8", "replace")
        return stats

    def set_state_callback(self, callback: Callable[[int], Any]) -> None:
        """Calls ``callback(state)`` on each connection state change: 0 disconnected,
        1 connecting, 2 connected. It runs on the dispatcher thread, like the event callbacks;
        an exception it raises is logged (logger ``dxltie``). Replaces an earlier callback.

        **Example Usage**

            .. code-block:: python

                client.set_state_callback(lambda state: print("state", state))

        :param callback: a callable taking the new state (an ``int``)
        :raises DxlException: after :meth:`destroy`
        """
        key = _native.register(callback)
        try:
            with self._use() as handle:
                check(_ffi.dxltie_client_set_state_callback(
                    handle, _native.state_trampoline, key, _native.free_user_data))
        except BaseException:
            _native.unregister(key)
            raise


def _millis(seconds: float, name: str, minimum: float = 0) -> int:
    """Seconds (int or float, at least ``minimum``) as the ``uint32`` of milliseconds the library
    takes. A value beyond what that holds (about 49.7 days) raises ``ValueError`` rather than
    being clamped, as do NaN, infinity and negative values."""
    return _args.millis(seconds, name, minimum)
