"""``DxlClientConfig`` and ``Broker``, with the entry points of ``dxlclient.client_config``.

A configuration is a ``dxltie_config_t`` handle. ``DxlClient(config)`` copies it, so changing a
configuration afterwards does not change a client already made from it.
"""

import ctypes
import threading

from . import _args, _ffi
from ._native import check, to_bytes
from .exceptions import MalformedBrokerUriException

__all__ = ["DxlClientConfig", "Broker"]


class Broker(object):
    """A broker, as ``dxlclient.broker.Broker(host_name, unique_id=None, ip_address=None,
    port=8883)``."""

    _SSL_PORT = 8883

    def __init__(self, host_name, unique_id=None, ip_address=None, port=_SSL_PORT):
        self.host_name = host_name
        self.unique_id = unique_id
        self.ip_address = ip_address
        self.port = port

    @property
    def port(self):
        """The broker's TCP port, 1 to 65535; anything else raises
        :class:`dxltie.MalformedBrokerUriException` ("Invalid port ..."), as in dxlclient."""
        return self._port

    @port.setter
    def port(self, port):
        try:
            if isinstance(port, (str, bytes)):
                port = int(port)  # "8883", as a configuration file gives it
            self._port = _args.integer(port, "port", 1, 0xFFFF)
        except (TypeError, ValueError) as e:
            raise MalformedBrokerUriException("Invalid port: %s" % e)

    def _to_broker_string(self):
        """The ``dxlclient.config`` form: ``[id;]port;host[;ip]``."""
        parts = []
        if self.unique_id:
            parts.append(self.unique_id)
        parts.extend([str(self.port), self.host_name])
        if self.ip_address:
            parts.append(self.ip_address)
        return ";".join(parts)

    def __eq__(self, other):
        return isinstance(other, Broker) and (self.unique_id, self.host_name, self.ip_address, self.port) == \
            (other.unique_id, other.host_name, other.ip_address, other.port)

    def __hash__(self):
        return hash((self.unique_id, self.host_name, self.ip_address, self.port))

    def __repr__(self):
        return "Broker(%r, unique_id=%r, ip_address=%r, port=%r)" % (
            self.host_name, self.unique_id, self.ip_address, self.port)


