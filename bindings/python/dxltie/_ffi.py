"""Low-level ctypes declarations for ``libdxltie`` (``include/dxltie.h``).

Everything here mirrors the C header one to one: the structs, the callback types and the
argument and result types of every exported function. Nothing in this module raises on a
``dxltie_result_t``; the checked wrappers live in :mod:`dxltie._native`.

The library is looked up in this order:

1. the path in the environment variable ``DXLTIE_LIBRARY``, when it is set (development: a
   library just built, e.g. ``target/debug/libdxltie.so``); if it cannot be loaded, the search
   goes on and a warning goes to the ``dxltie`` logger;
2. beside this package: ``libdxltie.so.<abi>`` (``libdxltie.so.0.1``, the file the wheel
   bundles, named by its SONAME), ``libdxltie.so``, ``libdxltie.dylib``, ``dxltie.dll`` in the
   ``dxltie`` package directory;
3. the system search path (``ctypes.util.find_library("dxltie")``, e.g. after ``make install``).

If none loads, :class:`LibraryNotFoundError` lists everything tried.

The library is loaded with :class:`ctypes.CDLL`, which releases the GIL for the duration of
every call, so a blocking request in one thread never stalls the library's dispatcher thread
when it needs the GIL to run a Python callback.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from typing import Any
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char,
    c_char_p,
    c_double,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)

__all__ = ["lib", "library_path", "LibraryNotFoundError"]

#: The environment variable that names the library file explicitly.
LIBRARY_ENV = "DXLTIE_LIBRARY"

#: The library ABI these declarations are written for: the version in its SONAME
#: (``libdxltie.so.0.1``), as ``build.rs`` counts it from the crate version. The wheel bundles the
#: library under that name (``setup.py``); ``tests/test_packaging.py`` checks the two agree.
ABI_VERSION = "0.1"

_BESIDE_NAMES = ("libdxltie.so." + ABI_VERSION, "libdxltie.so", "libdxltie.dylib", "dxltie.dll")


class LibraryNotFoundError(OSError):
    """``libdxltie`` could not be found or loaded; the message lists every place tried."""


def _load() -> tuple[ctypes.CDLL, str]:
    tried = []
    env = os.environ.get(LIBRARY_ENV)
    if env:
        try:
            return ctypes.CDLL(env), env
        except OSError as e:
            tried.append("%s (from %s: %s)" % (env, LIBRARY_ENV, e))
    else:
        tried.append("$%s (not set)" % LIBRARY_ENV)
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _BESIDE_NAMES:
        path = os.path.join(here, name)
        if os.path.exists(path):
            try:
                library = ctypes.CDLL(path)
            except OSError as e:
                tried.append("%s (beside the package: %s)" % (path, e))
                continue
            if env:
                logging.getLogger("dxltie").warning("%s could not be loaded; using %s", tried[0], path)
            return library, path
        tried.append("%s (beside the package: not found)" % path)
    found = ctypes.util.find_library("dxltie")
    if found:
        try:
            library = ctypes.CDLL(found)
        except OSError as e:
            tried.append("%s (from the system path: %s)" % (found, e))
        else:
            if env:
                logging.getLogger("dxltie").warning("%s could not be loaded; using %s", tried[0], found)
            return library, found
    else:
        tried.append("ctypes.util.find_library('dxltie') (not found on the system path)")
    raise LibraryNotFoundError(
        "libdxltie could not be loaded. Install the package from a wheel that bundles it "
        "(`pip install ./bindings/python` builds one), or build it with `make lib` and set %s to "
        "its path, copy it beside the dxltie package, or install it on the system library path "
        "(`make install`). Tried:\n  - %s" % (LIBRARY_ENV, "\n  - ".join(tried))
    )


lib, library_path = _load()

# --------------------------------------------------------------------------------------------
# Scalar typedefs and constants
# --------------------------------------------------------------------------------------------

dxltie_result_t = c_int32
dxltie_connection_state_t = c_int32
dxltie_overflow_policy_t = c_int32
dxltie_transport_t = c_int32
dxltie_event_kind_t = c_int32
dxltie_log_level_t = c_int32

#: An integer field the event did not carry (``INT64_MIN``).
DXLTIE_ABSENT = -(2 ** 63)

DXLTIE_OK = 0
DXLTIE_E_NULL_ARG = -1
DXLTIE_E_INVALID_ARG = -2
DXLTIE_E_UTF8 = -3
DXLTIE_E_CONFIG = -4
DXLTIE_E_IO = -5
DXLTIE_E_TLS = -6
DXLTIE_E_CONNECT = -7
DXLTIE_E_NOT_CONNECTED = -8
DXLTIE_E_TIMEOUT = -9
DXLTIE_E_SERVICE_ERROR = -10
DXLTIE_E_BAD_RESPONSE = -11
DXLTIE_E_QUEUE_FULL = -12
DXLTIE_E_WOULD_DEADLOCK = -13
DXLTIE_E_NOT_FOUND = -14
DXLTIE_E_SHUTDOWN = -15
DXLTIE_E_PANIC = -16
# -17 was DXLTIE_E_INTERNAL, which the library never returned; the value is not reused.
#: A client used in a process forked from the one that created it (the library's threads and
#: connection stayed in the parent).
DXLTIE_E_FORKED = -18

RESULT_NAMES = {
    0: "DXLTIE_OK",
    -1: "DXLTIE_E_NULL_ARG",
    -2: "DXLTIE_E_INVALID_ARG",
    -3: "DXLTIE_E_UTF8",
    -4: "DXLTIE_E_CONFIG",
    -5: "DXLTIE_E_IO",
    -6: "DXLTIE_E_TLS",
    -7: "DXLTIE_E_CONNECT",
    -8: "DXLTIE_E_NOT_CONNECTED",
    -9: "DXLTIE_E_TIMEOUT",
    -10: "DXLTIE_E_SERVICE_ERROR",
    -11: "DXLTIE_E_BAD_RESPONSE",
    -12: "DXLTIE_E_QUEUE_FULL",
    -13: "DXLTIE_E_WOULD_DEADLOCK",
    -14: "DXLTIE_E_NOT_FOUND",
    -15: "DXLTIE_E_SHUTDOWN",
    -16: "DXLTIE_E_PANIC",
    -18: "DXLTIE_E_FORKED",
}

DXLTIE_STATE_DISCONNECTED = 0
DXLTIE_STATE_CONNECTING = 1
DXLTIE_STATE_CONNECTED = 2

DXLTIE_TRANSPORT_NONE = 0
DXLTIE_TRANSPORT_MQTT_TLS = 1
DXLTIE_TRANSPORT_WEBSOCKETS = 2
DXLTIE_TRANSPORT_WEBSOCKETS_PROXY = 3
DXLTIE_STATS_BROKER_SIZE = 256

DXLTIE_OVERFLOW_BLOCK = 0
DXLTIE_OVERFLOW_DROP_OLDEST = 1

DXLTIE_EVENT_KIND_FILE_DETECTION = 0
DXLTIE_EVENT_KIND_FILE_FIRST_INSTANCE = 1
DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE = 2
DXLTIE_EVENT_KIND_CERTIFICATE_REPUTATION_CHANGE = 3

DXLTIE_DXL_MESSAGE_TYPE_REQUEST = 0
DXLTIE_DXL_MESSAGE_TYPE_RESPONSE = 1
DXLTIE_DXL_MESSAGE_TYPE_EVENT = 2
DXLTIE_DXL_MESSAGE_TYPE_ERROR_RESPONSE = 3
DXLTIE_DXL_SERVICE_UNAVAILABLE = 0x80000001

DXLTIE_LOG_ERROR = 1
DXLTIE_LOG_WARN = 2
DXLTIE_LOG_INFO = 3
DXLTIE_LOG_DEBUG = 4
DXLTIE_LOG_TRACE = 5

DXLTIE_RESPONSE_TIMEOUT_DEFAULT_SECS = 30
DXLTIE_RESPONSE_TIMEOUT_MINIMUM_SECS = 30

# --------------------------------------------------------------------------------------------
# Opaque handles
# --------------------------------------------------------------------------------------------


class dxltie_client_t(Structure):
    """Opaque client handle (only ever used through a pointer)."""


class dxltie_config_t(Structure):
    """Opaque configuration handle (only ever used through a pointer)."""


client_p = POINTER(dxltie_client_t)
config_p = POINTER(dxltie_config_t)

# --------------------------------------------------------------------------------------------
# Structs
# --------------------------------------------------------------------------------------------


class dxltie_stats_t(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("received", c_uint64),
        ("delivered", c_uint64),
        ("dropped", c_uint64),
        ("undecodable", c_uint64),
        ("reconnects", c_uint64),
        ("bad_events", c_uint64),
        ("callback_faults", c_uint64),
        ("oversized", c_uint64),
        ("connect_attempts", c_uint64),
        ("cache_hits", c_uint64),
        ("cache_misses", c_uint64),
        ("cache_coalesced", c_uint64),
        ("cache_invalidated_by_event", c_uint64),
        ("cache_invalidated_by_set", c_uint64),
        ("cache_expired", c_uint64),
        ("cache_evicted", c_uint64),
        ("cache_dropped_on_disconnect", c_uint64),
        ("cache_entries", c_uint64),
        ("transport", dxltie_transport_t),
        ("broker", c_char * DXLTIE_STATS_BROKER_SIZE),
    ]


class dxltie_broker_t(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("unique_id", c_char_p),
        ("port", c_uint16),
        ("host_name", c_char_p),
        ("ip_address", c_char_p),
    ]


class dxltie_message_info_t(Structure):
    _fields_ = [
        ("topic", c_char_p),
        ("message_id", c_char_p),
        ("source_client_id", c_char_p),
        ("source_broker_id", c_char_p),
        ("payload", POINTER(c_uint8)),
        ("payload_len", c_size_t),
    ]


class dxltie_hash_t(Structure):
    _fields_ = [("hash_type", c_char_p), ("value", c_char_p)]


class dxltie_detection_t(Structure):
    _fields_ = [
        ("message", dxltie_message_info_t),
        ("json", c_char_p),
        ("agent_guid", c_char_p),
        ("detection_time", c_int64),
        ("hashes", POINTER(dxltie_hash_t)),
        ("hash_count", c_size_t),
        ("local_reputation", c_int64),
        ("name", c_char_p),
        ("remediation_action", c_int64),
    ]


class dxltie_first_instance_t(Structure):
    _fields_ = [
        ("message", dxltie_message_info_t),
        ("json", c_char_p),
        ("agent_guid", c_char_p),
        ("hashes", POINTER(dxltie_hash_t)),
        ("hash_count", c_size_t),
        ("name", c_char_p),
    ]


class dxltie_attribute_t(Structure):
    _fields_ = [("id", c_char_p), ("value", c_char_p)]


class dxltie_reputation_t(Structure):
    _fields_ = [
        ("provider_id", c_int64),
        ("trust_level", c_int64),
        ("create_date", c_int64),
        ("attributes", POINTER(dxltie_attribute_t)),
        ("attribute_count", c_size_t),
    ]


class dxltie_reputation_change_t(Structure):
    _fields_ = [
        ("message", dxltie_message_info_t),
        ("json", c_char_p),
        ("kind", dxltie_event_kind_t),
        ("hashes", POINTER(dxltie_hash_t)),
        ("hash_count", c_size_t),
        ("new_reputations", POINTER(dxltie_reputation_t)),
        ("new_reputation_count", c_size_t),
        ("old_reputations", POINTER(dxltie_reputation_t)),
        ("old_reputation_count", c_size_t),
        ("update_time", c_int64),
        ("public_key_sha1", c_char_p),
        ("certificate_hashes", POINTER(dxltie_hash_t)),
        ("certificate_hash_count", c_size_t),
        ("certificate_public_key_sha1", c_char_p),
        ("provider_keyed_json", c_char_p),
    ]


class dxltie_json_event_t(Structure):
    _fields_ = [
        ("message", dxltie_message_info_t),
        ("kind", dxltie_event_kind_t),
        ("json", c_char_p),
        ("provider_keyed_json", c_char_p),
    ]


class dxltie_server_version_t(Structure):
    _fields_ = [
        ("major", c_uint8),
        ("minor", c_uint8),
        ("patch", c_uint16),
        ("build", c_uint32),
    ]


class dxltie_aggregate_t(Structure):
    _fields_ = [
        ("file_count", c_uint16),
        ("max_trust_level", c_uint16),
        ("min_trust_level", c_uint16),
        ("last_trust_level", c_uint16),
        ("average_trust_level", c_double),
    ]


class dxltie_reputations_t(Structure):
    _fields_ = [
        ("items", POINTER(dxltie_reputation_t)),
        ("count", c_size_t),
        ("json", c_char_p),
    ]


class dxltie_first_reference_t(Structure):
    _fields_ = [("agent_guid", c_char_p), ("date", c_int64)]


class dxltie_first_references_t(Structure):
    _fields_ = [
        ("items", POINTER(dxltie_first_reference_t)),
        ("count", c_size_t),
        ("json", c_char_p),
    ]


class dxltie_response_t(Structure):
    _fields_ = [
        ("status", dxltie_result_t),
        ("service_error_code", c_uint32),
        ("error_message", c_char_p),
        ("json", c_char_p),
        ("reputations", POINTER(dxltie_reputations_t)),
        ("first_references", POINTER(dxltie_first_references_t)),
    ]


class dxltie_dxl_field_t(Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p)]


class dxltie_dxl_message_t(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("message_type", c_int32),
        ("version", c_uint32),
        ("message_id", c_char_p),
        ("topic", c_char_p),
        ("payload", POINTER(c_uint8)),
        ("payload_len", c_size_t),
        ("source_client_id", c_char_p),
        ("source_client_instance_id", c_char_p),
        ("source_broker_id", c_char_p),
        ("client_ids", POINTER(c_char_p)),
        ("client_id_count", c_size_t),
        ("broker_ids", POINTER(c_char_p)),
        ("broker_id_count", c_size_t),
        ("source_tenant_guid", c_char_p),
        ("destination_tenant_guids", POINTER(c_char_p)),
        ("destination_tenant_guid_count", c_size_t),
        ("other_fields", POINTER(dxltie_dxl_field_t)),
        ("other_field_count", c_size_t),
        ("reply_to_topic", c_char_p),
        ("service_id", c_char_p),
        ("request_message_id", c_char_p),
        ("error_code", c_uint32),
        ("error_message", c_char_p),
    ]


class dxltie_dxl_service_t(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("service_type", c_char_p),
        ("service_id", c_char_p),
        ("topics", POINTER(c_char_p)),
        ("topic_count", c_size_t),
        ("metadata", POINTER(dxltie_dxl_field_t)),
        ("metadata_count", c_size_t),
        ("ttl_minutes", c_uint32),
        ("destination_tenant_guids", POINTER(c_char_p)),
        ("destination_tenant_guid_count", c_size_t),
    ]


# --------------------------------------------------------------------------------------------
# Callback types
# --------------------------------------------------------------------------------------------

dxltie_state_fn = CFUNCTYPE(None, c_void_p, dxltie_connection_state_t)
dxltie_free_fn = CFUNCTYPE(None, c_void_p)
dxltie_detection_fn = CFUNCTYPE(None, c_void_p, POINTER(dxltie_detection_t))
dxltie_first_instance_fn = CFUNCTYPE(None, c_void_p, POINTER(dxltie_first_instance_t))
dxltie_reputation_change_fn = CFUNCTYPE(None, c_void_p, POINTER(dxltie_reputation_change_t))
dxltie_json_fn = CFUNCTYPE(None, c_void_p, POINTER(dxltie_json_event_t))
dxltie_json_batch_fn = CFUNCTYPE(None, c_void_p, c_char_p, c_size_t, c_void_p, c_size_t)
dxltie_log_fn = CFUNCTYPE(None, c_void_p, dxltie_log_level_t, c_char_p, c_char_p)
dxltie_response_fn = CFUNCTYPE(None, c_void_p, POINTER(dxltie_response_t))
dxltie_dxl_message_fn = CFUNCTYPE(None, c_void_p, POINTER(dxltie_dxl_message_t))
dxltie_dxl_response_fn = CFUNCTYPE(None, c_void_p, dxltie_result_t, c_char_p, POINTER(dxltie_dxl_message_t))

# --------------------------------------------------------------------------------------------
# Functions: (name, restype, argtypes), in header order
# --------------------------------------------------------------------------------------------

_hash_p = POINTER(dxltie_hash_t)
_out_str = POINTER(c_void_p)  # char **: kept as a raw pointer so that it can be freed
_R = dxltie_result_t

FUNCTIONS = [
    # client
    ("dxltie_client_new", _R, [config_p, POINTER(client_p)]),
    ("dxltie_client_connect", _R, [client_p, c_uint32]),
    ("dxltie_client_disconnect", _R, [client_p]),
    ("dxltie_client_is_connected", c_bool, [client_p]),
    ("dxltie_client_may_free_here", c_bool, [client_p]),
    ("dxltie_client_free", _R, [client_p]),
    ("dxltie_client_stats", _R, [client_p, POINTER(dxltie_stats_t)]),
    ("dxltie_client_set_state_callback", _R, [client_p, dxltie_state_fn, c_void_p, dxltie_free_fn]),
    # configuration
    ("dxltie_config_from_file", _R, [c_char_p, POINTER(config_p)]),
    ("dxltie_config_free", None, [config_p]),
    ("dxltie_config_client_id", c_char_p, [config_p]),
    ("dxltie_config_use_websockets", c_bool, [config_p]),
    ("dxltie_config_broker_count", _R, [config_p, POINTER(c_size_t)]),
    ("dxltie_config_broker", _R, [config_p, c_size_t, POINTER(dxltie_broker_t)]),
    ("dxltie_config_new", _R, [POINTER(config_p)]),
    ("dxltie_config_set_certificate_files", _R, [config_p, c_char_p, c_char_p, c_char_p]),
    ("dxltie_config_set_certificate_pems", _R, [config_p, c_char_p, c_char_p, c_char_p]),
    ("dxltie_config_add_broker", _R, [config_p, c_char_p]),
    ("dxltie_config_add_websocket_broker", _R, [config_p, c_char_p]),
    ("dxltie_config_set_use_websockets", _R, [config_p, c_bool]),
    ("dxltie_config_set_proxy", _R, [config_p, c_char_p, c_uint32, c_char_p, c_char_p]),
    ("dxltie_config_set_client_id", _R, [config_p, c_char_p]),
    ("dxltie_config_set_reconnect_back_off", _R, [config_p, c_uint32, c_uint32, c_uint32, c_double]),
    ("dxltie_config_set_connect_retries", _R, [config_p, c_int32]),
    ("dxltie_config_set_queue", _R, [config_p, c_size_t, dxltie_overflow_policy_t]),
    ("dxltie_config_set_keep_alive", _R, [config_p, c_uint32]),
    ("dxltie_config_set_busy_poll", _R, [config_p, c_uint32]),
    ("dxltie_config_set_reputation_cache", _R, [config_p, c_uint32, c_uint32]),
    # Not used by the binding: its callbacks read the JSON text (see the header).
    ("dxltie_config_set_event_json", _R, [config_p, c_bool]),
    # event callbacks
    ("dxltie_add_file_detection_callback", _R,
     [client_p, dxltie_detection_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_add_file_first_instance_callback", _R,
     [client_p, dxltie_first_instance_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_add_file_reputation_change_callback", _R,
     [client_p, dxltie_reputation_change_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_add_certificate_reputation_change_callback", _R,
     [client_p, dxltie_reputation_change_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_add_json_callback", _R,
     [client_p, dxltie_event_kind_t, dxltie_json_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_add_json_batch_callback", _R,
     [client_p, dxltie_event_kind_t, dxltie_json_batch_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_remove_callback", _R, [client_p, c_uint64]),
    # helpers
    ("dxltie_to_version", _R, [c_char_p, POINTER(dxltie_server_version_t)]),
    ("dxltie_to_aggregate", _R, [c_char_p, POINTER(dxltie_aggregate_t)]),
    ("dxltie_to_localtime_string", _R, [c_int64, c_char_p, _out_str]),
    ("dxltie_is_valid_trust_level", c_bool, [c_int64]),
    ("dxltie_is_valid_file_type", c_bool, [c_uint64]),
    ("dxltie_has_definitive_reputation", c_bool, [POINTER(dxltie_reputations_t)]),
    ("dxltie_json_pretty", _R, [c_char_p, _out_str]),
    ("dxltie_set_log_callback", _R, [dxltie_log_fn, c_void_p, dxltie_log_level_t]),
    # freeing results
    ("dxltie_reputations_free", None, [POINTER(dxltie_reputations_t)]),
    ("dxltie_first_references_free", None, [POINTER(dxltie_first_references_t)]),
    ("dxltie_string_free", None, [c_void_p]),
    ("dxltie_last_service_error_code", c_uint32, []),
    # synchronous requests
    ("dxltie_get_file_reputation", _R,
     [client_p, _hash_p, c_size_t, c_uint32, POINTER(POINTER(dxltie_reputations_t))]),
    ("dxltie_get_file_reputation_json", _R, [client_p, _hash_p, c_size_t, c_uint32, _out_str]),
    ("dxltie_set_file_reputation", _R,
     [client_p, c_int32, _hash_p, c_size_t, c_char_p, c_char_p, c_uint32]),
    ("dxltie_set_external_file_reputation", _R,
     [client_p, c_int32, _hash_p, c_size_t, c_uint64, c_char_p, c_char_p]),
    ("dxltie_get_file_first_references", _R,
     [client_p, _hash_p, c_size_t, c_int64, c_uint32, POINTER(POINTER(dxltie_first_references_t))]),
    ("dxltie_get_file_first_references_json", _R,
     [client_p, _hash_p, c_size_t, c_int64, c_uint32, _out_str]),
    ("dxltie_get_certificate_reputation", _R,
     [client_p, c_char_p, c_char_p, c_uint32, POINTER(POINTER(dxltie_reputations_t))]),
    ("dxltie_get_certificate_reputation_json", _R, [client_p, c_char_p, c_char_p, c_uint32, _out_str]),
    ("dxltie_set_certificate_reputation", _R,
     [client_p, c_int32, c_char_p, c_char_p, c_char_p, c_uint32]),
    ("dxltie_get_certificate_first_references", _R,
     [client_p, c_char_p, c_char_p, c_int64, c_uint32, POINTER(POINTER(dxltie_first_references_t))]),
    ("dxltie_get_certificate_first_references_json", _R,
     [client_p, c_char_p, c_char_p, c_int64, c_uint32, _out_str]),
    # asynchronous requests
    ("dxltie_get_file_reputation_async", _R,
     [client_p, _hash_p, c_size_t, c_uint32, dxltie_response_fn, c_void_p, dxltie_free_fn]),
    ("dxltie_set_file_reputation_async", _R,
     [client_p, c_int32, _hash_p, c_size_t, c_char_p, c_char_p, c_uint32,
      dxltie_response_fn, c_void_p, dxltie_free_fn]),
    ("dxltie_get_file_first_references_async", _R,
     [client_p, _hash_p, c_size_t, c_int64, c_uint32, dxltie_response_fn, c_void_p, dxltie_free_fn]),
    ("dxltie_get_certificate_reputation_async", _R,
     [client_p, c_char_p, c_char_p, c_uint32, dxltie_response_fn, c_void_p, dxltie_free_fn]),
    ("dxltie_set_certificate_reputation_async", _R,
     [client_p, c_int32, c_char_p, c_char_p, c_char_p, c_uint32,
      dxltie_response_fn, c_void_p, dxltie_free_fn]),
    ("dxltie_get_certificate_first_references_async", _R,
     [client_p, c_char_p, c_char_p, c_int64, c_uint32, dxltie_response_fn, c_void_p, dxltie_free_fn]),
    # the DXL layer
    ("dxltie_dxl_add_event_callback", _R,
     [client_p, c_char_p, c_bool, dxltie_dxl_message_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_dxl_add_request_callback", _R,
     [client_p, c_char_p, dxltie_dxl_message_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_dxl_add_response_callback", _R,
     [client_p, c_char_p, dxltie_dxl_message_fn, c_void_p, dxltie_free_fn, POINTER(c_uint64)]),
    ("dxltie_dxl_remove_callback", _R, [client_p, c_uint64, c_bool]),
    ("dxltie_dxl_subscribe", _R, [client_p, c_char_p]),
    ("dxltie_dxl_unsubscribe", _R, [client_p, c_char_p]),
    ("dxltie_dxl_subscriptions", _R, [client_p, _out_str]),
    ("dxltie_dxl_send_event", _R, [client_p, POINTER(dxltie_dxl_message_t)]),
    ("dxltie_dxl_current_broker", _R, [client_p, _out_str]),
    ("dxltie_dxl_message_free", None, [POINTER(dxltie_dxl_message_t)]),
    ("dxltie_dxl_sync_request", _R,
     [client_p, POINTER(dxltie_dxl_message_t), c_uint32, POINTER(POINTER(dxltie_dxl_message_t))]),
    ("dxltie_dxl_async_request", _R,
     [client_p, POINTER(dxltie_dxl_message_t), c_uint32, dxltie_dxl_response_fn, c_void_p, dxltie_free_fn]),
    ("dxltie_dxl_send_response", _R, [client_p, POINTER(dxltie_dxl_message_t)]),
    ("dxltie_dxl_respond", _R, [client_p, POINTER(dxltie_dxl_message_t), POINTER(c_uint8), c_size_t]),
    ("dxltie_dxl_respond_error", _R, [client_p, POINTER(dxltie_dxl_message_t), c_uint32, c_char_p]),
    ("dxltie_dxl_register_service", _R,
     [client_p, POINTER(dxltie_dxl_service_t), dxltie_dxl_message_fn, c_void_p, dxltie_free_fn, _out_str]),
    ("dxltie_dxl_wait_service_registered", _R, [client_p, c_char_p, c_uint32]),
    ("dxltie_dxl_unregister_service", _R, [client_p, c_char_p, c_uint32]),
    # errors and version
    ("dxltie_result_str", c_char_p, [dxltie_result_t]),
    ("dxltie_last_error_message", c_char_p, []),
    ("dxltie_version", c_char_p, []),
    ("dxltie_version_major", c_uint32, []),
    ("dxltie_version_minor", c_uint32, []),
    ("dxltie_version_patch", c_uint32, []),
]


def __getattr__(name: str) -> Any:
    # PEP 562. The functions are declared from FUNCTIONS at import (_declare): this tells type
    # checkers that the module's attributes are dynamic; at run time it only answers the names
    # that are really missing.
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def _declare() -> None:
    missing = []
    for name, restype, argtypes in FUNCTIONS:
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
        globals()[name] = fn
    if missing:
        raise LibraryNotFoundError(
            "%s does not export %s: it is older or newer than this binding (rebuild with "
            "`make lib`)" % (library_path, ", ".join(missing))
        )


_declare()
