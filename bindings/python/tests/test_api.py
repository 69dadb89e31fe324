"""The binding's surface against the reference packages, without a broker: names, constants,
helpers, defaults, exceptions, and the library lookup."""

import binascii
import inspect
import os
import subprocess
import sys
import time

import pytest

import dxltie
import dxltie.callbacks
import dxltie.client
import dxltie.constants
from dxltie import _native

import dxltieclient
import dxltieclient.callbacks
import dxltieclient.client
import dxltieclient.constants

CONSTANT_CLASSES = [
    "HashType", "FileProvider", "CertProvider", "TrustLevel", "AtdTrustLevel", "FileType", "EpochMixin",
    "EnterpriseAttrib", "FileEnterpriseAttrib", "CertEnterpriseAttrib", "GtiAttrib", "FileGtiAttrib",
    "CertGtiAttrib", "AtdAttrib", "ReputationProp", "FileReputationProp", "CertReputationProp",
    "CertReputationOverriddenProp", "FirstRefProp", "RepChangeEventProp", "FileRepChangeEventProp",
    "CertRepChangeEventProp", "DetectionEventProp", "FirstInstanceEventProp",
]


def public_names(cls):
    return sorted(n for n in dir(cls) if not n.startswith("_"))


@pytest.mark.parametrize("name", CONSTANT_CLASSES)
def test_constant_classes_match_the_reference(name):
    ours, theirs = getattr(dxltie.constants, name), getattr(dxltieclient.constants, name)
    assert public_names(ours) == public_names(theirs)
    for attr in public_names(theirs):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        if callable(b):
            assert callable(a), attr
        else:
            assert (type(a), a) == (type(b), b), attr
    # the inheritance the helpers follow (e.g. no epoch helpers on the GTI classes)
    assert [c.__name__ for c in ours.__mro__] == [c.__name__ for c in theirs.__mro__]
    # exported from the package root too, as dxltieclient star-exports its constants
    assert getattr(dxltie, name) is ours


def test_topics_match_the_reference():
    for name in dir(dxltieclient.client):
        if name.startswith("TIE_"):
            assert getattr(dxltie.client, name) == getattr(dxltieclient.client, name), name


def test_tie_client_methods_have_the_reference_signatures():
    ref_methods = {n for n, v in vars(dxltieclient.client.TieClient).items()
                   if callable(v) or isinstance(v, staticmethod)}
    ref_methods |= {"response_timeout"}
    for name in sorted(ref_methods - {"__init__", "__doc__", "__module__"}):
        ours = inspect.getattr_static(dxltie.TieClient, name, None)
        assert ours is not None, name
        theirs = inspect.getattr_static(dxltieclient.client.TieClient, name, None) or \
            inspect.getattr_static(dxltieclient.TieClient, name)
        if isinstance(theirs, property):
            assert isinstance(ours, property)
            continue
        assert inspect.signature(getattr(dxltie.TieClient, name)) == \
            inspect.signature(getattr(dxltieclient.TieClient, name)), name


@pytest.mark.parametrize("cls,method", [
    ("DetectionCallback", "on_detection"),
    ("FirstInstanceCallback", "on_first_instance"),
    ("ReputationChangeCallback", "on_reputation_change"),
])
def test_callback_classes(cls, method):
    ours, theirs = getattr(dxltie, cls), getattr(dxltieclient, cls)
    assert inspect.signature(getattr(ours, method)) == inspect.signature(getattr(theirs, method))
    with pytest.raises(NotImplementedError) as ours_exc:
        getattr(ours(), method)({}, None)
    with pytest.raises(NotImplementedError) as theirs_exc:
        getattr(theirs(), method)({}, None)
    assert str(ours_exc.value) == str(theirs_exc.value) == "Must be implemented in a child class."


def test_get_version():
    assert dxltie.get_version() == dxltieclient.get_version() == "0.3.0"
    assert dxltie.library_version().startswith("dxltie ")