class DxlClientConfig(object):
    """The configuration of a :class:`dxltie.DxlClient`.

    Build it from a ``dxlclient.config`` file with :meth:`create_dxl_config_from_file` (read
    exactly as dxlclient reads it: relative certificate paths against the file's folder), or
    from certificate files and brokers with the constructor.

    The tuning properties (``connect_retries``, ``keep_alive_interval``, ``reconnect_*``,
    ``incoming_message_queue_size``) are write-through: setting one changes the handle; reading
    one returns the value last set here, or the library default (which a configuration file does
    not change: the library reads only ``[Certs]``, ``[Brokers]``, ``[BrokersWebSockets]``,
    ``[General] ClientId/UseWebSockets`` and ``[Proxy]`` from it).

    Unlike ``dxlclient``, which stores whatever it is given, each tuning setter checks its value
    and raises ``ValueError`` (naming the property and the accepted range) for a value out of
    range, NaN or infinity, and ``TypeError`` for a value that is not a number; nothing is then
    changed. The ranges: ``connect_retries`` -1 to 2**31-1; ``keep_alive_interval`` 1 to 65535
    seconds (MQTT's 16-bit field); ``reconnect_delay`` and ``reconnect_delay_max`` 0 to
    4 294 967.295 seconds (a ``uint32_t`` of milliseconds), the maximum not below the delay;
    ``reconnect_back_off_multiplier`` 1 to 2**32-1; ``reconnect_delay_random`` 0 to 1;
    ``incoming_message_queue_size`` 1 to ``SIZE_MAX``.
    """

    def __init__(self, broker_ca_bundle, cert_file, private_key, brokers, websocket_brokers=None, **proxy_args):
        if websocket_brokers:
            raise NotImplementedError("libdxltie has no setter for WebSocket brokers; use a configuration file")
        if proxy_args:
            raise NotImplementedError("libdxltie has no setter for a proxy; use a configuration file")
        handle = _ffi.config_p()
        check(_ffi.dxltie_config_new(ctypes.byref(handle)))
        self._init_handle(handle)
        check(_ffi.dxltie_config_set_certificate_files(
            self._handle, to_bytes(broker_ca_bundle, "broker_ca_bundle"), to_bytes(cert_file, "cert_file"),
            to_bytes(private_key, "private_key")))
        for broker in brokers or []:
            self.add_broker(broker)

    def _init_handle(self, handle):
        self._handle = handle
        self._lock = threading.Lock()
        self._connect_retries = -1
        self._keep_alive_interval = 1800
        self._reconnect = [1.0, 2, 60.0, 0.25]
        self._queue = [1000, _ffi.DXLTIE_OVERFLOW_BLOCK]

    @staticmethod
    def create_dxl_config_from_file(dxl_config_file):
        """Reads a ``dxlclient.config`` file. Raises :class:`dxltie.DxlTieError` naming the file,
        section and key when it is unreadable or incomplete."""
        handle = _ffi.config_p()
        check(_ffi.dxltie_config_from_file(to_bytes(dxl_config_file, "dxl_config_file"), ctypes.byref(handle)))
        inst = DxlClientConfig.__new__(DxlClientConfig)
        inst._init_handle(handle)
        return inst

    def __del__(self):
        self._free()

    def _free(self):
        handle = getattr(self, "_handle", None)
        if handle:
            self._handle = None
            _ffi.dxltie_config_free(handle)

    def _live(self):
        if not self._handle:
            raise ValueError("the configuration has been freed")
        return self._handle

    # -- brokers -------------------------------------------------------------------------------

    def add_broker(self, broker):
        """Adds a broker: a :class:`Broker`, a ``dxlclient.config`` line (``id;port;host[;ip]``)
        or a URL (``ssl://host:port``)."""
        line = broker._to_broker_string() if isinstance(broker, Broker) else broker
        with self._lock:
            check(_ffi.dxltie_config_add_broker(self._live(), to_bytes(line, "broker")))

    @property
    def brokers(self):
        """The brokers the client will use (the WebSocket list when ``use_websockets``)."""
        with self._lock:
            count = ctypes.c_size_t()
            check(_ffi.dxltie_config_broker_count(self._live(), ctypes.byref(count)))
            out = []
            for i in range(count.value):
                b = _ffi.dxltie_broker_t(struct_size=ctypes.sizeof(_ffi.dxltie_broker_t))
                check(_ffi.dxltie_config_broker(self._handle, i, ctypes.byref(b)))
                out.append(Broker(b.host_name.decode("utf-8"), unique_id=(b.unique_id or b"").decode("utf-8") or None,
                                  ip_address=b.ip_address.decode("utf-8") if b.ip_address else None, port=b.port))
            return out

    @property
    def use_websockets(self):
        """Whether the client will use the WebSocket broker list."""
        return bool(_ffi.dxltie_config_use_websockets(self._live()))

    # -- identity and certificates ----------------------------------------------------------

    @property
    def client_id(self):
        """The MQTT client id (``{uuid}`` unless the file or a setter chose one)."""
        raw = _ffi.dxltie_config_client_id(self._live())
        return raw.decode("utf-8") if raw is not None else None

    @client_id.setter
    def client_id(self, client_id):
        check(_ffi.dxltie_config_set_client_id(self._live(), to_bytes(client_id, "client_id")))

    def set_certificate_pems(self, broker_ca_pem, cert_pem, private_key_pem):
        """Uses PEM text from memory instead of the certificate files."""
        check(_ffi.dxltie_config_set_certificate_pems(
            self._live(), to_bytes(broker_ca_pem), to_bytes(cert_pem), to_bytes(private_key_pem)))

    # -- tuning -------------------------------------------------------------------------------

    @property
    def connect_retries(self):
        """Passes over the broker list ``connect()`` makes before failing; -1: until its timeout."""
        return self._connect_retries

    @connect_retries.setter
    def connect_retries(self, connect_retries):
        retries = _args.integer(connect_retries, "connect_retries", -1, _args.INT32_MAX)
        check(_ffi.dxltie_config_set_connect_retries(self._live(), retries))
        self._connect_retries = retries

    @property
    def keep_alive_interval(self):
        """The MQTT keep-alive interval in seconds (default 1800)."""
        return self._keep_alive_interval

    @keep_alive_interval.setter
    def keep_alive_interval(self, seconds):
        # MQTT carries the keep-alive in a 16-bit field.
        seconds = _args.integer(seconds, "keep_alive_interval", 1, 0xFFFF, "seconds")
        check(_ffi.dxltie_config_set_keep_alive(self._live(), seconds))
        self._keep_alive_interval = seconds

    def _set_back_off(self, index, value):
        values = list(self._reconnect)
        values[index] = value
        delay, multiplier, delay_max, jitter = values
        if delay_max < delay:
            raise ValueError("reconnect_delay_max (%r seconds) must not be less than reconnect_delay (%r seconds)"
                             % (delay_max, delay))
        check(_ffi.dxltie_config_set_reconnect_back_off(
            self._live(), _args.millis(delay, "reconnect_delay"), multiplier, _args.millis(delay_max, "reconnect_delay_max"),
            jitter))
        self._reconnect = values

    @property
    def reconnect_delay(self):
        """The first delay between reconnect attempts, in seconds (default 1)."""
        return self._reconnect[0]

    @reconnect_delay.setter
    def reconnect_delay(self, seconds):
        self._set_back_off(0, _args.real(seconds, "reconnect_delay", 0, _args.MAX_TIMEOUT_SECONDS, "seconds"))

    @property
    def reconnect_back_off_multiplier(self):
        """The factor applied to the delay after each failed attempt (default 2)."""
        return self._reconnect[1]

    @reconnect_back_off_multiplier.setter
    def reconnect_back_off_multiplier(self, multiplier):
        self._set_back_off(1, _args.integer(multiplier, "reconnect_back_off_multiplier", 1, _args.UINT32_MAX))

    @property
    def reconnect_delay_max(self):
        """The largest delay between reconnect attempts, in seconds (default 60)."""
        return self._reconnect[2]

    @reconnect_delay_max.setter
    def reconnect_delay_max(self, seconds):
        self._set_back_off(2, _args.real(seconds, "reconnect_delay_max", 0, _args.MAX_TIMEOUT_SECONDS, "seconds"))

    @property
    def reconnect_delay_random(self):
        """The random fraction added to each delay (default 0.25)."""
        return self._reconnect[3]

    @reconnect_delay_random.setter
    def reconnect_delay_random(self, fraction):
        self._set_back_off(3, _args.real(fraction, "reconnect_delay_random", 0, 1))

    @property
    def incoming_message_queue_size(self):
        """The capacity of the queue between the network thread and the dispatcher (1000)."""
        return self._queue[0]

    @incoming_message_queue_size.setter
    def incoming_message_queue_size(self, size):
        size = _args.integer(size, "incoming_message_queue_size", 1, _args.SIZE_MAX)
        check(_ffi.dxltie_config_set_queue(self._live(), size, self._queue[1]))
        self._queue[0] = size

    def set_queue(self, capacity, drop_oldest=False):
        """Sets the dispatcher queue capacity (1 to ``SIZE_MAX``) and its overflow policy
        (block, or drop the oldest)."""
        capacity = _args.integer(capacity, "capacity", 1, _args.SIZE_MAX)
        policy = _ffi.DXLTIE_OVERFLOW_DROP_OLDEST if drop_oldest else _ffi.DXLTIE_OVERFLOW_BLOCK
        check(_ffi.dxltie_config_set_queue(self._live(), capacity, policy))
        self._queue = [capacity, policy]
