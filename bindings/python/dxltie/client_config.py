"""``DxlClientConfig`` and ``Broker``, with the entry points of ``dxlclient.client_config``.

A configuration is a ``dxltie_config_t`` handle. ``DxlClient(config)`` copies it, so changing a
configuration afterwards does not change a client already made from it.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Iterable, List, Optional, Tuple, Union

from . import _args, _ffi
from ._native import check, to_bytes
from .exceptions import InvalidProxyConfigurationError, MalformedBrokerUriException

__all__ = ["DxlClientConfig", "Broker"]


class Broker(object):
    """A DXL broker to connect to, as ``dxlclient.broker.Broker``.

    **Example Usage**

        .. code-block:: python

            broker = Broker("dxl1.example.com", unique_id="{6e5e0c1b-...}", ip_address="10.0.0.5", port=8883)
            config = DxlClientConfig("ca-bundle.crt", "client.crt", "client.key", [broker])

    When both are given, the client tries the host name and the IP address (in parallel, the
    first to connect wins), as the reference does.

    :param host_name: the broker's host name (or an IP address)
    :param unique_id: the broker's id, ``{guid}`` as the ePO-provisioned config names it
        (optional)
    :param ip_address: the broker's IP address (optional)
    :param port: the broker's TCP port (default 8883, DXL over MQTT/TLS)
    :raises MalformedBrokerUriException: (a :class:`ValueError`) for a port outside 1 to 65535
    """

    _SSL_PORT = 8883

    def __init__(self, host_name: str, unique_id: Optional[str] = None, ip_address: Optional[str] = None,
                 port: Union[int, str] = _SSL_PORT) -> None:
        self.host_name = host_name
        self.unique_id = unique_id
        self.ip_address = ip_address
        self.port = port

    @property
    def port(self) -> int:
        """The broker's TCP port, 1 to 65535. Setting it also accepts the port as text
        (``"8883"``, as a configuration file gives it); anything else raises
        :class:`dxltie.MalformedBrokerUriException` (``"Invalid port ..."``), as in dxlclient."""
        return self._port

    @port.setter
    def port(self, port: Union[int, str]) -> None:
        try:
            if isinstance(port, (str, bytes)):
                port = int(port)  # "8883", as a configuration file gives it
            self._port = _args.integer(port, "port", 1, 0xFFFF)
        except (TypeError, ValueError) as e:
            raise MalformedBrokerUriException("Invalid port: %s" % e)

    def _to_broker_string(self) -> str:
        """The ``dxlclient.config`` form: ``[id;]port;host[;ip]``."""
        parts = []
        if self.unique_id:
            parts.append(self.unique_id)
        parts.extend([str(self.port), self.host_name])
        if self.ip_address:
            parts.append(self.ip_address)
        return ";".join(parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Broker) and (self.unique_id, self.host_name, self.ip_address, self.port) == \
            (other.unique_id, other.host_name, other.ip_address, other.port)

    def __hash__(self) -> int:
        return hash((self.unique_id, self.host_name, self.ip_address, self.port))

    def __repr__(self) -> str:
        return "Broker(%r, unique_id=%r, ip_address=%r, port=%r)" % (
            self.host_name, self.unique_id, self.ip_address, self.port)


class DxlClientConfig(object):
    """The configuration of a :class:`dxltie.DxlClient`: the certificates that authenticate it
    and the broker it trusts, the brokers to connect to, and the connection tuning.

    Build it from a ``dxlclient.config`` file with :meth:`create_dxl_config_from_file` (read
    exactly as dxlclient reads it: relative certificate paths against the file's folder), or
    from certificate files and brokers with the constructor.

    **Example Usage**

        .. code-block:: python

            config = DxlClientConfig.create_dxl_config_from_file("/etc/agent/dxlclient.config")

            # or, from the parts:
            config = DxlClientConfig(
                broker_ca_bundle="/etc/agent/ca-bundle.crt",
                cert_file="/etc/agent/client.crt",
                private_key="/etc/agent/client.key",
                brokers=[Broker("dxl1.example.com", port=8883), "ssl://dxl2.example.com:8883"])
            config.connect_retries = 3

    With the constructor, the certificate files are read at :meth:`dxltie.DxlClient.connect`
    (a missing one then raises :class:`dxltie.DxlTieFileNotFoundError`, a
    :class:`FileNotFoundError`); with a file, when it is loaded.

    :param broker_ca_bundle: the CA certificates (PEM) that the brokers' certificates must chain to
    :param cert_file: the client's certificate (PEM)
    :param private_key: the client's private key (PEM, unencrypted)
    :param brokers: the brokers: :class:`Broker` objects, ``dxlclient.config`` lines
        (``"[id;]port;host[;ip]"``) or URLs (``"ssl://host:port"``)
    :param websocket_brokers: the brokers of the WebSocket list (``[BrokersWebSockets]``), used
        when :attr:`use_websockets` is set: as ``brokers`` (URLs may be ``"wss://host:port"``)
    :param proxy_args: the HTTP proxy of WebSocket connections, as ``dxlclient`` takes it:
        ``proxy_addr``, ``proxy_port``, ``proxy_username``, ``proxy_password`` (``[Proxy]``)
    :raises ValueError: for a broker the library refuses (a bad line or URL)
    :raises TypeError: for a path that is not text or bytes

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

    def __init__(self, broker_ca_bundle: str, cert_file: str, private_key: str,
                 brokers: Optional[Iterable[Union[Broker, str]]], websocket_brokers: Optional[Iterable[Any]] = None,
                 **proxy_args: Any) -> None:
        unknown = set(proxy_args) - {"proxy_addr", "proxy_port", "proxy_username", "proxy_password"}
        if unknown:
            raise TypeError("unknown proxy arguments: %s" % ", ".join(sorted(unknown)))
        handle = _ffi.config_p()
        check(_ffi.dxltie_config_new(ctypes.byref(handle)))
        self._init_handle(handle)
        check(_ffi.dxltie_config_set_certificate_files(
            self._handle, to_bytes(broker_ca_bundle, "broker_ca_bundle"), to_bytes(cert_file, "cert_file"),
            to_bytes(private_key, "private_key")))
        for broker in brokers or []:
            self.add_broker(broker)
        for broker in websocket_brokers or []:
            self.add_websocket_broker(broker)
        self._apply_proxy([proxy_args.get("proxy_addr"), proxy_args.get("proxy_port"),
                           proxy_args.get("proxy_username"), proxy_args.get("proxy_password")])

    def _init_handle(self, handle: Any) -> None:
        self._handle = handle
        self._lock = threading.Lock()
        self._connect_retries = -1
        self._keep_alive_interval = 1800
        #: reconnect_delay, reconnect_back_off_multiplier, reconnect_delay_max, reconnect_delay_random
        self._reconnect: List[Any] = [1.0, 2, 60.0, 0.25]
        self._queue = [1000, _ffi.DXLTIE_OVERFLOW_BLOCK]
        self._reputation_cache = (0, 0)
        self._busy_poll_us = 0
        #: proxy_addr, proxy_port, proxy_username, proxy_password as set here
        self._proxy: List[Any] = [None, None, None, None]

    @staticmethod
    def create_dxl_config_from_file(dxl_config_file: str) -> DxlClientConfig:
        """Reads a ``dxlclient.config`` file, as ``dxlclient`` (and ``python -m dxlclient
        provisionconfig``) writes it.

        **Example Usage**

            .. code-block:: python

                config = DxlClientConfig.create_dxl_config_from_file("/etc/agent/dxlclient.config")

        A file such as:

            .. code-block:: ini

                [General]
                # optional: ClientId (else a new {uuid}), UseWebSockets
                ClientId = {0f2c64c9-...}

                [Certs]
                # relative paths are taken against this file's folder
                BrokerCertChain = ca-bundle.crt
                CertFile = client.crt
                PrivateKey = client.key

                [Brokers]
                {6e5e0c1b-...} = {6e5e0c1b-...};8883;dxl1.example.com;10.0.0.5

        Read: ``[Certs]`` (each file must exist), ``[Brokers]``, ``[BrokersWebSockets]``,
        ``[General] ClientId`` and ``UseWebSockets``, and ``[Proxy]``; the tuning properties
        keep the library defaults.

        :param dxl_config_file: the path of the configuration file
        :return: the configuration
        :raises DxlTieFileNotFoundError: (a :class:`FileNotFoundError`) if the file, or a
            certificate file it names, does not exist; ``filename`` is that file
        :raises DxlTieIsADirectoryError: (an :class:`IsADirectoryError`) if one of them is a
            directory
        :raises DxlTieOSError: (an :class:`OSError`) if the file cannot be read otherwise
        :raises ConfigError: (a :class:`ValueError`) if ``[Certs]`` or one of its settings is
            missing, or another setting is malformed; ``section`` and ``key`` say where
        :raises BrokerListError: for a ``[Brokers]`` or ``[BrokersWebSockets]`` line that is
            not ``[id;]port;host[;ip]``
        :raises InvalidProxyConfigurationError: for a bad ``[Proxy]`` port
        :raises ConfigSyntaxError: (a :class:`SyntaxError`) for a file that is not INI text
        """
        handle = _ffi.config_p()
        check(_ffi.dxltie_config_from_file(to_bytes(dxl_config_file, "dxl_config_file"), ctypes.byref(handle)))
        inst = DxlClientConfig.__new__(DxlClientConfig)
        inst._init_handle(handle)
        return inst

    def __del__(self) -> None:
        self._free()

    def _free(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle:
            self._handle = None
            _ffi.dxltie_config_free(handle)

    def _live(self) -> Any:
        if not self._handle:
            raise ValueError("the configuration has been freed")
        return self._handle

    # -- brokers -------------------------------------------------------------------------------

    def add_broker(self, broker: Union[Broker, str]) -> None:
        """Adds a broker to the list the client connects to.

        **Example Usage**

            .. code-block:: python

                config.add_broker(Broker("dxl3.example.com", port=8883))
                config.add_broker("{guid};8883;dxl4.example.com;10.0.0.7")   # a dxlclient.config line
                config.add_broker("ssl://dxl5.example.com:8883")            # a URL

        :param broker: a :class:`Broker`, a ``dxlclient.config`` line (``[id;]port;host[;ip]``)
            or a URL (``ssl://host:port``)
        :raises ValueError: for a line or URL the library cannot parse
        :raises MalformedBrokerUriException: for a :class:`Broker` with a bad port
        """
        line = broker._to_broker_string() if isinstance(broker, Broker) else broker
        with self._lock:
            check(_ffi.dxltie_config_add_broker(self._live(), to_bytes(line, "broker")))

    @property
    def brokers(self) -> List[Broker]:
        """The brokers the client will try, as :class:`Broker` objects (a new list each time:
        use :meth:`add_broker` to add one). The WebSocket list when :attr:`use_websockets`."""
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

    def add_websocket_broker(self, broker: Union[Broker, str]) -> None:
        """Adds a broker to the WebSocket list (``[BrokersWebSockets]``), used when
        :attr:`use_websockets` is set; as :meth:`add_broker` (a URL may be ``wss://host:port``).

        :param broker: a :class:`Broker`, a ``dxlclient.config`` line (``[id;]port;host[;ip]``)
            or a URL (``wss://host:port``)
        :raises ValueError: for a line or URL the library cannot parse
        """
        line = broker._to_broker_string() if isinstance(broker, Broker) else broker
        with self._lock:
            check(_ffi.dxltie_config_add_websocket_broker(self._live(), to_bytes(line, "broker")))

    @property
    def use_websockets(self) -> bool:
        """Whether the client speaks MQTT over secure WebSockets (path ``/mqtt``) to the
        WebSocket broker list, rather than MQTT over TLS to :attr:`brokers` (``[General]
        UseWebSockets``, or only WebSocket brokers configured). Both use the same certificates."""
        return bool(_ffi.dxltie_config_use_websockets(self._live()))

    @use_websockets.setter
    def use_websockets(self, use_websockets: bool) -> None:
        with self._lock:
            check(_ffi.dxltie_config_set_use_websockets(self._live(), bool(use_websockets)))

    # -- HTTP proxy (WebSockets only) ----------------------------------------------------------

    def set_proxy(self, address: Optional[str], port: Optional[int] = None, username: Optional[str] = None,
                  password: Optional[str] = None) -> None:
        """Sets the HTTP proxy that WebSocket connections go through (HTTP CONNECT, Basic
        credentials when ``username`` is given), as ``[Proxy]`` does; ``address`` None removes
        it. The password is sent only to the proxy, never logged nor put in an error message.

        **Example Usage**

            .. code-block:: python

                config.use_websockets = True
                config.add_websocket_broker("wss://dxl1.example.com:443")
                config.set_proxy("proxy.example.com", 3128, "agent", "secret")

        :param address: the proxy's host name or address, or ``None`` for no proxy
        :param port: its port, 1 to 65535
        :param username: the user of Basic authentication, or ``None`` for none
        :param password: its password
        :raises InvalidProxyConfigurationError: for an empty address or a port outside 1 to 65535
        """
        self._apply_proxy([address, port, username, password])

    def _apply_proxy(self, proxy: List[Any]) -> None:
        """Sets ``proxy`` (address, port, username, password) in the handle, then here: a
        refused value changes nothing."""
        address, port, username, password = proxy
        if address is None or port is None:
            with self._lock:
                check(_ffi.dxltie_config_set_proxy(self._live(), None, 0, None, None))
            self._proxy = list(proxy)
            return
        try:
            if isinstance(port, str) and port.strip().isdigit():
                port = int(port)  # as a configuration file gives it
            port = _args.integer(port, "proxy_port", 1, 0xFFFF, "")
            if not str(address).strip():
                raise ValueError("proxy_addr is empty")
        except (TypeError, ValueError) as e:
            raise InvalidProxyConfigurationError(str(e)) from None
        with self._lock:
            check(_ffi.dxltie_config_set_proxy(
                self._live(), to_bytes(address, "proxy_addr"), port,
                to_bytes(username, "proxy_username") if username is not None else None,
                to_bytes(password, "proxy_password") if password is not None else None))
        self._proxy = list(proxy)

    @property
    def proxy_addr(self) -> Any:
        """The proxy's address as set here (``dxlclient``'s property), or ``None``; a
        configuration file's ``[Proxy]`` is used but not read back. Setting it applies the proxy
        once both address and port are set."""
        return self._proxy[0]

    @proxy_addr.setter
    def proxy_addr(self, value: Any) -> None:
        proxy = list(self._proxy)
        proxy[0] = value
        self._apply_proxy(proxy)

    @property
    def proxy_port(self) -> Any:
        """The proxy's port as set here (``dxlclient``'s property), or ``None``; a
        configuration file's ``[Proxy]`` is used but not read back. Setting it applies the proxy
        once both address and port are set."""
        return self._proxy[1]

    @proxy_port.setter
    def proxy_port(self, value: Any) -> None:
        proxy = list(self._proxy)
        proxy[1] = value
        self._apply_proxy(proxy)

    @property
    def proxy_username(self) -> Any:
        """The proxy's user name as set here (``dxlclient``'s property), or ``None``; a
        configuration file's ``[Proxy]`` is used but not read back. Setting it applies the proxy
        once both address and port are set."""
        return self._proxy[2]

    @proxy_username.setter
    def proxy_username(self, value: Any) -> None:
        proxy = list(self._proxy)
        proxy[2] = value
        self._apply_proxy(proxy)

    @property
    def proxy_password(self) -> Any:
        """The proxy's password as set here (``dxlclient``'s property), or ``None``; a
        configuration file's ``[Proxy]`` is used but not read back. Setting it applies the proxy
        once both address and port are set."""
        return self._proxy[3]

    @proxy_password.setter
    def proxy_password(self, value: Any) -> None:
        proxy = list(self._proxy)
        proxy[3] = value
        self._apply_proxy(proxy)

    # -- identity and certificates ----------------------------------------------------------

    @property
    def client_id(self) -> Optional[str]:
        """The client's DXL id, also its MQTT client id: a new ``{uuid}`` unless the file's
        ``[General] ClientId`` or this setter chose one. Setting it raises :class:`ValueError`
        for an empty or overlong id."""
        raw = _ffi.dxltie_config_client_id(self._live())
        return raw.decode("utf-8") if raw is not None else None

    @client_id.setter
    def client_id(self, client_id: str) -> None:
        check(_ffi.dxltie_config_set_client_id(self._live(), to_bytes(client_id, "client_id")))

    def set_certificate_pems(self, broker_ca_pem: Union[str, bytes], cert_pem: Union[str, bytes],
                             private_key_pem: Union[str, bytes]) -> None:
        """Uses PEM text held in memory instead of the certificate files (for agents that keep
        their keys out of the file system). Replaces the files of the constructor or the
        configuration file; the text is parsed at :meth:`dxltie.DxlClient.connect`.

        **Example Usage**

            .. code-block:: python

                config.set_certificate_pems(ca_text, cert_text, key_text)

        :param broker_ca_pem: the CA certificates the brokers must chain to, PEM text
        :param cert_pem: the client's certificate, PEM text
        :param private_key_pem: the client's unencrypted private key, PEM text
        :raises TypeError: for an argument that is not text or bytes
        :raises ValueError: for text the library refuses (e.g. not UTF-8)
        """
        check(_ffi.dxltie_config_set_certificate_pems(
            self._live(), to_bytes(broker_ca_pem), to_bytes(cert_pem), to_bytes(private_key_pem)))

    # -- tuning -------------------------------------------------------------------------------

    @property
    def connect_retries(self) -> int:
        """How many passes over the broker list :meth:`dxltie.DxlClient.connect` makes before it
        gives up; -1 (the default) retries until its timeout. Range -1 to 2**31-1."""
        return self._connect_retries

    @connect_retries.setter
    def connect_retries(self, connect_retries: int) -> None:
        retries = _args.integer(connect_retries, "connect_retries", -1, _args.INT32_MAX)
        check(_ffi.dxltie_config_set_connect_retries(self._live(), retries))
        self._connect_retries = retries

    @property
    def keep_alive_interval(self) -> int:
        """The MQTT keep-alive interval in seconds (default 1800): how often the client shows
        the broker it is alive when nothing else is sent. Range 1 to 65535."""
        return self._keep_alive_interval

    @keep_alive_interval.setter
    def keep_alive_interval(self, seconds: int) -> None:
        # MQTT carries the keep-alive in a 16-bit field.
        seconds = _args.integer(seconds, "keep_alive_interval", 1, 0xFFFF, "seconds")
        check(_ffi.dxltie_config_set_keep_alive(self._live(), seconds))
        self._keep_alive_interval = seconds

    @property
    def busy_poll_us(self) -> int:
        """Microseconds the client's network thread keeps polling, instead of sleeping, after
        it handed a synchronous request its answer (not in ``dxlclient``; 0, the default, is
        off; at most 1000). A loop of requests then pays no thread wake-up per round trip: on
        the bench's broker, 200 µs took C round trips from about 70 % of the raw MQTT rate to
        above it, for about 1.7 times the CPU per request. Idle clients and events never poll.
        Applies to clients made from this configuration afterwards."""
        return self._busy_poll_us

    @busy_poll_us.setter
    def busy_poll_us(self, microseconds: int) -> None:
        microseconds = _args.integer(microseconds, "busy_poll_us", 0, 1000, "microseconds")
        check(_ffi.dxltie_config_set_busy_poll(self._live(), microseconds))
        self._busy_poll_us = microseconds

    @property
    def reputation_cache(self) -> Tuple[int, int]:
        """``(max_entries, ttl_seconds)`` of the reputation cache; ``(0, 0)``, the default, is
        no cache (see :meth:`set_reputation_cache`)."""
        return self._reputation_cache

    def set_reputation_cache(self, max_entries: int, ttl_seconds: int) -> None:
        """Turns on a cache of file and certificate reputations (not in ``dxlclient``): a
        :class:`dxltie.TieClient` lookup is answered from it while a fresh entry covers the
        request, and lookups of one request made at the same time share one fabric request.
        Entries are dropped when a reputation-change event or a ``set_*_reputation`` of this
        client names one of their hashes, after ``ttl_seconds`` (time asleep counts), least
        recently used first beyond ``max_entries``, and all of them when the connection is lost.
        The counters are in :attr:`dxltie.DxlClient.stats` (``cache_*``). Applies to clients made
        from this configuration afterwards.

        **Example Usage**

            .. code-block:: python

                config.set_reputation_cache(max_entries=10000, ttl_seconds=300)

        :param max_entries: 0 (no cache) to 1 000 000 answers
        :param ttl_seconds: 1 to 2**32-1 seconds an answer is kept (any value when
            ``max_entries`` is 0)
        :raises ValueError: for a value out of range
        """
        entries = _args.integer(max_entries, "max_entries", 0, 1000000)
        ttl = _args.integer(ttl_seconds, "ttl_seconds", 0 if entries == 0 else 1, 0xFFFFFFFF, "seconds")
        check(_ffi.dxltie_config_set_reputation_cache(self._live(), entries, ttl))
        self._reputation_cache = (entries, ttl) if entries else (0, 0)

    def _set_back_off(self, index: int, value: float) -> None:
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
    def reconnect_delay(self) -> float:
        """The first delay between reconnect attempts after a lost connection, in seconds
        (default 1); each failed attempt multiplies it by :attr:`reconnect_back_off_multiplier`
        up to :attr:`reconnect_delay_max`. Range 0.1 to 4 294 967.295: a shorter first delay
        would make a lost broker a hot loop of attempts."""
        return float(self._reconnect[0])

    @reconnect_delay.setter
    def reconnect_delay(self, seconds: float) -> None:
        self._set_back_off(0, _args.real(seconds, "reconnect_delay", 0.1, _args.MAX_TIMEOUT_SECONDS, "seconds"))

    @property
    def reconnect_back_off_multiplier(self) -> int:
        """The factor applied to the reconnect delay after each failed attempt (default 2).
        Range 1 to 2**32-1."""
        return int(self._reconnect[1])

    @reconnect_back_off_multiplier.setter
    def reconnect_back_off_multiplier(self, multiplier: int) -> None:
        self._set_back_off(1, _args.integer(multiplier, "reconnect_back_off_multiplier", 1, _args.UINT32_MAX))

    @property
    def reconnect_delay_max(self) -> float:
        """The longest delay between reconnect attempts, in seconds (default 60); not less than
        :attr:`reconnect_delay`."""
        return float(self._reconnect[2])

    @reconnect_delay_max.setter
    def reconnect_delay_max(self, seconds: float) -> None:
        self._set_back_off(2, _args.real(seconds, "reconnect_delay_max", 0.1, _args.MAX_TIMEOUT_SECONDS, "seconds"))

    @property
    def reconnect_delay_random(self) -> float:
        """The random part added to each reconnect delay, as a fraction of it (default 0.25),
        so that many clients do not reconnect at the same instant. Range 0 to 1."""
        return float(self._reconnect[3])

    @reconnect_delay_random.setter
    def reconnect_delay_random(self, fraction: float) -> None:
        self._set_back_off(3, _args.real(fraction, "reconnect_delay_random", 0, 1))

    @property
    def incoming_message_queue_size(self) -> int:
        """How many received messages wait for the dispatcher thread (which runs the callbacks)
        before the network thread blocks (default 1000; see :meth:`set_queue` to drop the oldest
        instead). Range 1 to ``SIZE_MAX``."""
        return self._queue[0]

    @incoming_message_queue_size.setter
    def incoming_message_queue_size(self, size: int) -> None:
        size = _args.integer(size, "incoming_message_queue_size", 1, _args.SIZE_MAX)
        check(_ffi.dxltie_config_set_queue(self._live(), size, self._queue[1]))
        self._queue[0] = size

    def set_queue(self, capacity: int, drop_oldest: bool = False) -> None:
        """Sets the capacity of the queue between the network thread and the dispatcher thread,
        and what happens when slow callbacks let it fill up.

        **Example Usage**

            .. code-block:: python

                config.set_queue(10000, drop_oldest=True)   # never slow the network down

        :param capacity: how many messages may wait, 1 to ``SIZE_MAX``
        :param drop_oldest: ``False`` (default): the network thread waits for room, so nothing
            is lost but the connection may stall; ``True``: the oldest waiting message is
            dropped (counted in :attr:`dxltie.DxlClient.stats` ``dropped``)
        :raises ValueError: for a capacity out of range
        :raises TypeError: for a capacity that is not a number
        """
        capacity = _args.integer(capacity, "capacity", 1, _args.SIZE_MAX)
        policy = _ffi.DXLTIE_OVERFLOW_DROP_OLDEST if drop_oldest else _ffi.DXLTIE_OVERFLOW_BLOCK
        check(_ffi.dxltie_config_set_queue(self._live(), capacity, policy))
        self._queue = [capacity, policy]
