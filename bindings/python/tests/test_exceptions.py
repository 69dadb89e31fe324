"""The exception classes of configuration errors, against the reference: for each problem, what
the real ``dxlclient`` raises (run here, on the same files) and that dxltie's exception is an
instance of that class (a built-in one) or has its name (one of ``dxlclient.exceptions``), while
staying a :class:`dxltie.DxlTieError` with its ``code``; and the classification of every
message form the library produces."""

import binascii
import errno
import os
import shutil
import ssl

import pytest

import dxltie
from dxltie import _ffi, _native

from conftest import free_port

pytest.importorskip("dxlclient")

from dxlclient.broker import Broker as RefBroker  # noqa: E402
from dxlclient.client import DxlClient as RefDxlClient  # noqa: E402
from dxlclient.client_config import DxlClientConfig as RefDxlClientConfig  # noqa: E402


def config_text(ca, cert, key, port, extra=""):
    return ("[General]\n%s\n[Certs]\nBrokerCertChain = %s\nCertFile = %s\nPrivateKey = %s\n\n"
            "[Brokers]\nb1 = b1;%d;127.0.0.1;127.0.0.1\n" % (extra, ca, cert, key, port))


def run_ours(make_config):
    """Makes the configuration, the client and connects (nothing listens: the failures of
    interest come first); returns the exception."""
    client = None
    try:
        config = make_config(dxltie.DxlClientConfig)
        config.connect_retries = 1
        client = dxltie.DxlClient(config)
        client.connect(timeout=2)
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return e
    finally:
        if client is not None:
            client.destroy()
    pytest.fail("dxltie raised nothing")


def run_reference(make_config):
    client = None
    try:
        config = make_config(RefDxlClientConfig)
        config.connect_retries = 1
        client = RefDxlClient(config)
        client.connect()
    except Exception as e:  # noqa: BLE001
        return e
    finally:
        if client is not None:
            client.destroy()
    pytest.fail("dxlclient raised nothing")


@pytest.fixture
def files(tmp_path, pki):
    """Certificate files in a folder of their own, a garbage PEM file and a folder."""
    for name in ("ca", "client_cert", "client_key"):
        shutil.copy(pki[name], str(tmp_path / (name + ".pem")))
    (tmp_path / "garbage.pem").write_text("this is not PEM\n")
    (tmp_path / "folder").mkdir()
    return {"ca": str(tmp_path / "ca.pem"), "cert": str(tmp_path / "client_cert.pem"),
            "key": str(tmp_path / "client_key.pem"), "garbage": str(tmp_path / "garbage.pem"),
            "folder": str(tmp_path / "folder"), "missing": str(tmp_path / "missing.pem"), "dir": tmp_path}


def from_file(path):
    return lambda cls: cls.create_dxl_config_from_file(path)


def write(files, name, text):
    path = files["dir"] / name
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return str(path)


def test_missing_configuration_file(files):
    path = str(files["dir"] / "nope.config")
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert type(ref) is Exception  # "Can't parse config file"
    assert isinstance(ours, Exception) and isinstance(ours, FileNotFoundError)
    assert isinstance(ours, dxltie.DxlTieFileNotFoundError) and isinstance(ours, dxltie.DxlTieError)
    assert (ours.errno, ours.filename, ours.code_name) == (errno.ENOENT, path, "DXLTIE_E_IO")
    assert ours.strerror == os.strerror(errno.ENOENT)
    assert path in str(ours) and "cannot read the configuration file" in str(ours)


@pytest.mark.parametrize("which", ["ca", "cert", "key"])
def test_missing_certificate_file_in_the_configuration(files, which):
    paths = dict(ca=files["ca"], cert=files["cert"], key=files["key"])
    paths[which] = files["missing"]
    path = write(files, "c.config", config_text(paths["ca"], paths["cert"], paths["key"], free_port()))
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert type(ref) is FileNotFoundError
    assert isinstance(ours, FileNotFoundError) and isinstance(ours, dxltie.DxlTieFileNotFoundError)
    assert (ours.errno, ours.filename, ours.code_name) == (errno.ENOENT, files["missing"], "DXLTIE_E_CONFIG")
    assert "[Certs]" in str(ours) and files["missing"] in str(ours)


@pytest.mark.parametrize("which", ["ca", "cert", "key"])
def test_missing_certificate_file_given_to_the_constructor(files, which):
    paths = dict(ca=files["ca"], cert=files["cert"], key=files["key"])
    paths[which] = files["missing"]

    def make(cls):
        broker = RefBroker("127.0.0.1", "b1", "127.0.0.1", free_port()) if cls is RefDxlClientConfig else \
            dxltie.Broker("127.0.0.1", "b1", "127.0.0.1", free_port())
        return cls(paths["ca"], paths["cert"], paths["key"], [broker])
    ref, ours = run_reference(make), run_ours(make)
    assert type(ref) is FileNotFoundError
    assert isinstance(ours, FileNotFoundError) and isinstance(ours, dxltie.DxlTieError)
    assert (ours.errno, ours.filename) == (errno.ENOENT, files["missing"])


