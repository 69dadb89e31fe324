"""Fixtures for the dxltie binding tests: a throw-away PKI (the ``openssl`` command), a real
mosquitto with TLS and required client certificates on 127.0.0.1 and a free port, a
``dxlclient.config`` for it, a TIE responder written with the real ``dxlclient``, and connected
clients of both the binding and the reference ``dxltieclient``.

Run: ``/work/main/.venv/bin/python -m pytest bindings/python/tests -q`` (after ``make lib``).
The binding under test is the one in ``bindings/python`` (put first on ``sys.path``); the
library is ``$DXLTIE_LIBRARY`` or else the repository's ``target/debug/libdxltie.so``.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BINDING_ROOT = os.path.dirname(HERE)  # bindings/python
REPO_ROOT = os.path.dirname(os.path.dirname(BINDING_ROOT))
SAMPLES_DIR = os.path.join(BINDING_ROOT, "samples")
VECTORS_DIR = os.path.join(os.path.dirname(REPO_ROOT), "shared", "vectors", "tie")

MOSQUITTO = "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else shutil.which("mosquitto")


def _library():
    if os.environ.get("DXLTIE_LIBRARY"):
        return os.environ["DXLTIE_LIBRARY"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO_ROOT, "target"))
    return os.path.join(target, "debug", "libdxltie.so")


# The binding from this tree, and the library from this repository's build.
sys.path.insert(0, BINDING_ROOT)
sys.path.insert(0, HERE)
os.environ.setdefault("DXLTIE_LIBRARY", _library())
os.environ["PYTHONPATH"] = os.pathsep.join(
    [BINDING_ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

if not os.path.exists(os.environ["DXLTIE_LIBRARY"]):
    pytest.exit("libdxltie not found at %s: run `make lib` first (or set DXLTIE_LIBRARY)"
                % os.environ["DXLTIE_LIBRARY"], returncode=2)


# --------------------------------------------------------------------------------------------
# PKI
# --------------------------------------------------------------------------------------------

_LEAF_EXT = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1
"""


def _openssl(directory, *args):
    done = subprocess.run(["openssl"] + list(args), cwd=directory, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    if done.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), done.stderr.decode("utf-8", "replace")))


def make_pki(directory):
    """A CA, a broker and a client certificate (X.509 v3, RSA 2048), all world-readable (mosquitto
    drops root privileges before it reads them)."""
    with open(os.path.join(directory, "leaf.ext"), "w") as f:
        f.write(_LEAF_EXT)
    _openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "2", "-subj", "/CN=dxltie binding test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, cn in (("broker", "localhost"), ("client", "dxltie binding test client")):
        _openssl(directory, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
                 "-out", name + ".csr", "-subj", "/CN=" + cn)
        _openssl(directory, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
                 "-extfile", "leaf.ext", "-out", name + ".crt")
    os.chmod(directory, 0o755)
    for name in os.listdir(directory):
        os.chmod(os.path.join(directory, name), 0o644)
    return {
        "ca": os.path.join(directory, "ca.crt"),
        "broker_cert": os.path.join(directory, "broker.crt"),
        "broker_key": os.path.join(directory, "broker.key"),
        "client_cert": os.path.join(directory, "client.crt"),
        "client_key": os.path.join(directory, "client.key"),
    }


