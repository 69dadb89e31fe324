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
import json
import logging
import os
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Tuple, Type

from . import _args, _ffi, _native
from ._native import blocking, check, take_string
from .client_config import Broker
from .exceptions import DxlException, DxlTieError
from .message import Event, Message, Request, Response
from .service import ServiceRegistrationInfo

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
        # Bumped at every add and remove of a TIE callback: a batch being delivered sees it.
        self._tie_generation = 0
        # DXL callback registrations: (kind, topic, id(callback object)) -> [library ids]
        self._dxl_callbacks: Dict[Any, List[int]] = {}
        self._dxl_lock = threading.Lock()
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
        if not _ffi.dxltie_client_may_free_here(handle):
            # Inside one of this client's callbacks (or the log callback): the library refuses
            # the free (DXLTIE_E_WOULD_DEADLOCK, raised by _free) and frees nothing. Refused
            # before waiting for the calls in progress, since one of them may be waiting for this
            # very callback (another thread removing it): each would wait for the other.
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
        with self._dxl_lock:
            self._dxl_callbacks.clear()
        _native.untrack(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: the client is the parent's (see the module documentation). The
        locks are new, as another thread of the parent may have held them at the fork."""
        self._forked = True
        self._cond = threading.Condition()
        self._active = 0
        self._tie_callbacks_lock = threading.RLock()
        self._dxl_lock = threading.Lock()

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

    # -- the DXL layer: subscriptions, events, requests, services ------------------------------

    @property
    def current_broker(self) -> Optional[Broker]:
        """The :class:`dxltie.Broker` the client is connected to, ``None`` while it is not
        connected."""
        out = ctypes.c_void_p()
        with self._cond:
            handle = None if (self._closing or self._forked) else self._handle
            if not handle:
                return None
            rc = _ffi.dxltie_dxl_current_broker(handle, ctypes.byref(out))
        if rc == _ffi.DXLTIE_E_NOT_CONNECTED:
            return None
        check(rc)
        data = json.loads(take_string(out) or "{}")
        return Broker(data["host_name"], data["unique_id"] or None, data["ip_address"], data["port"])

    @property
    def subscriptions(self) -> Tuple[str, ...]:
        """The topics the client subscribes to (at every connect), as a ``tuple``; the client's
        own reply topic is not listed."""
        out = ctypes.c_void_p()
        with self._use() as handle:
            check(_ffi.dxltie_dxl_subscriptions(handle, ctypes.byref(out)))
        return tuple(json.loads(take_string(out) or "[]"))

    def subscribe(self, topic: str) -> None:
        """Subscribes to ``topic`` (a ``/#`` suffix for a subtree): now, waiting for the broker's
        acknowledgement, when connected, and at every connect.

        :param topic: the topic
        :raises ValueError: for an empty topic
        """
        blocking(self._call, _ffi.dxltie_dxl_subscribe, _topic(topic, "topic"))

    def unsubscribe(self, topic: str) -> None:
        """Unsubscribes from ``topic``; its callbacks stay registered.

        :param topic: the topic
        """
        blocking(self._call, _ffi.dxltie_dxl_unsubscribe, _topic(topic, "topic"))

    def _call(self, function: Any, *args: Any) -> None:
        with self._use() as handle:
            check(function(handle, *args))

    def send_event(self, event: Event) -> None:
        """Sends a DXL event.

        **Example Usage**

            .. code-block:: python

                event = Event("/mycompany/events/sample")
                event.payload = "hello"
                client.send_event(event)

        :param event: the :class:`dxltie.message.Event`
        :raises DxlTieError: ``DXLTIE_E_NOT_CONNECTED`` while not connected
        :raises ValueError: for an event without a topic or over the size limit
        """
        native, keep = event._to_native()
        with self._use() as handle:
            check(_ffi.dxltie_dxl_send_event(handle, ctypes.byref(native)))
        del keep

    def send_response(self, response: Response) -> None:
        """Sends a :class:`dxltie.message.Response` or :class:`dxltie.message.ErrorResponse`
        (made from the request it answers).

        :param response: the response
        :raises DxlTieError: ``DXLTIE_E_NOT_CONNECTED`` while not connected
        """
        native, keep = response._to_native()
        with self._use() as handle:
            check(_ffi.dxltie_dxl_send_response(handle, ctypes.byref(native)))
        del keep

    def sync_request(self, request: Request, timeout: float = 3600) -> Response:
        """Sends a request to a service and waits for its answer: a
        :class:`dxltie.message.Response`, or an :class:`dxltie.message.ErrorResponse` (returned,
        not raised, as in dxlclient; the fabric answers ``error_code`` ``-2147483647``,
        0x80000001, when no service serves the topic). Unlike dxlclient, it may be called inside
        a callback.

        **Example Usage**

            .. code-block:: python

                request = Request("/mycompany/echo/request")
                request.payload = "ping"
                response = client.sync_request(request, timeout=10)
                if isinstance(response, ErrorResponse):
                    print(response.error_code, response.error_message)

        :param request: the :class:`dxltie.message.Request`
        :param timeout: the longest wait in seconds (default one hour)
        :return: the response
        :raises WaitTimeoutException: when no answer came in time
        :raises DxlTieError: ``DXLTIE_E_NOT_CONNECTED`` while not connected
        """
        timeout_ms = _millis(timeout, "timeout", 0.001)
        native, keep = request._to_native()
        answer = blocking(self._sync_request, native, timeout_ms)
        del keep
        answer._request = request
        return answer  # type: ignore[no-any-return]

    def _sync_request(self, native: Any, timeout_ms: int) -> Any:
        out = ctypes.POINTER(_ffi.dxltie_dxl_message_t)()
        with self._use() as handle:
            rc = _ffi.dxltie_dxl_sync_request(handle, ctypes.byref(native), timeout_ms, ctypes.byref(out))
            if rc in (_ffi.DXLTIE_OK, _ffi.DXLTIE_E_SERVICE_ERROR) and out:
                try:
                    return Message._from_native(out.contents)
                finally:
                    _ffi.dxltie_dxl_message_free(out)
            check(rc)
        raise DxlException("no response")  # pragma: no cover - check() raised

    #: How long an asynchronous request waits for its answer (dxlclient waits without limit;
    #: the library never keeps a request for ever).
    ASYNC_REQUEST_TIMEOUT = 3600.0

    def async_request(self, request: Request, response_callback: Any = None) -> None:
        """Sends a request and returns at once; ``response_callback`` (a
        :class:`dxltie.callbacks.ResponseCallback`, optional) gets the
        :class:`dxltie.message.Response` or :class:`dxltie.message.ErrorResponse` on the
        dispatcher thread. An answer that has not come within :attr:`ASYNC_REQUEST_TIMEOUT`
        seconds is given up (logged, the callback is not called).

        :param request: the :class:`dxltie.message.Request`
        :param response_callback: the callback, or ``None``
        :raises DxlTieError: ``DXLTIE_E_NOT_CONNECTED`` while not connected
        """
        def deliver(status: int, error: Optional[str], view: Any) -> None:
            if view is None:
                logger.debug("asynchronous request %s: %s", request.message_id, error)
                return
            response = Message._from_native(view)
            response._request = request
            if response_callback is not None:
                _call_back(response_callback, "on_response", response)

        native, keep = request._to_native()
        key = _native.register(deliver)
        try:
            with self._use() as handle:
                check(_ffi.dxltie_dxl_async_request(
                    handle, ctypes.byref(native), _millis(self.ASYNC_REQUEST_TIMEOUT, "timeout"),
                    _native.dxl_response_trampoline, key, _native.free_user_data))
        except BaseException:
            _native.unregister(key)
            raise
        del keep

    def _add(self, kind: str, topic: Optional[str], callback: Any, method: str, subscribe: bool = False) -> None:
        if callback is None:
            raise ValueError("Callback must not be None")

        def deliver(view: Any) -> None:
            _call_back(callback, method, Message._from_native(view))

        key = _native.register(deliver)
        out = ctypes.c_uint64()
        topic_bytes = None if topic is None else topic.encode("utf-8")
        try:
            with self._use() as handle:
                if kind == "event":
                    rc = _ffi.dxltie_dxl_add_event_callback(
                        handle, topic_bytes, subscribe and topic is not None, _native.dxl_message_trampoline,
                        key, _native.free_user_data, ctypes.byref(out))
                else:
                    add = (_ffi.dxltie_dxl_add_request_callback if kind == "request"
                           else _ffi.dxltie_dxl_add_response_callback)
                    rc = add(handle, topic_bytes, _native.dxl_message_trampoline, key, _native.free_user_data,
                             ctypes.byref(out))
                check(rc)
        except BaseException:
            _native.unregister(key)
            raise
        with self._dxl_lock:
            self._dxl_callbacks.setdefault((kind, topic or "", id(callback)), []).append(out.value)

    def _remove(self, kind: str, topic: Optional[str], callback: Any, unsubscribe: bool = False) -> None:
        with self._dxl_lock:
            ids = self._dxl_callbacks.get((kind, topic or "", id(callback)))
            if not ids:
                return  # as dxlclient: removing what is not registered does nothing
            native_id = ids.pop()
            if not ids:
                del self._dxl_callbacks[(kind, topic or "", id(callback))]
        blocking(self._call, _ffi.dxltie_dxl_remove_callback, native_id, unsubscribe and topic is not None)

    def add_event_callback(self, topic: Optional[str], event_callback: Any, subscribe_to_topic: bool = True) -> None:
        """Calls ``event_callback.on_event(event)`` (a :class:`dxltie.callbacks.EventCallback`)
        for each DXL event on ``topic``: ``None`` for every event the client receives, a
        ``/#`` suffix for a subtree. By default the client also subscribes to ``topic``.

        **Example Usage**

            .. code-block:: python

                class PrintEvents(EventCallback):
                    def on_event(self, event):
                        print(event.payload.decode())

                client.add_event_callback("/mycompany/events/#", PrintEvents())

        :param topic: the topic, or ``None``
        :param event_callback: the callback
        :param subscribe_to_topic: whether to subscribe to ``topic`` too
        """
        self._add("event", topic, event_callback, "on_event", subscribe_to_topic)

    def remove_event_callback(self, topic: Optional[str], event_callback: Any,
                              unsubscribe_from_topic: bool = True) -> None:
        """Removes a callback added with :meth:`add_event_callback` (the same arguments). The
        topic is unsubscribed only when no other callback uses it (dxlclient unsubscribes even
        then, silencing the others).

        :param topic: the topic it was added for
        :param event_callback: the callback
        :param unsubscribe_from_topic: whether to unsubscribe when it was the topic's last callback
        """
        self._remove("event", topic, event_callback, unsubscribe_from_topic)

    def add_request_callback(self, topic: Optional[str], request_callback: Any) -> None:
        """Calls ``request_callback.on_request(request)`` (a
        :class:`dxltie.callbacks.RequestCallback`) for each request on ``topic`` (``None``: all).
        The topic is not subscribed (a service registration does that).

        :param topic: the topic, or ``None``
        :param request_callback: the callback
        """
        self._add("request", topic, request_callback, "on_request")

    def remove_request_callback(self, topic: Optional[str], request_callback: Any) -> None:
        """Removes a callback added with :meth:`add_request_callback`.

        :param topic: the topic it was added for
        :param request_callback: the callback
        """
        self._remove("request", topic, request_callback)

    def add_response_callback(self, topic: Optional[str], response_callback: Any) -> None:
        """Calls ``response_callback.on_response(response)`` (a
        :class:`dxltie.callbacks.ResponseCallback`) for each response on ``topic`` (``None``:
        all).

        :param topic: the topic, or ``None``
        :param response_callback: the callback
        """
        self._add("response", topic, response_callback, "on_response")

    def remove_response_callback(self, topic: Optional[str], response_callback: Any) -> None:
        """Removes a callback added with :meth:`add_response_callback`.

        :param topic: the topic it was added for
        :param response_callback: the callback
        """
        self._remove("response", topic, response_callback)

    def register_service_async(self, service_reg_info: ServiceRegistrationInfo) -> None:
        """Registers a service and returns at once: its topics are subscribed, their requests go
        to its callbacks, and the registration is sent to the fabric's registry now (when
        connected), at every connect and after every TTL.

        :param service_reg_info: the :class:`dxltie.service.ServiceRegistrationInfo`
        :raises ValueError: for a service without topics, or one already registered
        """
        info = service_reg_info
        topics = list(info.topics)
        if not topics:
            raise ValueError("The service has no topics: add them with add_topic first")

        def deliver(view: Any) -> None:
            request = Message._from_native(view)
            for callback in info._callbacks_for(request.destination_topic):
                _call_back(callback, "on_request", request)

        keep: list[Any] = []

        def strings(values: List[str]) -> Any:
            array = (ctypes.c_char_p * len(values))(*[v.encode("utf-8") for v in values])
            keep.append(array)
            return array

        native = _ffi.dxltie_dxl_service_t(struct_size=ctypes.sizeof(_ffi.dxltie_dxl_service_t))
        native.service_type = info.service_type.encode("utf-8")
        native.service_id = info.service_id.encode("utf-8")
        native.topics = strings(topics)
        native.topic_count = len(topics)
        if info.metadata:
            items = list(info.metadata.items())
            fields = (_ffi.dxltie_dxl_field_t * len(items))(
                *[_ffi.dxltie_dxl_field_t(str(k).encode("utf-8"), str(v).encode("utf-8")) for k, v in items])
            keep.append(fields)
            native.metadata = fields
            native.metadata_count = len(items)
        native.ttl_minutes = int(info.ttl)
        if info.destination_tenant_guids:
            native.destination_tenant_guids = strings(info.destination_tenant_guids)
            native.destination_tenant_guid_count = len(info.destination_tenant_guids)
        key = _native.register(deliver)
        try:
            with self._use() as handle:
                check(_ffi.dxltie_dxl_register_service(
                    handle, ctypes.byref(native), _native.dxl_message_trampoline, key, _native.free_user_data, None))
        except BaseException:
            _native.unregister(key)
            raise
        del keep

    def register_service_sync(self, service_req_info: ServiceRegistrationInfo, timeout: float) -> None:
        """Registers a service (as :meth:`register_service_async`) and waits until the fabric's
        registry has acknowledged it. A plain MQTT broker has no registry: use
        :meth:`register_service_async` there.

        :param service_req_info: the :class:`dxltie.service.ServiceRegistrationInfo`
        :param timeout: the longest wait in seconds
        :raises DxlException: while not connected
        :raises WaitTimeoutException: when no acknowledgement came in time (the service stays
            registered)
        """
        if not self.connected:
            raise DxlException("Client is not currently connected")
        timeout_ms = _millis(timeout, "timeout", 0.001)
        self.register_service_async(service_req_info)
        blocking(self._call, _ffi.dxltie_dxl_wait_service_registered,
                 service_req_info.service_id.encode("utf-8"), timeout_ms)

    def unregister_service_async(self, service_reg_info: ServiceRegistrationInfo) -> None:
        """Unregisters a service without waiting for the registry (which is told when
        connected). A call of the service's handler running on the library's thread is waited
        for, unless this is called from one of this client's callbacks; the handler is not
        called again afterwards.

        :param service_reg_info: the :class:`dxltie.service.ServiceRegistrationInfo`
        :raises DxlException: for a service this client has not registered
        """
        self._unregister(service_reg_info, 0)

    def unregister_service_sync(self, service_req_info: ServiceRegistrationInfo, timeout: float) -> None:
        """Unregisters a service and waits until the fabric's registry has acknowledged it.

        :param service_req_info: the :class:`dxltie.service.ServiceRegistrationInfo`
        :param timeout: the longest wait in seconds
        :raises DxlException: while not connected, or for a service not registered
        :raises WaitTimeoutException: when no acknowledgement came in time (the service is
            unregistered locally all the same)
        """
        if not self.connected:
            raise DxlException("Client is not currently connected")
        if not service_req_info:
            raise ValueError("Undefined service object")
        self._unregister(service_req_info, _millis(timeout, "timeout", 0.001))

    def _unregister(self, info: ServiceRegistrationInfo, timeout_ms: int) -> None:
        try:
            blocking(self._call, _ffi.dxltie_dxl_unregister_service, info.service_id.encode("utf-8"), timeout_ms)
        except DxlTieError as e:
            if e.code == _ffi.DXLTIE_E_NOT_FOUND:
                raise DxlException("Service %s is not registered on this client" % info.service_id)
            raise


def _topic(topic: str, name: str) -> bytes:
    if not topic:
        raise ValueError("%s must be a non-empty string" % name)
    return topic.encode("utf-8")


def _call_back(callback: Any, method: str, message: Any) -> None:
    """Calls ``callback.<method>(message)``, or ``callback(message)`` for a plain callable."""
    target = getattr(callback, method, None)
    if target is None:
        target = callback
    target(message)


def _millis(seconds: float, name: str, minimum: float = 0) -> int:
    """Seconds (int or float, at least ``minimum``) as the ``uint32`` of milliseconds the library
    takes. A value beyond what that holds (about 49.7 days) raises ``ValueError`` rather than
    being clamped, as do NaN, infinity and negative values."""
    return _args.millis(seconds, name, minimum)
