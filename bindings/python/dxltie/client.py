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
"""

import base64
import binascii
import ctypes
import json
import logging

from . import _args, _ffi, _native
from ._native import blocking, check, take_string, to_bytes
from .constants import (CertReputationOverriddenProp, CertReputationProp, FileType, ReputationProp,
                        TrustLevel, RepChangeEventProp)
from .dxl_client import DxlClient, _millis
from .message import Event

__all__ = [
    "TieClient", "DxlClient",
    "TIE_SET_FILE_REPUTATION_TOPIC", "TIE_GET_FILE_REPUTATION_TOPIC", "TIE_SET_CERT_REPUTATION_TOPIC",
    "TIE_GET_CERT_REPUTATION_TOPIC", "TIE_GET_FILE_FIRST_REFS", "TIE_GET_CERT_FIRST_REFS",
    "TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC", "TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC",
    "TIE_EVENT_FILE_DETECTION_TOPIC", "TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC",
    "TIE_EVENT_FILE_PREVALENCE_CHANGE_TOPIC", "TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC",
]

logger = logging.getLogger("dxltie")

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


#: The registration function and trampoline of each event kind (the typed forms; the binding
#: uses their message and JSON text).
_REGISTRATIONS = {
    _DETECTION: ("dxltie_add_file_detection_callback", _native.detection_trampoline),
    _FIRST_INSTANCE: ("dxltie_add_file_first_instance_callback", _native.first_instance_trampoline),
    _FILE_REP_CHANGE: ("dxltie_add_file_reputation_change_callback", _native.reputation_change_trampoline),
    _CERT_REP_CHANGE: ("dxltie_add_certificate_reputation_change_callback", _native.reputation_change_trampoline),
}


# --------------------------------------------------------------------------------------------
# providerId maps: the library's JSON has string keys ("1"); Python's dicts have the providerId
# value itself (an int) as key.
# --------------------------------------------------------------------------------------------

def _provider_map(value):
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


def _event_dict(event):
    data = json.loads(event.json.decode("utf-8"))
    # The library names the maps its TIE transform keyed by providerId (Python keys them by the
    # providerId value; JSON could only write its text): only those are re-keyed here.
    keyed = getattr(event, "provider_keyed_json", None)  # only reputation-change events have maps
    for prop in json.loads(keyed.decode("utf-8")) if keyed else ():
        data[prop] = _provider_map(data[prop])
    return data


def _make_handler(kind, callback):
    method_name = _METHODS[kind]

    def handle(event):  # runs on the dispatcher thread; `event` is borrowed for the call
        try:
            original_event = Event._from_native(event.message)
            data = _event_dict(event)
            method = getattr(callback, method_name, None)
            if method is None:
                method = callback
            method(data, original_event)
        except BaseException:
            logger.exception("Exception in %s of %r", method_name, callback)

    return handle


class _Registration(object):
    """A callback object registered on a client: the library's id once the add returned."""

    __slots__ = ("callback", "id", "cancelled")

    def __init__(self, callback):
        self.callback = callback
        self.id = None
        self.cancelled = False


class _Hashes(object):
    """A ``dxltie_hash_t`` array built from a ``{hash_type: hex}`` dict, in iteration order."""

    def __init__(self, hashes):
        items = list(hashes.items())
        self.count = len(items)
        self.array = (_ffi.dxltie_hash_t * max(1, self.count))()
        for i, (hash_type, value) in enumerate(items):
            self.array[i].hash_type = to_bytes(hash_type if isinstance(hash_type, (str, bytes)) else str(hash_type))
            self.array[i].value = _hex_arg(value)


def _hex_arg(value):
    """A hex string argument; rejects what ``binascii.unhexlify`` rejects by type."""
    if isinstance(value, str):
        try:
            return value.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("string argument should contain only ASCII characters")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError("argument should be bytes, buffer or ASCII string, not '%s'" % type(value).__name__)


def _optional_hex(value):
    """An optional public-key SHA-1: falsy values (None, "") are absent, as in Python."""
    return _hex_arg(value) if value else None


def _trust_level_arg(value):
    """A trust level as the ``int32_t`` the library takes (not validated further, as in the
    reference)."""
    return _args.integer(value, "trust_level", _args.INT32_MIN, _args.INT32_MAX)


def _query_limit_arg(value):
    return _args.integer(value, "query_limit", _args.INT64_MIN, _args.INT64_MAX)