# --------------------------------------------------------------------------------------------
# mosquitto
# --------------------------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto(object):
    """mosquitto with TLS, ``require_certificate true`` and ``allow_anonymous true``, on
    127.0.0.1 and a free port; stopped by its pid."""

    def __init__(self, directory, pki):
        self.directory = directory
        self.pki = pki
        self.process = None
        self.port = None
        self.log_path = os.path.join(directory, "mosquitto.log")

    def start(self, attempts=5):
        for _ in range(attempts):
            self.port = free_port()
            conf = os.path.join(self.directory, "mosquitto.conf")
            with open(conf, "w") as f:
                f.write("per_listener_settings false\n"
                        "allow_anonymous true\n"
                        "persistence false\n"
                        "max_queued_messages 100000\n"
                        "log_dest stderr\n"
                        "log_type error\nlog_type warning\nlog_type notice\n"
                        "listener %d 127.0.0.1\n"
                        "cafile %s\ncertfile %s\nkeyfile %s\n"
                        "require_certificate true\n"
                        % (self.port, self.pki["ca"], self.pki["broker_cert"], self.pki["broker_key"]))
            os.chmod(conf, 0o644)
            log = open(self.log_path, "ab")
            self.process = subprocess.Popen([MOSQUITTO, "-c", conf], stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL)
            log.close()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break  # exited: a lost race for the port, or a real failure
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                    return self
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError("mosquitto did not start:\n" + self.log())

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # SIGTERM to this pid only
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def write_dxl_config(path, pki, port):
    with open(path, "w") as f:
        f.write("[Certs]\nBrokerCertChain=%s\nCertFile=%s\nPrivateKey=%s\n\n[Brokers]\nlocal=local;%d;localhost;127.0.0.1\n"
                % (pki["ca"], pki["client_cert"], pki["client_key"], port))
    os.chmod(path, 0o644)
    return path


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def workdir():
    directory = tempfile.mkdtemp(prefix="dxltie-pytest-")
    os.chmod(directory, 0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def pki(workdir):
    directory = os.path.join(workdir, "pki")
    os.mkdir(directory)
    return make_pki(directory)


@pytest.fixture(scope="session")
def broker(workdir, pki):
    if not MOSQUITTO:
        pytest.skip("mosquitto is not installed")
    directory = os.path.join(workdir, "broker")
    os.mkdir(directory)
    os.chmod(directory, 0o755)
    server = Mosquitto(directory, pki).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dxl_config(workdir, pki, broker):
    """The path of a ``dxlclient.config`` for the test broker."""
    return write_dxl_config(os.path.join(workdir, "dxlclient.config"), pki, broker.port)


@pytest.fixture(scope="session")
def responder(dxl_config):
    from tie_responder import TieResponder
    service = TieResponder(dxl_config)
    yield service
    service.close()


@pytest.fixture(scope="session")
def dxl_client(dxl_config, responder):
    """A connected binding client (``dxltie.DxlClient``)."""
    import dxltie
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    client = dxltie.DxlClient(config)
    client.connect(timeout=10)
    yield client
    client.destroy()


@pytest.fixture
def tie_client(dxl_client):
    """A binding ``TieClient`` on the shared connected client."""
    import dxltie
    return dxltie.TieClient(dxl_client)


@pytest.fixture(scope="session")
def real_dxl_client(dxl_config, responder):
    """A connected reference ``dxlclient.client.DxlClient``."""
    from dxlclient.client import DxlClient
    from dxlclient.client_config import DxlClientConfig
    config = DxlClientConfig.create_dxl_config_from_file(dxl_config)
    config.connect_retries = 3
    client = DxlClient(config)
    client.connect()
    yield client
    client.destroy()


@pytest.fixture
def real_tie_client(real_dxl_client):
    """A reference ``dxltieclient.TieClient``."""
    from dxltieclient import TieClient
    return TieClient(real_dxl_client)


def wait_for(predicate, timeout=10.0, interval=0.02):
    """Polls ``predicate`` until it is true (returns True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class Collector(object):
    """Thread-safe list of what callbacks received."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, item):
        with self.lock:
            self.items.append(item)

    def snapshot(self):
        with self.lock:
            return list(self.items)

    def __len__(self):
        with self.lock:
            return len(self.items)


# --------------------------------------------------------------------------------------------
# Strict mode (`make test-python` sets DXLTIE_STRICT=1): in CI every prerequisite is installed,
# so a skipped test means a test that silently stopped testing; fail the run instead.
# --------------------------------------------------------------------------------------------

def pytest_sessionfinish(session, exitstatus):
    if not os.environ.get("DXLTIE_STRICT"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    # Only a libdxltie installed system-wide may legitimately skip the "not found" test.
    unexpected = [r for r in skipped if "system path" not in str(r.longrepr)]
    if unexpected:
        for report in unexpected:
            reporter.write_line("SKIPPED in strict mode: %s %s" % (report.nodeid, report.longrepr))
        session.exitstatus = 1


# --------------------------------------------------------------------------------------------
# The real OpenDXL broker (../shared/peers/opendxl-broker): a service registry that routes
# requests, so a service really has to register there. Started and stopped only through its
# own script, which stops it by the pid in its folder.
# --------------------------------------------------------------------------------------------

OPENDXL_SCRIPT = os.path.join(os.path.dirname(REPO_ROOT), "shared", "peers", "opendxl-broker", "run.sh")


class OpenDxl(object):
    def __init__(self, directory):
        self.directory = directory
        self.env = {}

    def start(self, attempts=5):
        last = ""
        for _ in range(attempts):
            port = free_port()
            done = subprocess.run(["bash", OPENDXL_SCRIPT, "start", self.directory, str(port)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
            if done.returncode == 0:
                self.env = dict(line.split("=", 1) for line in done.stdout.decode().splitlines() if "=" in line)
                return self
            last = done.stdout.decode() + done.stderr.decode()
            if "already in use" not in last and "exited during start-up" not in last:
                break
        raise RuntimeError("the OpenDXL broker did not start:\n" + last)

    def stop(self):
        subprocess.run(["bash", OPENDXL_SCRIPT, "stop", self.directory], timeout=60)


@pytest.fixture(scope="session")
def opendxl(workdir):
    """The OpenDXL broker on 127.0.0.1; ``.env["DXLCLIENT_CONFIG"]`` and
    ``.env["DXLCLIENT_CONFIG_CLIENT2"]`` name a config of each of its two client identities."""
    if not os.path.exists(OPENDXL_SCRIPT):
        pytest.skip("the OpenDXL broker is missing: %s" % OPENDXL_SCRIPT)
    directory = os.path.join(workdir, "opendxl")
    os.mkdir(directory)
    broker = OpenDxl(directory).start()
    yield broker
    broker.stop()
