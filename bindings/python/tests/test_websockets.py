"""The binding's WebSocket and proxy setters against real components: the OpenDXL broker's
WebSocket listener and Debian's tinyproxy with Basic authentication.

The broker's WebSocket listener binds every interface, so the test re-runs itself in a network
namespace with nothing but loopback (``unshare -n``, as root), where it starts the broker (its
``run.sh``), the proxy and the client; the outer run asserts that the inner one passed.
"""

import logging
import os
import subprocess
import sys
import tempfile
import time

import dxltie
from dxltie import _ffi

from conftest import free_port

INSIDE = "DXLTIE_TEST_NETNS"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RUN_SH = os.path.join(ROOT, "..", "shared", "peers", "opendxl-broker", "run.sh")
USER = "agent7"
PASSWORD = "Pw-5b0e2a-never-in-logs"


def _in_namespace(test_name):
    """Outside: runs ``test_name`` of this file under ``unshare -n`` and asserts it passed
    (returns False). Inside: returns True."""
    if os.environ.get(INSIDE):
        return True
    script = 'ip link set lo up && exec "$0" "$@"'
    cmd = ["unshare", "-n", "sh", "-c", script, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "%s::%s" % (os.path.abspath(__file__), test_name)]
    done = subprocess.run(cmd, env=dict(os.environ, **{INSIDE: "1"}), cwd=os.path.dirname(__file__),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=600)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout
    return False


def _tinyproxy(directory):
    port = free_port()
    conf = os.path.join(directory, "tinyproxy.conf")
    with open(conf, "w") as f:
        f.write("Port %d\nListen 127.0.0.1\nTimeout 60\nLogLevel Info\nLogFile \"%s\"\nBasicAuth %s %s\n"
                % (port, os.path.join(directory, "tinyproxy.log"), USER, PASSWORD))
    proc = subprocess.Popen(["tinyproxy", "-d", "-c", conf], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import socket
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            assert proc.poll() is None, "tinyproxy exited"
            assert time.monotonic() < deadline, "tinyproxy did not listen"
            time.sleep(0.02)


def test_websockets_through_an_authenticating_proxy(caplog):
    if not _in_namespace("test_websockets_through_an_authenticating_proxy"):
        return
    caplog.set_level(logging.DEBUG)
    directory = tempfile.mkdtemp(prefix="dxltie-py-ws-")
    ws_port = free_port()
    started = subprocess.run(["bash", RUN_SH, "start", os.path.join(directory, "broker"), str(free_port())],
                             env=dict(os.environ, DXLBROKER_WS_PORT=str(ws_port)), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
    assert started.returncode == 0, started.stdout
    env = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
    proxy, proxy_port = _tinyproxy(directory)
    clients = []
    try:
        def config(password):
            c = dxltie.DxlClientConfig(env["DXL_CA_BUNDLE"], env["DXL_CLIENT_CERT"], env["DXL_CLIENT_KEY"], [],
                                       websocket_brokers=["local;%d;127.0.0.1" % ws_port],
                                       proxy_addr="127.0.0.1", proxy_port=proxy_port, proxy_username=USER,
                                       proxy_password=password)
            c.use_websockets = True
            c.connect_retries = 0
            return c

        refused = dxltie.DxlClient(config("Wr0ng-4d2c"))
        clients.append(refused)
        try:
            refused.connect(timeout=30)
            raise AssertionError("connected with a wrong proxy password")
        except dxltie.DxlTieError as e:
            message = str(e)
        assert "HTTP proxy 127.0.0.1:%d" % proxy_port in message, message
        assert "did not accept the User and Password" in message, message
        assert PASSWORD not in message and "Wr0ng-4d2c" not in message, message

        client = dxltie.DxlClient(config(PASSWORD))
        clients.append(client)
        assert client.stats["transport"] == _ffi.DXLTIE_TRANSPORT_NONE and client.stats["broker"] == ""
        client.connect(timeout=30)
        stats = client.stats
        assert stats["transport"] == _ffi.DXLTIE_TRANSPORT_WEBSOCKETS_PROXY, stats
        assert stats["broker"] == "local 127.0.0.1:%d via proxy 127.0.0.1:%d" % (ws_port, proxy_port), stats
        client.disconnect()
        assert client.stats["transport"] == _ffi.DXLTIE_TRANSPORT_NONE
        assert PASSWORD not in caplog.text and "Wr0ng-4d2c" not in caplog.text
    finally:
        for c in clients:
            c.destroy()
        proxy.kill()
        proxy.wait()
        subprocess.run(["bash", RUN_SH, "stop", os.path.join(directory, "broker")], timeout=60)


def test_proxy_setters_check_their_values(tmp_path):
    config = dxltie.DxlClientConfig("ca.crt", "client.crt", "client.key", ["local;8883;127.0.0.1"],
                                    websocket_brokers=["wss://127.0.0.1:443"])
    assert not config.use_websockets and [b.port for b in config.brokers] == [8883]
    config.use_websockets = True
    assert config.use_websockets and [b.port for b in config.brokers] == [443]
    config.set_proxy("proxy.example.com", "3128", "user", "pass")
    assert (config.proxy_addr, config.proxy_port, config.proxy_username) == ("proxy.example.com", "3128", "user")
    for bad in (0, 65536, "http", -1):
        try:
            config.proxy_port = bad
            raise AssertionError("accepted proxy port %r" % (bad,))
        except dxltie.InvalidProxyConfigurationError:
            pass
    assert config.proxy_port == "3128"  # a refused value changes nothing
    config.set_proxy(None)
    try:
        dxltie.DxlClientConfig("ca.crt", "client.crt", "client.key", [], proxy_host="x")
        raise AssertionError("accepted an unknown proxy argument")
    except TypeError:
        pass