def test_response_timeout_like_dxlbootstrap(dxl_client_offline):
    ours = dxltie.TieClient(dxl_client_offline)
    assert ours.response_timeout == 30
    for bad in (29, 0, -1, 29.9):
        with pytest.raises(Exception) as exc:
            ours.response_timeout = bad
        assert type(exc.value) is Exception
        assert str(exc.value) == "Response timeout must be greater than or equal to 30"
        assert ours.response_timeout == 30
    ours.response_timeout = 45
    assert ours.response_timeout == 45
    ours.response_timeout = 30
    assert ours.response_timeout == 30


def test_tie_client_needs_a_binding_client():
    with pytest.raises(TypeError, match="dxltie.DxlClient"):
        dxltie.TieClient(object())


@pytest.mark.parametrize("cls,value", [
    ("TrustLevel", 99), ("TrustLevel", 42), ("TrustLevel", 99.0), ("TrustLevel", True), ("TrustLevel", None),
    ("FileType", 0), ("FileType", 3), ("FileType", 4328554496), ("FileType", 18), ("HashType", "md5"),
    ("FileEnterpriseAttrib", "2102165"), ("EnterpriseAttrib", "nope"),
])
def test_valid_parameter(cls, value):
    assert dxltie.TieClient.valid_parameter(getattr(dxltie, cls), value) == \
        dxltieclient.TieClient.valid_parameter(getattr(dxltieclient.constants, cls), value)


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 - comparing whatever is raised
        return ("raise", type(e), str(e))


@pytest.mark.parametrize("args", [
    ("73183493944770750",), (72339069014638857,), ("144115205255725061",), ("x",), ("",), (" 12 ",),
])
def test_version_helpers(args):
    for name in ("to_version_tuple", "to_version_string"):
        for cls in ("EnterpriseAttrib", "FileEnterpriseAttrib", "CertEnterpriseAttrib"):
            assert outcome(getattr(getattr(dxltie, cls), name), *args) == \
                outcome(getattr(getattr(dxltieclient.constants, cls), name), *args)


@pytest.mark.parametrize("value", [
    "AgBkADIAZABMHQ==", "AQAAAAAAAAAAAA==", "AQACAAMABAAFAAYA", "AQACAAMA", "AQACAAMABAAF", "!!", "AQ A\nCAAMABAAFAA==",
])
def test_aggregate_helper(value):
    ours = outcome(dxltie.FileEnterpriseAttrib.to_aggregate_tuple, value)
    theirs = outcome(dxltieclient.constants.FileEnterpriseAttrib.to_aggregate_tuple, value)
    assert ours == theirs
    if ours[0] == "ok":
        assert [type(v) for v in ours[1]] == [type(v) for v in theirs[1]]


@pytest.mark.parametrize("args", [
    (1476902802,), ("1476902802",), ("1476902802.75",), (1234.5,), (0,), ("x",),
    (1476902802, "%d/%m/%Y %H-%M"), ("1451502875", "%A %j"),
])
def test_epoch_helpers(args):
    for cls in ("EpochMixin", "EnterpriseAttrib", "FileEnterpriseAttrib", "CertEnterpriseAttrib", "FirstRefProp"):
        ours, theirs = getattr(dxltie, cls), getattr(dxltieclient.constants, cls)
        assert outcome(ours.to_localtime_string, *args) == outcome(theirs.to_localtime_string, *args)
        assert outcome(ours.to_localtime, args[0]) == outcome(theirs.to_localtime, args[0])