def test_certificate_path_that_is_a_directory(files):
    path = write(files, "c.config", config_text(files["ca"], files["folder"], files["key"], free_port()))
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert type(ref) is IsADirectoryError
    assert isinstance(ours, IsADirectoryError) and isinstance(ours, dxltie.DxlTieIsADirectoryError)
    assert (ours.errno, ours.filename) == (errno.EISDIR, files["folder"])


def test_configuration_path_that_is_a_directory(files):
    ours = run_ours(from_file(files["folder"]))
    assert isinstance(ours, IsADirectoryError) and isinstance(ours, dxltie.DxlTieError)
    assert ours.filename == files["folder"]


@pytest.mark.parametrize("text", [
    "[Brokers]\nb1 = b1;8883;127.0.0.1\n",                                         # no [Certs]
    "[Certs]\nBrokerCertChain = {ca}\nPrivateKey = {key}\n[Brokers]\n",             # no CertFile
    "[Certs]\nBrokerCertChain = {ca}\nCertFile = {cert}\nPrivateKey =\n[Brokers]\n",  # empty PrivateKey
])
def test_missing_setting(files, text):
    path = write(files, "c.config", text.format(**files))
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert type(ref) is ValueError
    assert isinstance(ours, ValueError) and isinstance(ours, dxltie.ConfigError)
    assert ours.section == "Certs" and ours.code_name == "DXLTIE_E_CONFIG"
    assert ours.config_file == path


def test_bad_use_websockets(files):
    path = write(files, "c.config", config_text(files["ca"], files["cert"], files["key"], free_port(),
                                                "UseWebSockets = maybe"))
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert type(ref) is ValueError
    assert isinstance(ours, dxltie.ConfigError) and (ours.section, ours.key) == ("General", "UseWebSockets")


def test_configuration_that_is_not_utf8(files):
    path = write(files, "c.config", b"[Certs]\n\xff\xfe\n")
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert isinstance(ref, ValueError)  # UnicodeDecodeError
    assert isinstance(ours, ValueError) and isinstance(ours, dxltie.ConfigError)


def test_bad_broker_line(files):
    text = config_text(files["ca"], files["cert"], files["key"], 8883).replace(
        "b1 = b1;8883;127.0.0.1;127.0.0.1", "b1 = b1;notaport;127.0.0.1")
    path = write(files, "c.config", text)
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert type(ref).__name__ == "BrokerListError"
    assert type(ours).__name__ == "BrokerListError" and isinstance(ours, dxltie.DxlTieError)
    assert (ours.section, ours.key) == ("Brokers", "b1")


def test_bad_proxy_port(files):
    path = write(files, "c.config", config_text(files["ca"], files["cert"], files["key"], free_port())
                 + "\n[Proxy]\nAddress = 127.0.0.1\nPort = 99999\n")
    ours = run_ours(from_file(path))
    # The reference checks the proxy only when it connects through it (WebSockets); the class
    # it raises then is dxlclient.exceptions.InvalidProxyConfigurationError.
    from dxlclient.exceptions import InvalidProxyConfigurationError as RefInvalidProxy
    assert type(ours).__name__ == RefInvalidProxy.__name__
    assert isinstance(ours, dxltie.InvalidProxyConfigurationError) and ours.section == "Proxy"


def test_file_that_is_not_a_configuration_file(files):
    path = write(files, "c.config", "[Certs\nfoo")
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert isinstance(ref, SyntaxError)  # configobj.ParseError
    assert isinstance(ours, SyntaxError) and isinstance(ours, ValueError)
    assert isinstance(ours, dxltie.ConfigSyntaxError) and isinstance(ours, dxltie.DxlTieError)
    assert ours.filename == path and ours.lineno == 2
    assert str(ours).startswith(path + ": not a valid configuration file")
    import traceback
    shown = "".join(traceback.format_exception_only(type(ours), ours))
    assert 'File "%s", line 2' % path in shown and "ConfigSyntaxError" in shown


@pytest.mark.parametrize("which", ["cert", "key", "ca"])
def test_certificate_content_that_is_not_pem(files, which):
    paths = dict(ca=files["ca"], cert=files["cert"], key=files["key"])
    paths[which] = files["garbage"]
    path = write(files, "c.config", config_text(paths["ca"], paths["cert"], paths["key"], free_port()))
    ref, ours = run_reference(from_file(path)), run_ours(from_file(path))
    assert isinstance(ref, ssl.SSLError)
    assert isinstance(ours, ssl.SSLError) and isinstance(ours, dxltie.TlsError)
    assert ours.code_name == "DXLTIE_E_TLS" and files["garbage"] in str(ours)


def test_no_brokers_is_still_a_dxl_exception(files):
    path = write(files, "c.config", config_text(files["ca"], files["cert"], files["key"], 1).split("[Brokers]")[0])
    ours = run_ours(from_file(path))
    # dxlclient: DxlException("Failed to establish connection") at connect (its connect thread
    # raises NoBrokerSpecifiedError)
    assert isinstance(ours, dxltie.DxlException) and type(ours) is dxltie.DxlTieError


