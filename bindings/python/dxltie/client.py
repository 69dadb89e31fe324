"""``TieClient``, with the methods, arguments, defaults, results and exceptions of
``dxltieclient.client.TieClient`` (0.3.0), over ``libdxltie``.

Results are what the reference returns: the reputation getters give a ``dict`` keyed by the
``int`` providerId, the first-reference getters a ``list`` of dicts, the setters ``None``.
Errors: an ErrorResponse raises a plain ``Exception("Error: <message> (<code>)")``, no answer
within :attr:`TieClient.response_timeout` raises :class:`dxltie.WaitTimeoutException`, bad hex
raises ``binascii.Error`` and a rejected argument ``ValueError``, all before anything is sent.
Numbers are checked against the range of the C type they are passed as (a trust level is an
``int32_t``, a query limit an ``int64_t``), never truncated.

On the main thread every request can be interrupted (Ctrl-C raises ``KeyboardInterrupt`` at
once); the abandoned request finishes in the background and its answer is dropped.

Differences, all deliberate: requests may be made from inside event callbacks; removing a
callback leaves the other callbacks on its topic subscribed; each ``add_*_callback`` binds the
transform to its topic (the reference picks it from the callback object's class).
TIE events reach Python in batches (``dxltie_add_json_batch_callback``): one call from the
library and one ``json.loads`` for all the events that queued up meanwhile, then the user's
method once per event, in order. A batch only holds more than one event while the callback is
the only one of its kind; with several, each gets one event per call, in turn, as before. That is what makes the binding fast under a flood
(BENCHMARKS.md): the call from a library thread into Python is the expensive part.

The type hints of :class:`TieClient` are in ``client.pyi`` beside this file: its methods here
keep the reference's exact signatures (``tests/test_api.py`` compares them with
``inspect.signature``, annotations included); ``tests/test_typing.py`` checks that the stub and
this module agree.
"""

from __future__ import annotations

import base64
import binascii
import copy
import ctypes
import json
import logging
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from . import _args, _ffi, _native
from ._native import blocking, check, take_string, to_bytes
from .constants import (CertReputationOverriddenProp, CertReputationProp, FileType, ReputationProp,
                        TrustLevel, RepChangeEventProp)
from .dxl_client import DxlClient, _millis
from .message import RECORD_KEYS, Event

__all__ = [
    "TieClient", "DxlClient", "Hashes", "Reputations", "FirstReferences",
    "TIE_SET_FILE_REPUTATION_TOPIC", "TIE_GET_FILE_REPUTATION_TOPIC", "TIE_SET_CERT_REPUTATION_TOPIC",
    "TIE_GET_CERT_REPUTATION_TOPIC", "TIE_GET_FILE_FIRST_REFS", "TIE_GET_CERT_FIRST_REFS",
    "TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC", "TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC",
    "TIE_EVENT_FILE_DETECTION_TOPIC", "TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC",
    "TIE_EVENT_FILE_PREVALENCE_CHANGE_TOPIC", "TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC",
]

logger = logging.getLogger("dxltie")

#: The hashes that identify a file: hash type (:class:`dxltie.constants.HashType`: ``"md5"``,
#: ``"sha1"``, ``"sha256"``) → the hash as hex text (either case; ``bytes`` of ASCII hex also).
Hashes = Mapping[str, Union[str, bytes]]
#: Reputations keyed by provider id (an ``int``, e.g. :attr:`dxltie.constants.FileProvider.GTI`);
#: each reputation is a ``dict`` with ``providerId``, ``trustLevel``, ``createDate`` and
#: ``attributes`` (:class:`dxltie.constants.ReputationProp`).
Reputations = Dict[Union[int, str], Dict[str, Any]]
#: The systems that referenced a file or certificate: ``[{"agentGuid": ..., "date": ...}, ...]``.
FirstReferences = List[Dict[str, Any]]

TIE_SET_FILE_REPUTATION_TOPIC = "/mcafee/service/tie/file/reputation/set"
TIE_GET_FILE_REPUTATION_TOPIC = "/mcafee/service/tie/file/reputation"
TIE_SET_CERT_REPUTATION_TOPIC = "/mcafee/service/tie/cert/reputation/set"
TIE_GET_CERT_REPUTATION_TOPIC = "/mcafee/service/tie/cert/reputation"
TIE_GET_FILE_FIRST_REFS = "/mcafee/service/tie/file/agents"
TIE_GET_CERT_FIRST_REFS = "/mcafee/service/tie/cert/agents"
TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC = "/mcafee/event/tie/file/repchange/broadcast"
TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC = "/mcafee/event/tie/cert/repchange/broadcast"
TIE_EVENT_FILE_DETECTION_TOPIC = "/mcafee/event/tie/file/detection"
TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC = "/mcafee/event/tie/file/firstinstance"
TIE_EVENT_FILE_PREVALENCE_CHANGE_TOPIC = "/mcafee/event/tie/file/prevalence"
TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC = "/mcafee/event/external/file/report"

_DETECTION = _ffi.DXLTIE_EVENT_KIND_FILE_DETECTION
_FIRST_INSTANCE = _ffi.DXLTIE_EVENT_KIND_FILE_FIRST_INSTANCE
_FILE_REP_CHANGE = _ffi.DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE
_CERT_REP_CHANGE = _ffi.DXLTIE_EVENT_KIND_CERTIFICATE_REPUTATION_CHANGE