@pytest.mark.parametrize("fn,arg", [
    ("_base64_to_hex", "dGVzdA=="), ("_base64_to_hex", "8se7isyX+S6Yei1Ah9AhsQ"), ("_base64_to_hex", "a-b_c\nd=="),
    ("_hex_to_base64", "74657374"), ("_hex_to_base64", "ABC"), ("_hex_to_base64", "zz"),
    ("_transform_hashes", [{"type": "md5", "value": "dGVzdA=="}, {"type": "md5", "value": "AA=="}]),
    ("_transform_hashes", [{"value": "AA=="}]),
    ("_transform_reputations", [{"providerId": 1, "trustLevel": 9}, {"providerId": "15"}, {"providerId": 1, "x": 1}]),
    ("_transform_reputations", [{"providerId": 4, "overridden": {"files": [{"hashes": [{"type": "sha1", "value": "AA=="}]},
                                                                         {"other": 1}], "truncated": 0}}]),
    ("_transform_reputations", [{"trustLevel": 1}]),
])
def test_internal_static_helpers(fn, arg):
    import copy
    ours = outcome(getattr(dxltie.TieClient, fn), copy.deepcopy(arg))
    theirs = outcome(getattr(dxltieclient.TieClient, fn), copy.deepcopy(arg))
    assert ours == theirs


def test_message_utils_pretty_json():
    from dxlbootstrap.util import MessageUtils as Reference
    value = {3: {"b": 1, "a": [1, "é"]}, 1: {"trustLevel": 99}}
    assert dxltie.MessageUtils.dict_to_json(value, True) == Reference.dict_to_json(value, True)
    assert dxltie.MessageUtils.dict_to_json(value) == Reference.dict_to_json(value)


def test_service_error_code_is_signed_as_python_shows_it():
    assert _native.signed_code(0) == 0
    assert _native.signed_code(7) == 7
    assert _native.signed_code(0x80000001) == -2147483647
    assert _native.signed_code(0xFFFFFFFF) == -1
    exc = _native.service_exception("unable to locate service for request", 0x80000001)
    assert type(exc) is Exception
    assert str(exc) == "Error: unable to locate service for request (-2147483647)"
    assert (exc.error_code, exc.error_message) == (-2147483647, "unable to locate service for request")


def test_result_codes_map_to_the_reference_exception_classes():
    from dxltie import _ffi
    assert isinstance(_native.error_for(_ffi.DXLTIE_E_TIMEOUT, "Timeout waiting for response to message: {x}"),
                      dxltie.WaitTimeoutException)
    assert type(_native.error_for(_ffi.DXLTIE_E_INVALID_ARG, "TrustLevel was not specified")) is ValueError
    assert type(_native.error_for(_ffi.DXLTIE_E_INVALID_ARG, "Odd-length string")) is binascii.Error
    assert isinstance(_native.error_for(_ffi.DXLTIE_E_BAD_RESPONSE, "bad"), ValueError)
    err = _native.error_for(_ffi.DXLTIE_E_CONNECT, "")
    assert isinstance(err, dxltie.DxlException) and err.code == _ffi.DXLTIE_E_CONNECT
    assert str(err) == _ffi.dxltie_result_str(_ffi.DXLTIE_E_CONNECT).decode()
    assert issubclass(dxltie.WaitTimeoutException, dxltie.DxlException)


def test_config_errors_name_the_file(tmp_path):
    with pytest.raises(dxltie.DxlTieError) as exc:
        dxltie.DxlClientConfig.create_dxl_config_from_file(str(tmp_path / "missing.config"))
    assert "missing.config" in str(exc.value)
    bad = tmp_path / "dxlclient.config"
    bad.write_text("[Certs]\nBrokerCertChain=ca.crt\n")
    with pytest.raises(dxltie.DxlTieError) as exc:
        dxltie.DxlClientConfig.create_dxl_config_from_file(str(bad))
    assert "Certs" in str(exc.value) and exc.value.code_name == "DXLTIE_E_CONFIG"


def test_config_from_file(dxl_config):
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    [broker] = config.brokers
    assert (broker.unique_id, broker.port, broker.host_name, broker.ip_address) == \
        ("local", int(open(dxl_config).read().split("local;")[1].split(";")[0]), "localhost", "127.0.0.1")
    assert config.use_websockets is False
    assert config.client_id
    config.client_id = "my-id"
    assert config.client_id == "my-id"
    config.connect_retries = 2
    config.keep_alive_interval = 60
    config.reconnect_delay = 0.5
    config.incoming_message_queue_size = 10
    assert (config.connect_retries, config.keep_alive_interval, config.reconnect_delay,
            config.incoming_message_queue_size) == (2, 60, 0.5, 10)