# --------------------------------------------------------------------------------------------
# Every message form, classified
# --------------------------------------------------------------------------------------------

IO, CONFIG, TLS = _ffi.DXLTIE_E_IO, _ffi.DXLTIE_E_CONFIG, _ffi.DXLTIE_E_TLS


@pytest.mark.parametrize("rc,message,cls,attrs", [
    (IO, "/a/b.config: cannot read the configuration file: No such file or directory (os error 2)",
     dxltie.DxlTieFileNotFoundError, {"errno": errno.ENOENT, "filename": "/a/b.config"}),
    (IO, "/a/b.config: cannot read the configuration file: Permission denied (os error 13)",
     dxltie.DxlTiePermissionError, {"errno": errno.EACCES, "filename": "/a/b.config"}),
    (IO, "/a/b.config: cannot read the configuration file: not a regular file (a directory)",
     dxltie.DxlTieIsADirectoryError, {"errno": errno.EISDIR, "filename": "/a/b.config"}),
    (IO, "/a/b.config: cannot read the configuration file: not a regular file (a FIFO)",
     dxltie.DxlTieOSError, {"errno": None, "filename": "/a/b.config"}),
    (IO, "/a/b.config: cannot read the configuration file: Too many levels of symbolic links (os error 40)",
     dxltie.DxlTieOSError, {"errno": 40, "filename": "/a/b.config"}),
    (IO, "/a/b.config: the configuration file is not UTF-8 text", dxltie.ConfigError,
     {"config_file": "/a/b.config"}),
    (CONFIG, "/a/b.config: [Certs] CertFile: file not found: /a/c d.crt", dxltie.DxlTieFileNotFoundError,
     {"filename": "/a/c d.crt"}),
    (CONFIG, "/a/b.config: [Certs] PrivateKey: /a/k is a directory, not a regular file",
     dxltie.DxlTieIsADirectoryError, {"filename": "/a/k"}),
    (CONFIG, "configuration error: private key /a/k.pem: Permission denied (os error 13)",
     dxltie.DxlTiePermissionError, {"filename": "/a/k.pem", "errno": errno.EACCES}),
    (CONFIG, "configuration error: broker CA chain /a/ca.pem: No such file or directory (os error 2)",
     dxltie.DxlTieFileNotFoundError, {"filename": "/a/ca.pem"}),
    (CONFIG, "/a/b.config: [Certs]: section missing", dxltie.ConfigError,
     {"config_file": "/a/b.config", "section": "Certs", "key": None}),
    (CONFIG, "/a/b.config: [Certs] CertFile: missing", dxltie.ConfigError,
     {"section": "Certs", "key": "CertFile"}),
    (CONFIG, '/a/b.config: [BrokersWebSockets] w1: broker line "x": invalid port (1 to 65535)',
     dxltie.BrokerListError, {"section": "BrokersWebSockets", "key": "w1"}),
    (CONFIG, '/a/b.config: [Proxy] Port: invalid port "0" (1 to 65535)', dxltie.InvalidProxyConfigurationError,
     {"section": "Proxy", "key": "Port"}),
    (CONFIG, "/a/b.config: not a valid configuration file: 3:1 expecting", dxltie.ConfigSyntaxError,
     {"filename": "/a/b.config", "lineno": 3, "offset": 1}),
    (CONFIG, "configuration error: no brokers configured", dxltie.DxlTieError, {}),
    (TLS, "TLS error: client certificate /a/c.pem: no PEM certificate found", dxltie.TlsError, {}),
    (TLS, "", dxltie.TlsError, {}),
])
def test_error_classification(rc, message, cls, attrs):
    error = _native.error_for(rc, message)
    assert type(error) is cls
    assert isinstance(error, dxltie.DxlTieError) and error.code == rc and error.code_name == _ffi.RESULT_NAMES[rc]
    assert str(error) == (message or _ffi.dxltie_result_str(rc).decode())
    for name, value in attrs.items():
        assert getattr(error, name) == value, name


def test_exception_hierarchy():
    for cls, builtin in [(dxltie.DxlTieFileNotFoundError, FileNotFoundError),
                         (dxltie.DxlTieIsADirectoryError, IsADirectoryError),
                         (dxltie.DxlTiePermissionError, PermissionError), (dxltie.DxlTieOSError, OSError),
                         (dxltie.ConfigError, ValueError), (dxltie.BrokerListError, ValueError),
                         (dxltie.InvalidProxyConfigurationError, ValueError),
                         (dxltie.ConfigSyntaxError, SyntaxError), (dxltie.TlsError, ssl.SSLError)]:
        assert issubclass(cls, builtin) and issubclass(cls, dxltie.DxlTieError), cls
        assert issubclass(cls, dxltie.DxlException)
    # what was a ValueError or a plain Exception before is still one
    assert issubclass(dxltie.BadResponseError, ValueError)
    assert not issubclass(binascii.Error, dxltie.DxlException)
    error = dxltie.DxlTieFileNotFoundError("a message", -5, "DXLTIE_E_IO", filename="/x")
    assert (error.errno, error.filename, str(error)) == (errno.ENOENT, "/x", "a message")
