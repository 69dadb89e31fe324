"""Robustness of the binding: Ctrl-C during blocking calls, the log bridge, state callbacks,
numeric arguments checked before they reach C, and fork()."""

import logging
import math
import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import dxltie
from dxltie import _args, _ffi, _native

from conftest import Collector, wait_for
from tie_responder import CERT_SHA1, NOTEPAD, SILENT_SHA1

FILE_REPUTATION_TOPIC = "/mcafee/service/tie/file/reputation"


class Script(object):
    """A Python subprocess running ``body`` (after ``import os, sys, time, threading, dxltie``);
    a thread collects its stdout lines as they come."""

    def __init__(self, body, *args):
        script = "import os, sys, time, threading\nimport dxltie\n" + textwrap.dedent(body)
        self.process = subprocess.Popen([sys.executable, "-c", script] + list(args), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.lines, self.errors = Collector(), Collector()
        self.readers = [threading.Thread(target=self._read, args=(self.process.stdout, self.lines), daemon=True),
                        threading.Thread(target=self._read, args=(self.process.stderr, self.errors), daemon=True)]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream, sink):
        for raw in iter(stream.readline, b""):
            sink.add(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_line(self, prefix, timeout):
        """Whether a line starting with ``prefix`` arrived within ``timeout`` seconds."""
        return wait_for(lambda: any(line.startswith(prefix) for line in self.lines.snapshot()), timeout=timeout)

    def finish(self, timeout):
        """Waits for the process at most ``timeout`` seconds (killing it, by its pid, after that)
        and returns (return code or None if it had to be killed, stdout, stderr) as text."""
        code = None
        try:
            self.process.wait(timeout)
            code = self.process.returncode
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for reader in self.readers:
            reader.join(10)
        return code, "\n".join(self.lines.snapshot()), "\n".join(self.errors.snapshot())

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# --------------------------------------------------------------------------------------------
# 1. Ctrl-C
# --------------------------------------------------------------------------------------------

def test_ctrl_c_interrupts_a_synchronous_request(dxl_config, responder):
    """SIGINT while the main thread waits for an answer that never comes (default response
    timeout, 30 s): KeyboardInterrupt at once, and the client is still usable afterwards (a
    request succeeds; destroy() does not wait for the abandoned request)."""
    mark = responder.mark()
    script = Script("""
        config = dxltie.DxlClientConfig.create_dxl_config_from_file(sys.argv[1])
        client = dxltie.DxlClient(config)
        client.connect(timeout=10)
        tie = dxltie.TieClient(client)
        assert tie.response_timeout == 30
        print("CALLING", flush=True)
        try:
            tie.get_file_reputation({"sha1": sys.argv[2]})
            print("RETURNED", flush=True)
        except KeyboardInterrupt:
            print("INTERRUPTED", flush=True)
        print("AFTER", tie.get_file_reputation({"md5": sys.argv[3]})[1]["trustLevel"], flush=True)
        client.destroy()
        print("DESTROYED", flush=True)
    """, dxl_config, SILENT_SHA1, NOTEPAD["md5"])
    try:
        assert script.wait_line("CALLING", 30), script.finish(5)
        # In the call: the request has reached the responder (which never answers it).
        assert wait_for(lambda: any(topic == FILE_REPUTATION_TOPIC for topic, _ in responder.requests_since(mark)),
                        timeout=10)
        script.process.send_signal(signal.SIGINT)
        # Well before the 30 s response timeout could have elapsed.
        code, out, err = script.finish(15)
    finally:
        script.kill()
    assert code is not None, "still running 15 s after SIGINT: %r" % ((out, err),)
    assert code == 0, (code, out, err)
    assert "INTERRUPTED" in out and "RETURNED" not in out, out
    assert "AFTER 99" in out and "DESTROYED" in out, out
    assert "Traceback" not in err, err


def test_ctrl_c_interrupts_connect(pki, tmp_path):
    """SIGINT while connect() waits for a broker that accepts the TCP connection but never
    answers: KeyboardInterrupt before the connect timeout could have elapsed; the abandoned
    connect finishes in the background (here: its one pass fails once the listener is gone) and
    the process then exits normally."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    accepted = []
    script = Script("""
        config = dxltie.DxlClientConfig(sys.argv[1], sys.argv[2], sys.argv[3], ["silent;%s;127.0.0.1" % sys.argv[4]])
        config.connect_retries = 1  # two passes: without an answer, longer than the timeout
        config.reconnect_delay = 0.1
        client = dxltie.DxlClient(config)
        print("CALLING", flush=True)
        try:
            client.connect(timeout=20)
            print("RETURNED", flush=True)
        except KeyboardInterrupt:
            print("INTERRUPTED", flush=True)
        while client._active:  # the abandoned connect, finishing on its own
            time.sleep(0.05)
        print("CONNECT FINISHED", flush=True)
    """, pki["ca"], pki["client_cert"], pki["client_key"], str(port))
    try:
        assert script.wait_line("CALLING", 30), script.finish(5)
        ready, _, _ = select.select([listener], [], [], 15)  # the client is connecting: in the call
        assert ready, script.finish(5)
        accepted.append(listener.accept()[0])
        script.process.send_signal(signal.SIGINT)
        # Well before the 20 s connect timeout could have elapsed.
        assert script.wait_line("INTERRUPTED", 10), script.finish(30)
        # The broker goes away: both passes of the abandoned connect fail at once.
        for s in accepted:
            s.close()
        listener.close()
        code, out, err = script.finish(60)
    finally:
        listener.close()
        for s in accepted:
            s.close()
        script.kill()
    assert code == 0, (code, out, err)
    assert "CONNECT FINISHED" in out and "RETURNED" not in out, out
    assert "Traceback" not in err, err


class Interrupted(Exception):
    pass


def test_an_interrupted_request_is_left_consistent(dxl_config, responder):
    """In-process: a signal handler raising on the main thread interrupts a request at once
    (long before its timeout); the abandoned request then completes in the background (here:
    its timeout) without disturbing anything: later requests succeed, no worker thread or
    registration is left behind, nothing is logged."""
    assert threading.current_thread() is threading.main_thread()
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("dxltie").addHandler(handler)
    def raise_interrupted(signum, frame):
        raise Interrupted()

    previous = signal.signal(signal.SIGUSR1, raise_interrupted)
    try:
        with dxltie.DxlClient(config) as client:
            client.connect(timeout=10)
            tie = dxltie.TieClient(client)
            tie.get_file_reputation(NOTEPAD)  # a worker exists now
            threads_before = threading.active_count()
            registered = _native.registered_count()
            tie._response_timeout = 20  # the abandoned request times out in the background
            mark = responder.mark()

            def interrupt_once_sent():
                wait_for(lambda: responder.requests_since(mark), timeout=10)
                os.kill(os.getpid(), signal.SIGUSR1)

            threading.Thread(target=interrupt_once_sent).start()
            started = time.monotonic()
            with pytest.raises(Interrupted):
                tie.get_file_reputation({"sha1": SILENT_SHA1})
            assert time.monotonic() - started < 20  # before its timeout could have elapsed
            tie._response_timeout = 30
            # The client is usable while the abandoned request is still waiting (one extra worker).
            assert tie.get_file_reputation(NOTEPAD)[1]["trustLevel"] == 99
            assert len(tie.get_certificate_first_references(CERT_SHA1)) == 2
            assert client._active == 1  # the abandoned request still holds the handle
        # destroy() disconnected: the abandoned request failed at once, and its worker left.
        assert client._handle is None
        assert wait_for(lambda: threading.active_count() <= threads_before)
        assert _native.registered_count() == registered
        assert not [r for r in records if r.levelno >= logging.WARNING and r.name == "dxltie"], records
    finally:
        signal.signal(signal.SIGUSR1, previous)
        logging.getLogger("dxltie").removeHandler(handler)


def test_calls_off_the_main_thread_are_made_directly(tie_client):
    """Only the main thread hands calls to the worker: on other threads (and so in library
    callbacks) a call runs on the calling thread itself."""
    seen = []

    def where():
        seen.append(threading.current_thread().name)

    t = threading.Thread(target=lambda: _native.blocking(where), name="not-main")
    t.start()
    t.join()
    _native.blocking(where)
    assert seen[0] == "not-main"
    assert seen[1] == "dxltie-call"


# --------------------------------------------------------------------------------------------
# 2. Log bridge
# --------------------------------------------------------------------------------------------

@pytest.fixture
def offline_config(pki):
    """A configuration whose one broker refuses connections, one pass only: connect() fails
    at once, and the library logs a warning about the failed pass."""
    config = dxltie.DxlClientConfig(pki["ca"], pki["client_cert"], pki["client_key"], ["1;127.0.0.1"])
    config.connect_retries = 0
    return config


def provoke_library_warning(config):
    client = dxltie.DxlClient(config)
    try:
        with pytest.raises(dxltie.DxlTieError):
            client.connect(timeout=10)
    finally:
        client.destroy()


def test_log_bridge_detaches_and_reattaches(offline_config):
    records = Collector()
    handler = logging.Handler()
    handler.emit = records.add
    native = logging.getLogger("dxltie.native")
    native.addHandler(handler)
    try:
        dxltie.set_library_log_level(logging.WARNING)
        provoke_library_warning(offline_config)
        assert wait_for(lambda: len(records) > 0)
        assert any("connection pass" in r.getMessage() for r in records.snapshot())

        dxltie.set_library_log_level(None)
        before = len(records)
        provoke_library_warning(offline_config)
        time.sleep(0.2)
        assert len(records) == before, [r.getMessage() for r in records.snapshot()[before:]]

        dxltie.set_library_log_level(logging.WARNING)
        provoke_library_warning(offline_config)
        assert wait_for(lambda: len(records) > before)
    finally:
        native.removeHandler(handler)
        dxltie.set_library_log_level(logging.WARNING)


def test_log_bridge_detach_passes_a_valid_level_and_checks_the_result(monkeypatch):
    calls = []
    result = [_ffi.DXLTIE_OK]

    def fake(callback, user_data, level):
        calls.append((bool(callback), level))
        return result[0]

    monkeypatch.setattr(_ffi, "dxltie_set_log_callback", fake)
    dxltie.set_library_log_level(None)
    assert calls == [(False, calls[0][1])]
    assert _ffi.DXLTIE_LOG_ERROR <= calls[0][1] <= _ffi.DXLTIE_LOG_TRACE  # never 0
    result[0] = _ffi.DXLTIE_E_INVALID_ARG
    with pytest.raises(ValueError):
        dxltie.set_library_log_level(None)
    with pytest.raises(ValueError):
        dxltie.set_library_log_level(logging.INFO)
    result[0] = _ffi.DXLTIE_OK
    dxltie.set_library_log_level(logging.DEBUG)
    assert calls[-1] == (True, _ffi.DXLTIE_LOG_DEBUG)


def test_the_package_logs_nothing_unless_logging_is_configured(pki):
    """Without a logging configuration a library warning prints nothing (the ``dxltie`` logger
    has a NullHandler); once the application configures logging, the same warning appears."""
    script = Script("""
        import logging
        def provoke():
            config = dxltie.DxlClientConfig(sys.argv[1], sys.argv[2], sys.argv[3], ["1;127.0.0.1"])
            config.connect_retries = 0
            client = dxltie.DxlClient(config)
            try:
                client.connect(timeout=10)
            except dxltie.DxlTieError:
                pass
            client.destroy()
        provoke()
        sys.stderr.flush()
        print("UNCONFIGURED DONE", flush=True)
        logging.basicConfig(stream=sys.stdout, level=logging.WARNING)
        provoke()
    """, pki["ca"], pki["client_cert"], pki["client_key"])
    code, out, err = script.finish(60)
    assert code == 0, (code, out, err)
    assert err == ""
    unconfigured, configured = out.split("UNCONFIGURED DONE", 1)
    assert unconfigured == ""
    assert "connection pass" in configured  # the warning exists: it was just not printed before
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("dxltie").handlers)


# --------------------------------------------------------------------------------------------
# 3. State callbacks
# --------------------------------------------------------------------------------------------

def test_set_state_callback_replaces_the_earlier_one(dxl_config, responder):
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    baseline = _native.registered_count()
    first, second = Collector(), Collector()
    with dxltie.DxlClient(config) as client:
        client.set_state_callback(first.add)
        assert _native.registered_count() == baseline + 1
        client.set_state_callback(second.add)
        # The first one's registration is released (the library ran its free_user_data).
        assert wait_for(lambda: _native.registered_count() == baseline + 1)
        client.connect(timeout=10)
        assert wait_for(lambda: _ffi.DXLTIE_STATE_CONNECTED in second.snapshot())
        client.disconnect()
        client.connect(timeout=10)
        assert wait_for(lambda: second.snapshot().count(_ffi.DXLTIE_STATE_CONNECTED) == 2)
        assert _ffi.DXLTIE_STATE_DISCONNECTED in second.snapshot()
        assert first.snapshot() == []
    assert _native.registered_count() == baseline


# --------------------------------------------------------------------------------------------
# 4. Numeric arguments
# --------------------------------------------------------------------------------------------

MAX_S = _args.MAX_TIMEOUT_SECONDS  # 4294967.295
NAN, INF = float("nan"), float("inf")

#: (property, values accepted, values refused with ValueError)
CONFIG_SETTERS = [
    ("keep_alive_interval", [1, 65535, 30.0], [0, 65536, 2 ** 32 + 5, -1, 1.5, NAN, INF]),
    ("connect_retries", [-1, 0, 2 ** 31 - 1], [-2, 2 ** 31, 2 ** 32 + 3, NAN, INF]),
    ("reconnect_delay", [0.1, 0.5, MAX_S], [0, 0.099, -0.001, MAX_S + 0.001, NAN, INF, -INF]),
    ("reconnect_delay_max", [0.1, MAX_S], [0.099, -0.001, MAX_S + 0.001, NAN, INF]),
    ("reconnect_back_off_multiplier", [1, 2 ** 32 - 1], [0, -1, 2 ** 32, 2 ** 32 + 2, 1.5, NAN, INF]),
    ("reconnect_delay_random", [0, 0.5, 1], [-0.01, 1.01, NAN, INF]),
    ("incoming_message_queue_size", [1, _args.SIZE_MAX], [0, -1, _args.SIZE_MAX + 1, 2.5, NAN, INF]),
]


@pytest.fixture
def config(pki):
    return dxltie.DxlClientConfig(pki["ca"], pki["client_cert"], pki["client_key"], ["1;127.0.0.1"])


@pytest.mark.parametrize("name,good,bad", CONFIG_SETTERS, ids=[s[0] for s in CONFIG_SETTERS])
def test_config_setters_check_their_range(config, name, good, bad):
    if name == "reconnect_delay":
        config.reconnect_delay_max = MAX_S  # the maximum may not be below the delay
    if name == "reconnect_delay_max":
        config.reconnect_delay = 0.1
    for value in good:
        setattr(config, name, value)
        assert getattr(config, name) == value, (name, value)
    kept = getattr(config, name)
    for value in bad:
        with pytest.raises(ValueError) as exc:
            setattr(config, name, value)
        assert name in str(exc.value), str(exc.value)
        assert " from " in str(exc.value), str(exc.value)  # the accepted range
        assert getattr(config, name) == kept or (isinstance(kept, float) and math.isnan(kept)), (name, value)
    with pytest.raises(TypeError):
        setattr(config, name, "abc")


def test_set_queue_checks_the_capacity(config):
    config.set_queue(1)
    config.set_queue(_args.SIZE_MAX, drop_oldest=True)
    for bad in (0, -1, _args.SIZE_MAX + 1, 2 ** 64 + 5, NAN):
        with pytest.raises(ValueError, match="capacity"):
            config.set_queue(bad)
    assert config.incoming_message_queue_size == _args.SIZE_MAX


def test_reconnect_delay_max_below_the_delay_is_refused(config):
    config.reconnect_delay = 10
    with pytest.raises(ValueError, match="reconnect_delay_max"):
        config.reconnect_delay_max = 5
    assert config.reconnect_delay_max == 60.0


@pytest.mark.parametrize("port,ok", [
    (1, True), (65535, True), ("8883", True), (8883.0, True),
    (0, False), (65536, False), (2 ** 32 + 8883, False), (-1, False), (NAN, False), (8883.5, False), ("x", False),
])
def test_broker_port_is_checked(port, ok):
    if ok:
        assert dxltie.Broker("localhost", port=port).port == int(port)
        return
    with pytest.raises(dxltie.MalformedBrokerUriException) as exc:
        dxltie.Broker("localhost", port=port)
    assert isinstance(exc.value, ValueError)
    assert str(exc.value).startswith("Invalid port")


@pytest.fixture
def offline_client(config):
    config.connect_retries = 0
    client = dxltie.DxlClient(config)
    yield client
    client.destroy()


@pytest.mark.parametrize("timeout", [0, 0.0004, 0.5])
def test_connect_timeout_in_range_reaches_the_library(offline_client, timeout):
    with pytest.raises(dxltie.DxlTieError):  # passed the check; the library failed to connect
        offline_client.connect(timeout=timeout)


def test_connect_passes_the_timeout_in_milliseconds(offline_client, monkeypatch):
    """The largest accepted timeout is exactly the largest uint32 of milliseconds (the library's
    connect is replaced here: a real one would wait that long against an unreachable broker)."""
    seen = []

    def fake_connect(handle, timeout_ms):
        seen.append(timeout_ms)
        return _ffi.DXLTIE_E_CONNECT

    monkeypatch.setattr(_ffi, "dxltie_client_connect", fake_connect)
    for timeout in (0, 0.0004, 0.5, 30, MAX_S):
        with pytest.raises(dxltie.DxlTieError):
            offline_client.connect(timeout=timeout)
    assert seen == [0, 0, 500, 30000, 0xFFFFFFFF]


@pytest.mark.parametrize("timeout", [-0.001, -1, MAX_S + 0.001, 2 ** 32, NAN, INF])
def test_connect_timeout_out_of_range_is_refused(offline_client, timeout):
    with pytest.raises(ValueError) as exc:
        offline_client.connect(timeout=timeout)
    assert "timeout" in str(exc.value) and "4294967.295" in str(exc.value)
    assert offline_client.stats["connect_attempts"] == 0  # nothing reached the library


def test_response_timeout_range(offline_client):
    tie = dxltie.TieClient(offline_client)
    tie.response_timeout = MAX_S
    assert tie.response_timeout == MAX_S
    with pytest.raises(dxltie.DxlTieError) as exc:  # the request reaches the library
        tie.get_file_reputation(NOTEPAD)
    assert exc.value.code == _ffi.DXLTIE_E_NOT_CONNECTED
    for bad in (MAX_S + 0.001, 2 ** 32, NAN, INF):
        with pytest.raises(ValueError) as exc:
            tie.response_timeout = bad
        assert "response_timeout" in str(exc.value) and "30" in str(exc.value)
        assert tie.response_timeout == MAX_S
    with pytest.raises(Exception) as exc:  # the reference's exception below the minimum
        tie.response_timeout = 29.999
    assert type(exc.value) is Exception


INT32 = (_args.INT32_MIN, _args.INT32_MAX)
INT64 = (_args.INT64_MIN, _args.INT64_MAX)

#: (method, build the arguments from the number, the number's (min, max))
TIE_NUMBERS = [
    ("set_file_reputation", lambda n: ((n, NOTEPAD), {}), INT32, "trust_level"),
    ("set_certificate_reputation", lambda n: ((n, CERT_SHA1), {}), INT32, "trust_level"),
    ("get_file_first_references", lambda n: ((NOTEPAD,), {"query_limit": n}), INT64, "query_limit"),
    ("get_certificate_first_references", lambda n: ((CERT_SHA1,), {"query_limit": n}), INT64,
     "query_limit"),
]


@pytest.mark.parametrize("method,build,limits,name", TIE_NUMBERS, ids=[t[0] for t in TIE_NUMBERS])
def test_tie_numbers_check_their_range(offline_client, method, build, limits, name):
    tie = dxltie.TieClient(offline_client)
    lo, hi = limits
    for value in (lo, hi, 7, 7.0):
        args, kwargs = build(value)
        with pytest.raises(dxltie.DxlTieError) as exc:  # the check passed: the library says not connected
            getattr(tie, method)(*args, **kwargs)
        assert exc.value.code == _ffi.DXLTIE_E_NOT_CONNECTED
    for value in (lo - 1, hi + 1, 2 ** 64 + 7, 7.5, NAN, INF):
        args, kwargs = build(value)
        with pytest.raises(ValueError) as exc:
            getattr(tie, method)(*args, **kwargs)
        assert name in str(exc.value) and str(lo) in str(exc.value) and str(hi) in str(exc.value)
    args, kwargs = build("abc")
    with pytest.raises(TypeError):
        getattr(tie, method)(*args, **kwargs)


# --------------------------------------------------------------------------------------------
# 5. fork()
# --------------------------------------------------------------------------------------------

def test_result_names_cover_every_code():
    codes = {name: value for name, value in vars(_ffi).items() if name.startswith("DXLTIE_E_")}
    assert codes["DXLTIE_E_FORKED"] == -18
    assert {value: name for name, value in codes.items()} == \
        {value: name for value, name in _ffi.RESULT_NAMES.items() if value != _ffi.DXLTIE_OK}
    err = _native.error_for(_ffi.DXLTIE_E_FORKED, "")
    assert isinstance(err, dxltie.ForkedClientError) and isinstance(err, dxltie.DxlTieError)
    assert err.code_name == "DXLTIE_E_FORKED"


def test_destroy_never_frees_twice(config, monkeypatch):
    """A free that fails (other than 'would deadlock', which frees nothing) leaves the handle in
    an unknown state: it is never passed to the library again, by destroy(), __del__ or the exit
    hook."""
    client = dxltie.DxlClient(config)
    handle = client._handle
    real_free = _ffi.dxltie_client_free
    calls = []

    def failing_free(h):
        calls.append(h)
        return _ffi.DXLTIE_E_PANIC

    monkeypatch.setattr(_ffi, "dxltie_client_free", failing_free)
    try:
        with pytest.raises(dxltie.DxlTieError):
            client.destroy()
        client.destroy()
        client.__del__()
        assert client not in _native.live_clients  # so the exit hook will not try either
        assert len(calls) == 1
        with pytest.raises(dxltie.DxlException, match="destroyed"):
            client.connect(timeout=1)
    finally:
        monkeypatch.undo()
        assert real_free(handle) == _ffi.DXLTIE_OK  # the test's own cleanup of the real handle


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_fork_child_gets_a_clear_error_and_exits_cleanly(dxl_config, responder):
    script = Script("""
        from dxltie import TieClient
        md5 = {"md5": sys.argv[2]}
        config = dxltie.DxlClientConfig.create_dxl_config_from_file(sys.argv[1])
        client = dxltie.DxlClient(config)
        client.connect(timeout=10)
        tie = TieClient(client)
        tie.add_file_detection_callback(lambda d, e: None)
        print("PARENT BEFORE", tie.get_file_reputation(md5)[1]["trustLevel"], flush=True)
        pid = os.fork()
        if pid:
            print("CHILD PID", pid, flush=True)
        else:
            try:
                tie.get_file_reputation(md5)
                print("CHILD no error", flush=True)
            except dxltie.ForkedClientError as e:
                print("CHILD ForkedClientError", e.code_name, "|", e, flush=True)
            print("CHILD connected", client.connected, flush=True)
            own = dxltie.DxlClient(dxltie.DxlClientConfig.create_dxl_config_from_file(sys.argv[1]))
            own.connect(timeout=10)
            print("CHILD OWN", TieClient(own).get_file_reputation(md5)[1]["trustLevel"], flush=True)
            sys.exit(0)  # through the exit hook: both clients are closed there
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status):
            print("STATUS exited", os.WEXITSTATUS(status), flush=True)
        else:
            print("STATUS signal", os.WTERMSIG(status), flush=True)
        print("PARENT AFTER", tie.get_file_reputation(md5)[1]["trustLevel"], client.connected, flush=True)
    """, dxl_config, NOTEPAD["md5"])
    code, out, err = script.finish(60)
    if code is None:  # killed after hanging: stop the forked child too, if it is still there
        for line in script.lines.snapshot():
            if line.startswith("CHILD PID "):
                pid = int(line.split()[2])
                try:
                    with open("/proc/%d/cmdline" % pid, "rb") as f:
                        ours = b"dxltie" in f.read()
                    if ours:
                        os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    assert code == 0, (code, out, err)
    assert "PARENT BEFORE 99" in out, out
    child = [line for line in out.splitlines() if line.startswith("CHILD ForkedClientError")]
    assert child and "DXLTIE_E_FORKED" in child[0] and "fork" in child[0] and "new DxlClient" in child[0], out
    assert "CHILD connected False" in out, out
    assert "CHILD OWN 99" in out, out
    assert "STATUS exited 0" in out, out
    assert "PARENT AFTER 99 True" in out, out
    assert "Traceback" not in err and "Fatal Python error" not in err, err