def test_config_from_arguments(pki):
    config = dxltie.DxlClientConfig(pki["ca"], pki["client_cert"], pki["client_key"],
                                    [dxltie.Broker("localhost", unique_id="b1", ip_address="127.0.0.1", port=1883),
                                     "ssl://example.org:8883"])
    assert [(b.port, b.host_name, b.ip_address) for b in config.brokers] == \
        [(1883, "localhost", "127.0.0.1"), (8883, "example.org", None)]
    assert config.brokers[0].unique_id == "b1"
    with pytest.raises(ValueError):
        config.add_broker("abc;def")  # no port


def test_library_lookup_error_names_what_it_tried(tmp_path):
    import ctypes.util
    if ctypes.util.find_library("dxltie"):
        pytest.skip("a libdxltie is installed on the system path")
    env = dict(os.environ, DXLTIE_LIBRARY=str(tmp_path / "nope" / "libdxltie.so"))
    done = subprocess.run([sys.executable, "-c", "import dxltie"], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)
    assert done.returncode != 0
    err = done.stderr.decode()
    assert "LibraryNotFoundError" in err
    assert str(tmp_path / "nope" / "libdxltie.so") in err
    assert "beside the package" in err and "find_library" in err and "make lib" in err


def test_library_found_beside_the_package_first(tmp_path):
    """A copy of the package with the library beside it loads that copy, ignoring the variable."""
    import shutil
    pkg = tmp_path / "dxltie"
    shutil.copytree(os.path.dirname(dxltie.__file__), str(pkg), ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.realpath(dxltie.library_path()), str(pkg / "libdxltie.so"))
    env = dict(os.environ, DXLTIE_LIBRARY="/nonexistent/libdxltie.so", PYTHONPATH=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", "import dxltie; print(dxltie.library_path())"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == str(pkg / "libdxltie.so")


@pytest.fixture
def dxl_client_offline(pki):
    """A binding client that never connects (nothing listens on its broker)."""
    config = dxltie.DxlClientConfig(pki["ca"], pki["client_cert"], pki["client_key"], ["1;127.0.0.1"])
    client = dxltie.DxlClient(config)
    yield client
    client.destroy()


def test_offline_client_errors(dxl_client_offline):
    tie = dxltie.TieClient(dxl_client_offline)
    assert dxl_client_offline.connected is False
    with pytest.raises(dxltie.DxlTieError) as exc:
        tie.get_file_reputation({"md5": "f2c7bb8acc97f92e987a2d4087d021b1"})
    assert exc.value.code_name == "DXLTIE_E_NOT_CONNECTED"
    # argument errors come first, before anything would be sent
    with pytest.raises(binascii.Error, match="Odd-length string"):
        tie.get_file_reputation({"md5": "abc"})
    with pytest.raises(ValueError, match="TrustLevel was not specified"):
        tie.set_external_file_reputation(0, {"md5": "00"})
    started = time.monotonic()
    with pytest.raises(dxltie.DxlTieError) as exc:
        dxl_client_offline.connect(timeout=0.5)
    assert time.monotonic() - started < 5
    assert "127.0.0.1" in str(exc.value)
    dxl_client_offline.destroy()
    dxl_client_offline.destroy()  # twice is fine
    with pytest.raises(dxltie.DxlException, match="destroyed"):
        tie.get_file_reputation({"md5": "f2c7bb8acc97f92e987a2d4087d021b1"})


def test_helpers_exist_where_the_reference_has_them():
    assert not hasattr(dxltie.GtiAttrib, "to_localtime")
    assert not hasattr(dxltie.CertEnterpriseAttrib, "to_aggregate_tuple")
    assert hasattr(dxltie.FileEnterpriseAttrib, "to_aggregate_tuple")
    assert hasattr(dxltie.FirstRefProp, "to_localtime_string")
