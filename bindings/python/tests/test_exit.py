"""The process exits cleanly while binding clients are still open (the atexit hook closes them
before the interpreter is finalised), also while events are being delivered."""

import subprocess
import sys
import textwrap

import pytest

SCRIPT_HEAD = textwrap.dedent("""\
    import sys, threading, time
    import dxltie
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(sys.argv[1])
""")

SCENARIOS = {
    "connected client with callbacks, never closed": """
        client = dxltie.DxlClient(config)
        client.connect(timeout=10)
        tie = dxltie.TieClient(client)
        class D(dxltie.DetectionCallback):
            def on_detection(self, d, e):
                pass
        tie.add_file_detection_callback(D())
        tie.add_file_reputation_change_callback(lambda d, e: None)
        print("READY", flush=True)
    """,
    "exit while slow callbacks still have events queued": """
        client = dxltie.DxlClient(config)
        client.connect(timeout=10)
        tie = dxltie.TieClient(client)
        started = threading.Event()
        def slow(d, e):
            started.set()
            time.sleep(0.3)
        for add in (tie.add_file_detection_callback, tie.add_file_first_instance_callback,
                    tie.add_file_reputation_change_callback, tie.add_certificate_reputation_change_callback):
            add(slow)
        tie.set_file_reputation(99, {"md5": "f2c7bb8acc97f92e987a2d4087d021b1"}, filename="emit-events.exe")
        assert started.wait(10)
        print("READY", flush=True)
    """,
    "a client that never connected, and one made in a thread": """
        idle = dxltie.DxlClient(config)
        def other():
            global in_thread
            in_thread = dxltie.DxlClient(config)
            in_thread.connect(timeout=10)
        t = threading.Thread(target=other); t.start(); t.join()
        print("READY", flush=True)
    """,
    "sys.exit from inside a with block": """
        with dxltie.DxlClient(config) as client:
            client.connect(timeout=10)
            print("READY", flush=True)
            sys.exit(0)
    """,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_process_exits_cleanly_with_a_client_open(name, dxl_config, responder):
    script = SCRIPT_HEAD + textwrap.dedent(SCENARIOS[name])
    done = subprocess.run([sys.executable, "-c", script, dxl_config], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, err
    assert "READY" in out
    assert "Traceback" not in err and "Fatal Python error" not in err, err