#: The user method each registration function calls.
_METHODS = {
    _DETECTION: "on_detection",
    _FIRST_INSTANCE: "on_first_instance",
    _FILE_REP_CHANGE: "on_reputation_change",
    _CERT_REP_CHANGE: "on_reputation_change",
}


# --------------------------------------------------------------------------------------------
# providerId maps: the library's JSON has string keys ("1"); Python's dicts have the providerId
# value itself (an int) as key.
# --------------------------------------------------------------------------------------------

def _provider_map(value: Any) -> Any:
    """Restores the keys of a providerId map parsed from JSON: a key goes back to its
    reputation's ``providerId`` value when that value is not a string and serialises to the key
    (``"1"`` → ``1``); a string providerId keeps its string key, as in Python. Call it only for
    a value that *is* a providerId map."""
    if not isinstance(value, dict):
        return value
    out = {}
    for key, rep in value.items():
        pid = rep.get(ReputationProp.PROVIDER_ID, key) if isinstance(rep, dict) else key
        if not isinstance(pid, str) and isinstance(pid, (int, float, type(None))) and json.dumps(pid) == key:
            out[pid] = rep
        else:
            out[key] = rep
    return out


def _make_handler(kind: int, callback: Any, registration: "_Registration",
                  client: DxlClient) -> Callable[[bytes, bytes], None]:
    """The handler of a batch of events (``dxltie_add_json_batch_callback``): one JSON text for
    the whole batch, parsed at once, then the user's method for each event, each exception
    logged on its own as the reference does.

    The library batches only while this is the one callback of its kind. Should that change
    during the batch (a callback of the kind added or removed, from inside it or from another
    thread, which then waits for this call), the rest of the batch goes to the callbacks
    registered at that moment, each event to each of them in turn: what they would have got had
    each event been delivered on its own."""
    method_name = _METHODS[kind]
    from_record = Event._from_record

    def handle(events_json: bytes, payloads: bytes) -> None:  # runs on the dispatcher thread
        generation = client._tie_generation
        method = getattr(callback, method_name, None)  # looked up once per batch
        if method is None:
            method = callback
        end = 0
        records = json.loads(events_json)
        for i, record in enumerate(records):
            if client._tie_generation != generation:
                _hand_over(kind, client, records[i:], payloads, end)
                return
            start, end = end, end + record["payloadLength"]  # the payloads follow one another
            try:
                method(_event_data(record), from_record(record, payloads[start:end]))
            except BaseException:
                logger.exception("Exception in %s of %r", method_name, callback)

    return handle


def _event_data(record: Dict[str, Any]) -> Dict[str, Any]:
    """The dictionary of a batch record, with its providerId maps keyed as Python keys them."""
    data: Dict[str, Any] = record["event"]
    if len(record) != RECORD_KEYS:  # the optional keys: providerKeyed among them
        # The library names the maps its TIE transform keyed by providerId (Python keys them by
        # the providerId value; JSON could only write its text): only those are re-keyed here.
        for prop in record.get("providerKeyed", ()):
            data[prop] = _provider_map(data[prop])
    return data


def _hand_over(kind: int, client: DxlClient, records: List[Dict[str, Any]], payloads: bytes, offset: int) -> None:
    """Delivers the rest of a batch to the callbacks of `kind` registered now (the slow path
    of a rare case: each gets its own copy of each event)."""
    method_name = _METHODS[kind]
    end = offset
    for record in records:
        start, end = end, end + record["payloadLength"]
        with client._tie_callbacks_lock:
            targets = [r for (k, _), r in client._tie_callbacks.items() if k == kind and r.id is not None]
        data = _event_data(record)
        for target in targets:
            if target.cancelled:
                continue
            try:
                method = getattr(target.callback, method_name, None)
                if method is None:
                    method = target.callback
                method(copy.deepcopy(data), Event._from_record(copy.deepcopy(record), payloads[start:end]))
            except BaseException:
                logger.exception("Exception in %s of %r", method_name, target.callback)
    return handle


class _Registration(object):
    """A callback object registered on a client: the library's id once the add returned."""

    __slots__ = ("callback", "id", "cancelled")

    def __init__(self, callback: Any) -> None:
        self.callback = callback
        self.id: Optional[int] = None
        self.cancelled = False


class _Hashes(object):
    """A ``dxltie_hash_t`` array built from a ``{hash_type: hex}`` dict, in iteration order."""

    def __init__(self, hashes: Hashes) -> None:
        items = list(hashes.items())
        self.count = len(items)
        self.array = (_ffi.dxltie_hash_t * max(1, self.count))()
        for i, (hash_type, value) in enumerate(items):
            self.array[i].hash_type = to_bytes(hash_type if isinstance(hash_type, (str, bytes)) else str(hash_type))
            self.array[i].value = _hex_arg(value)


def _hex_arg(value: Union[str, bytes, bytearray, memoryview]) -> bytes:
    """A hex string argument; rejects what ``binascii.unhexlify`` rejects by type."""
    if isinstance(value, str):
        try:
            return value.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("string argument should contain only ASCII characters")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError("argument should be bytes, buffer or ASCII string, not '%s'" % type(value).__name__)


def _optional_hex(value: Union[str, bytes, None]) -> Optional[bytes]:
    """An optional public-key SHA-1: falsy values (None, "") are absent, as in Python."""
    return _hex_arg(value) if value else None


def _trust_level_arg(value: int) -> int:
    """A trust level as the ``int32_t`` the library takes (not validated further, as in the
    reference)."""
    return _args.integer(value, "trust_level", _args.INT32_MIN, _args.INT32_MAX)