class TieClient(object):
    """A client of the McAfee Threat Intelligence Exchange (TIE) DXL service.

    :param dxl_client: the :class:`dxltie.DxlClient` to communicate through (connected before or
        after this object is made)
    """

    _DEFAULT_RESPONSE_TIMEOUT = _ffi.DXLTIE_RESPONSE_TIMEOUT_DEFAULT_SECS
    _MIN_RESPONSE_TIMEOUT = _ffi.DXLTIE_RESPONSE_TIMEOUT_MINIMUM_SECS

    def __init__(self, dxl_client):
        if not isinstance(dxl_client, DxlClient):
            raise TypeError("TieClient needs a dxltie.DxlClient (built with dxltie.DxlClientConfig), not %s.%s"
                            % (type(dxl_client).__module__, type(dxl_client).__name__))
        self._dxl_client = dxl_client
        self._response_timeout = self._DEFAULT_RESPONSE_TIMEOUT

    # -- response timeout (dxlbootstrap.client.Client) -----------------------------------------

    @property
    def response_timeout(self):
        """The maximum time, in seconds, to wait for a response from the TIE service (30)."""
        return self._response_timeout

    @response_timeout.setter
    def response_timeout(self, response_timeout):
        """Less than 30 raises ``Exception`` as in the reference; NaN, infinity and more than
        4 294 967.295 s (what the library's ``uint32_t`` of milliseconds holds, about 49.7 days)
        raise ``ValueError``: the reference would accept them and fail or wait forever at the
        first request; a silently shortened timeout would be worse."""
        if response_timeout < self._MIN_RESPONSE_TIMEOUT:
            raise Exception("Response timeout must be greater than or equal to " + str(self._MIN_RESPONSE_TIMEOUT))
        _millis(response_timeout, "response_timeout", self._MIN_RESPONSE_TIMEOUT)
        self._response_timeout = response_timeout

    def _timeout_ms(self):
        return _millis(self._response_timeout, "response_timeout")

    # -- the library calls (run by blocking(): on a worker when called on the main thread) ----

    def _call(self, function, *args):
        with self._dxl_client._use() as handle:
            check(function(handle, *args))

    def _call_json(self, function, *args):
        out = ctypes.c_void_p()
        with self._dxl_client._use() as handle:
            check(function(handle, *(args + (ctypes.byref(out),))))
        return take_string(out)  # freed here even when the caller has gone

    # -- callbacks ----------------------------------------------------------------------------

    def _add_callback(self, kind, callback):
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

    def _register(self, kind, callback, key, registration):
        """The library part of an add, with its bookkeeping (it completes even if the caller
        was interrupted meanwhile)."""
        client = self._dxl_client
        user_data = _native.register(_make_handler(kind, callback))
        out_id = ctypes.c_uint64()
        try:
            register, trampoline = _REGISTRATIONS[kind]
            with client._use() as handle:
                check(getattr(_ffi, register)(handle, trampoline, user_data, _native.free_user_data,
                                              ctypes.byref(out_id)))
        except BaseException:
            _native.unregister(user_data)  # the library did not take it
            with client._tie_callbacks_lock:
                if client._tie_callbacks.get(key) is registration:
                    del client._tie_callbacks[key]
            raise
        with client._tie_callbacks_lock:
            registration.id = out_id.value
            cancelled = registration.cancelled
        if cancelled:  # removed while it was being added
            self._remove_id(out_id.value)

    def _remove_callback(self, kind, callback):
        client = self._dxl_client
        with client._tie_callbacks_lock:
            registration = client._tie_callbacks.pop((kind, id(callback)), None)
            if registration is None:
                return
            if registration.id is None:
                registration.cancelled = True  # the adding thread removes it
                return
        blocking(self._remove_id, registration.id)

    def _remove_id(self, registration_id):
        with self._dxl_client._use() as handle:
            rc = _ffi.dxltie_remove_callback(handle, registration_id)
        if rc not in (_ffi.DXLTIE_OK, _ffi.DXLTIE_E_NOT_FOUND):
            check(rc)

    def add_file_first_instance_callback(self, first_instance_callback):
        """Registers a :class:`dxltie.FirstInstanceCallback` for file first-instance events."""
        self._add_callback(_FIRST_INSTANCE, first_instance_callback)

    def remove_file_first_instance_callback(self, first_instance_callback):
        """Unregisters a :class:`dxltie.FirstInstanceCallback`."""
        self._remove_callback(_FIRST_INSTANCE, first_instance_callback)

    def add_file_detection_callback(self, detection_callback):
        """Registers a :class:`dxltie.DetectionCallback` for file detection events."""
        self._add_callback(_DETECTION, detection_callback)

    def remove_file_detection_callback(self, detection_callback):
        """Unregisters a :class:`dxltie.DetectionCallback`."""
        self._remove_callback(_DETECTION, detection_callback)

    def add_file_reputation_change_callback(self, rep_change_callback):
        """Registers a :class:`dxltie.ReputationChangeCallback` for file reputation changes."""
        self._add_callback(_FILE_REP_CHANGE, rep_change_callback)

    def remove_file_reputation_change_callback(self, rep_change_callback):
        """Unregisters a :class:`dxltie.ReputationChangeCallback` from file reputation changes."""
        self._remove_callback(_FILE_REP_CHANGE, rep_change_callback)

    def add_certificate_reputation_change_callback(self, rep_change_callback):
        """Registers a :class:`dxltie.ReputationChangeCallback` for certificate reputation changes."""
        self._add_callback(_CERT_REP_CHANGE, rep_change_callback)

    def remove_certificate_reputation_change_callback(self, rep_change_callback):
        """Unregisters a :class:`dxltie.ReputationChangeCallback` from certificate reputation changes."""
        self._remove_callback(_CERT_REP_CHANGE, rep_change_callback)

    # -- file requests ------------------------------------------------------------------------

    def set_file_reputation(self, trust_level, hashes, filename="", comment=""):
        """Sets the Enterprise reputation (trust level) of a file identified by ``hashes``
        (``{HashType.MD5: hex, ...}``). The trust level is not validated, as in the reference."""
        trust_level = _trust_level_arg(trust_level)
        h = _Hashes(hashes)
        blocking(self._call, _ffi.dxltie_set_file_reputation, trust_level, h.array, h.count,
                 to_bytes(filename, "filename"), to_bytes(comment, "comment"), self._timeout_ms())

    def set_external_file_reputation(self, trust_level, hashes, file_type=0, filename="", comment=""):
        """Reports an External provider reputation for a file (a DXL event: no response).

        Raises ``ValueError`` (checked in this order): ``TrustLevel was not specified`` (also for
        ``TrustLevel.NOT_SET``), ``FileType was not a valid entry``, ``TrustLevel was not a valid
        entry``, ``File hashes were not specified``."""
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
        """The reputations of a file identified by ``hashes``: ``{providerId: reputation}``
        (``FileProvider.GTI``, ``FileProvider.ENTERPRISE``, ...); ``{}`` when none."""
        h = _Hashes(hashes)
        text = blocking(self._call_json, _ffi.dxltie_get_file_reputation_json, h.array, h.count, self._timeout_ms())
        return _provider_map(json.loads(text))

    def get_file_first_references(self, hashes, query_limit=500):
        """The systems that first referenced the file: a list of ``{"agentGuid", "date"}``."""
        query_limit = _query_limit_arg(query_limit)
        h = _Hashes(hashes)
        text = blocking(self._call_json, _ffi.dxltie_get_file_first_references_json, h.array, h.count, query_limit,
                        self._timeout_ms())
        return json.loads(text)

    # -- certificate requests -----------------------------------------------------------------

    def set_certificate_reputation(self, trust_level, sha1, public_key_sha1=None, comment=""):
        """Sets the Enterprise reputation (trust level) of a certificate."""
        blocking(self._call, _ffi.dxltie_set_certificate_reputation, _trust_level_arg(trust_level), _hex_arg(sha1),
                 _optional_hex(public_key_sha1), to_bytes(comment, "comment"), self._timeout_ms())

    def get_certificate_reputation(self, sha1, public_key_sha1=None):
        """The reputations of a certificate: ``{providerId: reputation}`` (``CertProvider.GTI``,
        ``CertProvider.ENTERPRISE``); ``{}`` when none."""
        text = blocking(self._call_json, _ffi.dxltie_get_certificate_reputation_json, _hex_arg(sha1),
                        _optional_hex(public_key_sha1), self._timeout_ms())
        return _provider_map(json.loads(text))

    def get_certificate_first_references(self, sha1, public_key_sha1=None, query_limit=500):
        """The systems that first referenced files signed by the certificate."""
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
        """Whether ``value`` equals one of the public attributes of the class ``constant``."""
        return value in [getattr(constant, name) for name in dir(constant) if not name.startswith("__")]