def _query_limit_arg(value: int) -> int:
    return _args.integer(value, "query_limit", _args.INT64_MIN, _args.INT64_MAX)


class TieClient(object):
    """A client of the McAfee Threat Intelligence Exchange (TIE) DXL service: reputation
    queries and updates for files and certificates, the systems that first referenced them, and
    the TIE events (detections, first instances, reputation changes).

    It sends its requests through a :class:`dxltie.DxlClient`, which may be connected before or
    after the ``TieClient`` is made; several ``TieClient`` objects may share one ``DxlClient``
    (their callbacks are the client's). Every request waits at most :attr:`response_timeout`
    seconds for its answer.

    **Example Usage**

        .. code-block:: python

            from dxltie import DxlClient, DxlClientConfig, TieClient
            from dxltie.constants import FileProvider, HashType, ReputationProp

            config = DxlClientConfig.create_dxl_config_from_file("dxlclient.config")
            with DxlClient(config) as client:
                client.connect()
                tie_client = TieClient(client)
                reputations = tie_client.get_file_reputation({HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1"})
                print(reputations[FileProvider.GTI][ReputationProp.TRUST_LEVEL])   # 99

    Requests may be made from any thread, including from inside event callbacks. On the main
    thread a request can be interrupted with Ctrl-C (``KeyboardInterrupt`` at once; the
    abandoned request finishes in the background and its answer is dropped).

    :param dxl_client: the :class:`dxltie.DxlClient` to communicate through
    :raises TypeError: if ``dxl_client`` is not a :class:`dxltie.DxlClient` (a
        ``dxlclient.client.DxlClient`` of the reference package cannot be used)
    """

    _DEFAULT_RESPONSE_TIMEOUT = _ffi.DXLTIE_RESPONSE_TIMEOUT_DEFAULT_SECS
    _MIN_RESPONSE_TIMEOUT = _ffi.DXLTIE_RESPONSE_TIMEOUT_MINIMUM_SECS

    def __init__(self, dxl_client):
        if not isinstance(dxl_client, DxlClient):
            raise TypeError("TieClient needs a dxltie.DxlClient (built with dxltie.DxlClientConfig), not %s.%s"
                            % (type(dxl_client).__module__, type(dxl_client).__name__))
        self._dxl_client = dxl_client
        self._response_timeout: float = self._DEFAULT_RESPONSE_TIMEOUT

    # -- response timeout (dxlbootstrap.client.Client) -----------------------------------------

    @property
    def response_timeout(self):
        """The longest time, in seconds, a request waits for the TIE service's answer (default
        30, the minimum); then it raises :class:`dxltie.WaitTimeoutException`.

        Setting it: less than 30 raises ``Exception("Response timeout must be greater than or
        equal to 30")``, as the reference does; NaN, infinity and more than 4 294 967.295
        seconds (what the library's ``uint32_t`` of milliseconds holds, about 49.7 days) raise
        :class:`ValueError` (the reference accepts them and fails, or waits for ever, at the
        first request); a value that is not a number raises :class:`TypeError`.
        """
        return self._response_timeout

    @response_timeout.setter
    def response_timeout(self, response_timeout):
        if response_timeout < self._MIN_RESPONSE_TIMEOUT:
            raise Exception("Response timeout must be greater than or equal to " + str(self._MIN_RESPONSE_TIMEOUT))
        _millis(response_timeout, "response_timeout", self._MIN_RESPONSE_TIMEOUT)
        self._response_timeout = response_timeout

    def _timeout_ms(self) -> int:
        return _millis(self._response_timeout, "response_timeout")

    # -- the library calls (run by blocking(): on a worker when called on the main thread) ----

    def _call(self, function: Any, *args: Any) -> None:
        with self._dxl_client._use() as handle:
            check(function(handle, *args))

    def _call_json(self, function: Any, *args: Any) -> Optional[str]:
        out = ctypes.c_void_p()
        with self._dxl_client._use() as handle:
            check(function(handle, *(args + (ctypes.byref(out),))))
        return take_string(out)  # freed here even when the caller has gone

    # -- callbacks ----------------------------------------------------------------------------

    def _add_callback(self, kind: int, callback: Any) -> None:
        method_name = _METHODS[kind]
        if getattr(callback, method_name, None) is None and not callable(callback):
            raise TypeError("%r has no %s method" % (callback, method_name))
        client = self._dxl_client
        key = (kind, id(callback))
        with client._tie_callbacks_lock:
            if key in client._tie_callbacks:
                return  # the same object twice: a no-op, as in dxlclient
            registration = _Registration(callback)
            client._tie_callbacks[key] = registration
        # The library calls run outside the lock: a callback running on the dispatcher may add
        # or remove callbacks itself while another thread waits in dxltie_remove_callback for it.
        blocking(self._register, kind, callback, key, registration)

    def _register(self, kind: int, callback: Any, key: Any, registration: _Registration) -> None:
        """The library part of an add, with its bookkeeping (it completes even if the caller
        was interrupted meanwhile)."""
        client = self._dxl_client
        user_data = _native.register(_make_handler(kind, callback, registration, client))
        out_id = ctypes.c_uint64()
        try:
            # One call per batch of events: a call into Python from a library thread costs more
            # than the event itself (BENCHMARKS.md).
            with client._use() as handle:
                check(_ffi.dxltie_add_json_batch_callback(handle, kind, _native.json_batch_trampoline, user_data,
                                                          _native.free_user_data, ctypes.byref(out_id)))
        except BaseException:
            _native.unregister(user_data)  # the library did not take it
            with client._tie_callbacks_lock:
                if client._tie_callbacks.get(key) is registration:
                    del client._tie_callbacks[key]
            raise
        with client._tie_callbacks_lock:
            registration.id = out_id.value
            client._tie_generation += 1
            cancelled = registration.cancelled
        if cancelled:  # removed while it was being added
            self._remove_id(out_id.value)

    def _remove_callback(self, kind: int, callback: Any) -> None:
        client = self._dxl_client
        with client._tie_callbacks_lock:
            registration = client._tie_callbacks.pop((kind, id(callback)), None)
            if registration is None:
                return
            # Ends a batch being delivered at its next event (see `_make_handler`); with no id
            # yet, the adding thread removes the registration.
            registration.cancelled = True
            client._tie_generation += 1
            if registration.id is None:
                return
        blocking(self._remove_id, registration.id)

    def _remove_id(self, registration_id: int) -> None:
        with self._dxl_client._use() as handle:
            rc = _ffi.dxltie_remove_callback(handle, registration_id)
        if rc not in (_ffi.DXLTIE_OK, _ffi.DXLTIE_E_NOT_FOUND):
            check(rc)

    def add_file_first_instance_callback(self, first_instance_callback):
        """Registers a :class:`dxltie.FirstInstanceCallback` to receive file first-instance
        events (topic ``/mcafee/event/tie/file/firstinstance``): the first time a file is seen
        in the enterprise. Its ``on_first_instance(first_instance_dict, original_event)`` is
        called for each; see :class:`dxltie.FirstInstanceCallback` for the dict.

        The topic is subscribed now if the client is connected, or at the next connect; it
        stays subscribed across reconnects. Registering the same object again does nothing.

        :param first_instance_callback: the :class:`dxltie.FirstInstanceCallback` instance
        :raises TypeError: if it has no ``on_first_instance`` method and is not callable
        :raises DxlTieError: if the library refuses (e.g. the client was destroyed)
        """
        self._add_callback(_FIRST_INSTANCE, first_instance_callback)

    def remove_file_first_instance_callback(self, first_instance_callback):
        """Unregisters a :class:`dxltie.FirstInstanceCallback` added with
        :meth:`add_file_first_instance_callback`; an object that is not registered is ignored.
        Once it returns, the callback will not be called again and, when removed from another
        thread, is not running; from inside the callback itself it returns at once. Other
        callbacks on the same topic stay subscribed.

        :param first_instance_callback: the instance that was registered
        :raises DxlTieError: for a library failure (e.g. the client was destroyed)
        """
        self._remove_callback(_FIRST_INSTANCE, first_instance_callback)

    def add_file_detection_callback(self, detection_callback):
        """Registers a :class:`dxltie.DetectionCallback` to receive file detection events
        (topic ``/mcafee/event/tie/file/detection``): an endpoint detected a file because of its
        locally computed reputation. Its ``on_detection(detection_dict, original_event)`` is
        called for each; see :class:`dxltie.DetectionCallback` for the dict.

        The topic is subscribed now if the client is connected, or at the next connect; it
        stays subscribed across reconnects. Registering the same object again does nothing.

        **Example Usage**

            .. code-block:: python

                class MyDetectionCallback(DetectionCallback):
                    def on_detection(self, detection_dict, original_event):
                        print(detection_dict["name"], detection_dict["hashes"]["md5"])

                tie_client.add_file_detection_callback(MyDetectionCallback())

        :param detection_callback: the :class:`dxltie.DetectionCallback` instance
        :raises TypeError: if it has no ``on_detection`` method and is not callable
        :raises DxlTieError: if the library refuses (e.g. the client was destroyed)
        """
        self._add_callback(_DETECTION, detection_callback)

    def remove_file_detection_callback(self, detection_callback):
        """Unregisters a :class:`dxltie.DetectionCallback` added with
        :meth:`add_file_detection_callback`; an object that is not registered is ignored. Once
        it returns, the callback will not be called again and, when removed from another thread,
        is not running; from inside the callback itself it returns at once. Other callbacks on
        the same topic stay subscribed.

        :param detection_callback: the instance that was registered
        :raises DxlTieError: for a library failure (e.g. the client was destroyed)
        """
        self._remove_callback(_DETECTION, detection_callback)

    def add_file_reputation_change_callback(self, rep_change_callback):
        """Registers a :class:`dxltie.ReputationChangeCallback` to receive file reputation
        change events (topic ``/mcafee/event/tie/file/repchange/broadcast``). Its
        ``on_reputation_change(rep_change_dict, original_event)`` is called for each, with
        ``newReputations`` and ``oldReputations`` keyed by ``int`` provider id; see
        :class:`dxltie.ReputationChangeCallback` for the dict.

        The topic is subscribed now if the client is connected, or at the next connect; it
        stays subscribed across reconnects. Registering the same object again does nothing.

        :param rep_change_callback: the :class:`dxltie.ReputationChangeCallback` instance
        :raises TypeError: if it has no ``on_reputation_change`` method and is not callable
        :raises DxlTieError: if the library refuses (e.g. the client was destroyed)
        """
        self._add_callback(_FILE_REP_CHANGE, rep_change_callback)

    def remove_file_reputation_change_callback(self, rep_change_callback):
        """Unregisters a :class:`dxltie.ReputationChangeCallback` added with
        :meth:`add_file_reputation_change_callback` (a registration for certificate changes of
        the same object stays); an object that is not registered is ignored. Once it returns,
        the callback will not be called for file changes again and, when removed from another
        thread, is not running for them; from inside the callback itself it returns at once.

        :param rep_change_callback: the instance that was registered
        :raises DxlTieError: for a library failure (e.g. the client was destroyed)
        """
        self._remove_callback(_FILE_REP_CHANGE, rep_change_callback)

    def add_certificate_reputation_change_callback(self, rep_change_callback):
        """Registers a :class:`dxltie.ReputationChangeCallback` to receive certificate
        reputation change events (topic ``/mcafee/event/tie/cert/repchange/broadcast``). Its
        ``on_reputation_change(rep_change_dict, original_event)`` is called for each; the dict's
        ``hashes`` hold the certificate's ``sha1`` and a top-level ``publicKeySha1`` the SHA-1 of
        its public key when the server sent it; see :class:`dxltie.ReputationChangeCallback`.

        The topic is subscribed now if the client is connected, or at the next connect; it
        stays subscribed across reconnects. Registering the same object again does nothing.

        :param rep_change_callback: the :class:`dxltie.ReputationChangeCallback` instance
        :raises TypeError: if it has no ``on_reputation_change`` method and is not callable
        :raises DxlTieError: if the library refuses (e.g. the client was destroyed)
        """
        self._add_callback(_CERT_REP_CHANGE, rep_change_callback)

    def remove_certificate_reputation_change_callback(self, rep_change_callback):
        """Unregisters a :class:`dxltie.ReputationChangeCallback` added with
        :meth:`add_certificate_reputation_change_callback` (a registration for file changes of
        the same object stays); an object that is not registered is ignored.

        :param rep_change_callback: the instance that was registered
        :raises DxlTieError: for a library failure (e.g. the client was destroyed)
        """
        self._remove_callback(_CERT_REP_CHANGE, rep_change_callback)

    # -- file requests ------------------------------------------------------------------------

    def set_file_reputation(self, trust_level, hashes, filename="", comment=""):
        """Sets the Enterprise reputation (trust level) of a file, as an administrator would in
        the TIE server's console. The server answers once it has stored it, then broadcasts a
        file reputation change event.

        The client's certificate must be authorized to send to
        ``/mcafee/service/tie/file/reputation/set`` (the "TIE Server Set Enterprise Reputation"
        authorization group on the DXL broker); otherwise the fabric answers with an error,
        raised as below.

        **Example Usage**

            .. code-block:: python

                # notepad.exe becomes Known Trusted across the enterprise
                tie_client.set_file_reputation(
                    TrustLevel.KNOWN_TRUSTED,
                    {
                        HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1",
                        HashType.SHA1: "7eb0139d2175739b3ccb0d1110067820be6abd29",
                        HashType.SHA256: "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
                    },
                    filename="notepad.exe",
                    comment="Trusted after review")

        :param trust_level: the new trust level, normally one of :class:`dxltie.constants.TrustLevel`
            (not checked against that list, as in the reference; it must fit an ``int32``)
        :param hashes: the file's hashes, ``{hash type: hex}`` (:class:`dxltie.constants.HashType`);
            give every hash you know
        :param filename: a file name to record with the reputation (optional)
        :param comment: a comment to record with it (optional)
        :return: ``None`` once the server has acknowledged the change
        :raises Exception: ``"Error: <message> (<code>)"`` when the service or the fabric
            answered with an error (e.g. not authorized); ``error_code`` and ``error_message``
            carry the parts
        :raises WaitTimeoutException: when no answer came within :attr:`response_timeout`
        :raises binascii.Error: for a hash that is not hex (odd length, non-hex digit)
        :raises ValueError: for a trust level outside ``int32``, or another argument the
            library refuses
        :raises TypeError: for a hash or trust level of the wrong type
        :raises DxlTieError: for other failures, e.g. ``DXLTIE_E_NOT_CONNECTED``
        """
        trust_level = _trust_level_arg(trust_level)
        h = _Hashes(hashes)
        blocking(self._call, _ffi.dxltie_set_file_reputation, trust_level, h.array, h.count,
                 to_bytes(filename, "filename"), to_bytes(comment, "comment"), self._timeout_ms())

    def set_external_file_reputation(self, trust_level, hashes, file_type=0, filename="", comment=""):
        """Reports a file's reputation as an External provider
        (:attr:`dxltie.constants.FileProvider.EXTERNAL`, 15), e.g. from a third-party sandbox.
        This is an event, not a request: nothing answers it, and the TIE server applies it
        asynchronously (a file reputation change event follows when it does).

        The client's certificate must be authorized to send to
        ``/mcafee/event/external/file/report`` (the "TIE Server Set External Reputation"
        authorization group).

        **Example Usage**

            .. code-block:: python

                tie_client.set_external_file_reputation(
                    TrustLevel.MIGHT_BE_MALICIOUS,
                    {HashType.MD5: "586297d3c6e1d8bbd44e1ed1b3b0fb5b"},
                    file_type=FileType.PEEXE,
                    filename="dropper.exe",
                    comment="Flagged by the sandbox")

        The arguments are checked first, in this order, each failure raising
        :class:`ValueError` with the reference's message: ``"TrustLevel was not specified"``
        (also for ``TrustLevel.NOT_SET``), ``"FileType was not a valid entry"``, ``"TrustLevel
        was not a valid entry"``, ``"File hashes were not specified"``.

        :param trust_level: one of :class:`dxltie.constants.TrustLevel` (not ``NOT_SET``)
        :param hashes: the file's hashes, ``{hash type: hex}``; at least one
        :param file_type: one of :class:`dxltie.constants.FileType` (default ``0``, ``FileType.NONE``)
        :param filename: a file name to report (optional)
        :param comment: a comment to report (optional)
        :return: ``None`` once the event has been sent
        :raises ValueError: for the argument checks above, or an argument the library refuses
        :raises binascii.Error: for a hash that is not hex
        :raises DxlTieError: for other failures, e.g. ``DXLTIE_E_NOT_CONNECTED``
        """
        if not trust_level:
            raise ValueError("TrustLevel was not specified")
        if not self.valid_parameter(FileType, file_type):
            raise ValueError("FileType was not a valid entry")
        if not self.valid_parameter(TrustLevel, trust_level):
            raise ValueError("TrustLevel was not a valid entry")
        if not hashes:
            raise ValueError("File hashes were not specified")
        trust_level = _trust_level_arg(trust_level)
        file_type = _args.integer(file_type, "file_type", 0, _args.UINT64_MAX)
        h = _Hashes(hashes)
        blocking(self._call, _ffi.dxltie_set_external_file_reputation, trust_level, h.array, h.count, file_type,
                 to_bytes(filename, "filename"), to_bytes(comment, "comment"))

    def get_file_reputation(self, hashes):
        """Asks the TIE service for every reputation it has for a file: Global Threat
        Intelligence (GTI), Enterprise, Advanced Threat Defense (ATD), McAfee Web Gateway and
        External providers, as far as they know it.

        The file is identified by one or more hashes; giving all of them (MD5, SHA-1, SHA-256)
        lets more providers find it.

        **Example Usage**

            .. code-block:: python

                reputations = tie_client.get_file_reputation({
                    HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1",
                    HashType.SHA1: "7eb0139d2175739b3ccb0d1110067820be6abd29",
                    HashType.SHA256: "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
                })

        **The result**

            A ``dict`` with one entry per provider that knows the file, keyed by the provider id
            as an ``int`` (the :class:`dxltie.constants.FileProvider` values; printed as JSON,
            e.g. with :meth:`dxltie.util.MessageUtils.dict_to_json`, the keys become ``"1"``,
            ``"3"``). Notepad.exe's, from the local fabric's simulator:

            .. code-block:: python

                {
                    1: {                                   # FileProvider.GTI
                        "attributes": {"2120340": "2139160704"},
                        "createDate": 1451502875,
                        "providerId": 1,
                        "trustLevel": 99,                  # TrustLevel.KNOWN_TRUSTED
                    },
                    3: {                                   # FileProvider.ENTERPRISE
                        "attributes": {
                            "2101652": "17",               # FileEnterpriseAttrib.PREVALENCE
                            "2102165": "1451502875",       # FileEnterpriseAttrib.FIRST_CONTACT
                            "2111893": "21",               # FileEnterpriseAttrib.ENTERPRISE_SIZE
                            "2114965": "0",                # FileEnterpriseAttrib.FILE_NAME_COUNT
                            "2139285": "72339069014638857",  # EnterpriseAttrib.SERVER_VERSION
                        },
                        "createDate": 1451502875,
                        "providerId": 3,
                        "trustLevel": 0,                   # TrustLevel.NOT_SET
                    },
                }

            Each reputation has the properties of :class:`dxltie.constants.ReputationProp`:
            ``providerId``, ``trustLevel`` (:class:`dxltie.constants.TrustLevel`),
            ``createDate`` (epoch seconds) and ``attributes``, a ``dict`` of provider-specific
            values, all strings, keyed by the ids in :class:`dxltie.constants.FileEnterpriseAttrib`,
            :class:`dxltie.constants.FileGtiAttrib` and :class:`dxltie.constants.AtdAttrib`
            (whose helpers decode the epoch, version and aggregate values):

            .. code-block:: python

                trust_level = reputations[FileProvider.ENTERPRISE][ReputationProp.TRUST_LEVEL]
                attributes = reputations[FileProvider.ENTERPRISE][ReputationProp.ATTRIBUTES]
                prevalence = int(attributes[FileEnterpriseAttrib.PREVALENCE])
                first_seen = FileEnterpriseAttrib.to_localtime_string(attributes[FileEnterpriseAttrib.FIRST_CONTACT])

            ``{}`` when the service answered with no reputation at all.

        :param hashes: the file's hashes, ``{hash type: hex}``: the keys are
            :class:`dxltie.constants.HashType` values (``"md5"``, ``"sha1"``, ``"sha256"``), the
            values the hashes in hex (either case)
        :return: the reputations, ``{provider id: reputation dict}``, as above
        :raises Exception: ``"Error: <message> (<code>)"`` when the service answered with an
            error (e.g. ``"Error: Could not find reputation (0)"`` from a server that knows no
            reputation for the file, or a fabric error when no TIE service is reachable or the
            client is not authorized); ``error_code`` and ``error_message`` carry the parts
        :raises WaitTimeoutException: when no answer came within :attr:`response_timeout`
            (``"Timeout waiting for response to message: <message id>"``)
        :raises binascii.Error: for a hash that is not hex (``"Odd-length string"``,
            ``"Non-hexadecimal digit found"``), before anything is sent
        :raises TypeError: for a hash value that is not text or bytes
        :raises DxlTieError: for other failures, e.g. ``DXLTIE_E_NOT_CONNECTED`` (``code_name``)
            when the client is not connected
        """
        h = _Hashes(hashes)
        text = blocking(self._call_json, _ffi.dxltie_get_file_reputation_json, h.array, h.count, self._timeout_ms())
        return _provider_map(json.loads(text))

    def get_file_first_references(self, hashes, query_limit=500):
        """Asks the TIE service which systems first referenced (typically: ran) a file, and
        when.

        **Example Usage**

            .. code-block:: python

                systems = tie_client.get_file_first_references(
                    {HashType.MD5: "f2c7bb8acc97f92e987a2d4087d021b1"}, query_limit=10)
                for system in systems:
                    print(system[FirstRefProp.SYSTEM_GUID],
                          FirstRefProp.to_localtime_string(system[FirstRefProp.DATE]))

        **The result**

            A ``list`` with one ``dict`` per system, with the properties of
            :class:`dxltie.constants.FirstRefProp`: ``agentGuid`` (the system's McAfee agent
            GUID) and ``date`` (when it first referenced the file, epoch seconds):

            .. code-block:: python

                [
                    {"agentGuid": "{3a6f574a-3e6f-436d-acd4-bcde336b054d}", "date": 1475873692},
                    {"agentGuid": "{d48d3d1a-915e-11e6-323a-000c2992f5d9}", "date": 1476316674},
                ]

            ``[]`` when no system is known.

        :param hashes: the file's hashes, ``{hash type: hex}`` (:class:`dxltie.constants.HashType`)
        :param query_limit: the most systems to return (default 500; it must fit an ``int64``)
        :return: the systems, as above
        :raises Exception: ``"Error: <message> (<code>)"`` when the service answered with an
            error (e.g. ``"Error: Could not find reputation (0)"`` for an unknown file)
        :raises WaitTimeoutException: when no answer came within :attr:`response_timeout`
        :raises binascii.Error: for a hash that is not hex
        :raises ValueError: for a ``query_limit`` outside ``int64``
        :raises DxlTieError: for other failures, e.g. ``DXLTIE_E_NOT_CONNECTED``
        """
        query_limit = _query_limit_arg(query_limit)
        h = _Hashes(hashes)
        text = blocking(self._call_json, _ffi.dxltie_get_file_first_references_json, h.array, h.count, query_limit,
                        self._timeout_ms())
        return json.loads(text)

    # -- certificate requests -----------------------------------------------------------------

    def set_certificate_reputation(self, trust_level, sha1, public_key_sha1=None, comment=""):
        """Sets the Enterprise reputation (trust level) of a certificate; the files it signed
        are then judged with it. The server answers once it has stored it, then broadcasts a
        certificate reputation change event.

        The client's certificate must be authorized to send to
        ``/mcafee/service/tie/cert/reputation/set`` (the "TIE Server Set Enterprise Reputation"
        authorization group).

        **Example Usage**

            .. code-block:: python

                tie_client.set_certificate_reputation(
                    TrustLevel.KNOWN_TRUSTED,
                    "6EAE26DB8C13182A7947982991B4321732CC3DE2",
                    public_key_sha1="3B87A2D6F39770160364B79A152FCC73BAE27ADF",
                    comment="Our code-signing certificate")

        :param trust_level: the new trust level, normally one of :class:`dxltie.constants.TrustLevel`
            (not checked against that list; it must fit an ``int32``)
        :param sha1: the SHA-1 of the certificate, in hex
        :param public_key_sha1: the SHA-1 of the certificate's public key, in hex (optional;
            ``None`` or ``""`` leaves it out)
        :param comment: a comment to record with the reputation (optional)
        :return: ``None`` once the server has acknowledged the change
        :raises Exception: ``"Error: <message> (<code>)"`` when the service or the fabric
            answered with an error
        :raises WaitTimeoutException: when no answer came within :attr:`response_timeout`
        :raises binascii.Error: for a SHA-1 that is not hex
        :raises ValueError: for a trust level outside ``int32``
        :raises DxlTieError: for other failures, e.g. ``DXLTIE_E_NOT_CONNECTED``
        """
        blocking(self._call, _ffi.dxltie_set_certificate_reputation, _trust_level_arg(trust_level), _hex_arg(sha1),
                 _optional_hex(public_key_sha1), to_bytes(comment, "comment"), self._timeout_ms())

    def get_certificate_reputation(self, sha1, public_key_sha1=None):
        """Asks the TIE service for every reputation it has for a certificate (GTI and
        Enterprise).

        The certificate is identified by its SHA-1; adding the SHA-1 of its public key lets more
        providers find it.

        **Example Usage**

            .. code-block:: python

                reputations = tie_client.get_certificate_reputation(
                    "6EAE26DB8C13182A7947982991B4321732CC3DE2",
                    public_key_sha1="3B87A2D6F39770160364B79A152FCC73BAE27ADF")
                gti_trust = reputations[CertProvider.GTI][ReputationProp.TRUST_LEVEL]

        **The result**

            A ``dict`` with one entry per provider that knows the certificate, keyed by the
            provider id as an ``int`` (:class:`dxltie.constants.CertProvider`):

            .. code-block:: python

                {
                    2: {                                   # CertProvider.GTI
                        "attributes": {
                            "2108821": "94",               # CertGtiAttrib.PREVALENCE
                            "2109077": "1454912619",       # CertGtiAttrib.FIRST_CONTACT
                            "2117524": "0",                # CertGtiAttrib.REVOKED
                            "2120596": "0",
                        },
                        "createDate": 1476318514,
                        "providerId": 2,
                        "trustLevel": 99,
                    },
                    4: {                                   # CertProvider.ENTERPRISE
                        "attributes": {
                            "2109333": "12",               # CertEnterpriseAttrib.PREVALENCE
                            "2109589": "1476318514",       # CertEnterpriseAttrib.FIRST_CONTACT
                            "2139285": "73183493944770750",  # EnterpriseAttrib.SERVER_VERSION
                        },
                        "createDate": 1476318514,
                        "providerId": 4,
                        "trustLevel": 0,
                    },
                }

            The properties are those of :class:`dxltie.constants.CertReputationProp`; an
            Enterprise reputation may also have ``overridden``: the files signed by the
            certificate whose own reputation overrides it (``files``, each with its ``hashes``
            as a hex map, and ``truncated``; :class:`dxltie.constants.CertReputationOverriddenProp`).
            The attribute ids are in :class:`dxltie.constants.CertEnterpriseAttrib` and
            :class:`dxltie.constants.CertGtiAttrib`. ``{}`` when the service answered with no
            reputation.

        :param sha1: the SHA-1 of the certificate, in hex
        :param public_key_sha1: the SHA-1 of the certificate's public key, in hex (optional)
        :return: the reputations, ``{provider id: reputation dict}``, as above
        :raises Exception: ``"Error: <message> (<code>)"`` when the service answered with an
            error (e.g. ``"Error: Could not find reputation (0)"``)
        :raises WaitTimeoutException: when no answer came within :attr:`response_timeout`
        :raises binascii.Error: for a SHA-1 that is not hex
        :raises TypeError: for a SHA-1 that is not text or bytes
        :raises DxlTieError: for other failures, e.g. ``DXLTIE_E_NOT_CONNECTED``
        """
        text = blocking(self._call_json, _ffi.dxltie_get_certificate_reputation_json, _hex_arg(sha1),
                        _optional_hex(public_key_sha1), self._timeout_ms())
        return _provider_map(json.loads(text))

    def get_certificate_first_references(self, sha1, public_key_sha1=None, query_limit=500):
        """Asks the TIE service which systems first referenced files signed by a certificate,
        and when.

        **Example Usage**

            .. code-block:: python

                systems = tie_client.get_certificate_first_references(
                    "6EAE26DB8C13182A7947982991B4321732CC3DE2",
                    public_key_sha1="3B87A2D6F39770160364B79A152FCC73BAE27ADF")

        **The result**

            A ``list`` with one ``dict`` per system (:class:`dxltie.constants.FirstRefProp`):

            .. code-block:: python

                [
                    {"agentGuid": "{3a6f574a-3e6f-436d-acd4-bcde336b054d}", "date": 1475873692},
                    {"agentGuid": "{68125cd6-a5d8-11e6-348e-000c29663178}", "date": 1478626172},
                ]

            ``[]`` when no system is known.

        :param sha1: the SHA-1 of the certificate, in hex
        :param public_key_sha1: the SHA-1 of the certificate's public key, in hex (optional)
        :param query_limit: the most systems to return (default 500; it must fit an ``int64``)
        :return: the systems, as above
        :raises Exception: ``"Error: <message> (<code>)"`` when the service answered with an
            error
        :raises WaitTimeoutException: when no answer came within :attr:`response_timeout`
        :raises binascii.Error: for a SHA-1 that is not hex
        :raises ValueError: for a ``query_limit`` outside ``int64``
        :raises DxlTieError: for other failures, e.g. ``DXLTIE_E_NOT_CONNECTED``
        """
        text = blocking(self._call_json, _ffi.dxltie_get_certificate_first_references_json, _hex_arg(sha1),
                        _optional_hex(public_key_sha1), _query_limit_arg(query_limit), self._timeout_ms())
        return json.loads(text)

    # -- static helpers (the reference's, which its tests call) -------------------------------

    @staticmethod
    def _base64_to_hex(base64_value):
        return binascii.hexlify(base64.b64decode(base64_value)).decode("ascii")

    @staticmethod
    def _hex_to_base64(hex_value):
        return base64.b64encode(binascii.unhexlify(hex_value)).decode("ascii")

    @staticmethod
    def _transform_hashes(hashes):
        return {h["type"]: TieClient._base64_to_hex(h["value"]) for h in hashes}

    @staticmethod
    def _transform_reputations(reputations):
        out = {}
        for rep in reputations:
            out[rep[ReputationProp.PROVIDER_ID]] = rep
            if CertReputationProp.OVERRIDDEN in rep and \
                    CertReputationOverriddenProp.FILES in rep[CertReputationProp.OVERRIDDEN]:
                for file_dict in rep[CertReputationProp.OVERRIDDEN][CertReputationOverriddenProp.FILES]:
                    if "hashes" in file_dict:
                        file_dict["hashes"] = TieClient._transform_hashes(file_dict["hashes"])
        return out

    @staticmethod
    def valid_parameter(constant, value):
        """Whether a value is one of a constants class's values (as the reference checks the
        arguments of :meth:`set_external_file_reputation`).

        **Example Usage**

            .. code-block:: python

                TieClient.valid_parameter(TrustLevel, 99)    # True
                TieClient.valid_parameter(FileType, 3)       # False

        :param constant: a constants class, e.g. :class:`dxltie.constants.TrustLevel`
        :param value: the value to look for
        :return: ``True`` if ``value`` equals one of the class's attributes whose names do not
            start with ``__``
        """
        return value in [getattr(constant, name) for name in dir(constant) if not name.startswith("__")]
