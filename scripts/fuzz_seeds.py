#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/) from the shared test vectors.

Usage: fuzz_seeds.py <vectors dir> <output dir>

Each target gets <output dir>/<target>/ with one file per seed:
  dxl_decode     every whole encoded message of dxl/vectors.json (valid, truncated, non-DXL);
  tie_events     every cb_* payload and every event of the scenario_*/fakesvc_* logs, prefixed
                 with the event kind's index in EventKind::ALL (the target's first byte);
  tie_responses  every req_* canned response and every response of the scenario/fakesvc logs,
                 prefixed with the operation's index in Operation::ALL;
  config_load    the committed fuzz/seeds/config_load/* files (no vector holds a config file).
The indexes below mirror the order of EventKind::ALL (src/tie/events.rs) and Operation::ALL
(src/tie/payloads.rs); a mismatch only makes seeds start on another kind, never fails a run.
"""

import hashlib
import json
import pathlib
import shutil
import sys

EVENT_KINDS = {
    "/mcafee/event/tie/file/detection": 0,
    "/mcafee/event/tie/file/firstinstance": 1,
    "/mcafee/event/tie/file/repchange/broadcast": 2,
    "/mcafee/event/tie/cert/repchange/broadcast": 3,
}

OPERATIONS = {
    "get_file_reputation": 0,
    "set_file_reputation": 1,
    "set_external_file_reputation": 2,
    "get_file_first_references": 3,
    "get_certificate_reputation": 4,
    "set_certificate_reputation": 5,
    "get_certificate_first_references": 6,
}

REQUEST_TOPICS = {
    "/mcafee/service/tie/file/reputation": 0,
    "/mcafee/service/tie/file/reputation/set": 1,
    "/mcafee/service/tie/file/agents": 3,
    "/mcafee/service/tie/cert/reputation": 4,
    "/mcafee/service/tie/cert/reputation/set": 5,
    "/mcafee/service/tie/cert/agents": 6,
}


def write_seed(folder: pathlib.Path, data: bytes) -> None:
    """Names a seed by its content, as libFuzzer does, so repeats collapse."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def dxl_seeds(vectors: pathlib.Path, out: pathlib.Path) -> None:
    doc = json.loads((vectors / "dxl" / "vectors.json").read_text())
    # The payload-length vectors give only a header, not a whole message.
    for vector in doc["vectors"]:
        if "hex" in vector:
            write_seed(out, bytes.fromhex(vector["hex"]))


def event_payload(raw: object) -> bytes:
    """The wire bytes of a cb_* input: its `raw_payload_text`, or the JSON text of the object."""
    if isinstance(raw, dict) and set(raw) == {"raw_payload_text"}:
        return raw["raw_payload_text"].encode("utf-8", "surrogatepass")
    return json.dumps(raw).encode()


def log_entries(vectors: pathlib.Path):
    for path in sorted(vectors.glob("tie/*.expected.json")):
        if path.name.startswith(("scenario_", "fakesvc_")):
            yield from json.loads(path.read_text()).get("log", [])


def tie_event_seeds(vectors: pathlib.Path, out: pathlib.Path) -> None:
    for path in sorted(vectors.glob("tie/cb_*.input.json")):
        expected = json.loads(path.with_name(path.name.replace(".input.", ".expected.")).read_text())
        kind = EVENT_KINDS.get(expected.get("topic"))
        if kind is not None:
            write_seed(out, bytes([kind]) + event_payload(json.loads(path.read_text())))
    for entry in log_entries(vectors):
        kind = EVENT_KINDS.get(entry.get("topic"))
        if kind is not None and isinstance(entry.get("payload_text"), str):
            write_seed(out, bytes([kind]) + entry["payload_text"].encode())


def tie_response_seeds(vectors: pathlib.Path, out: pathlib.Path) -> None:
    for path in sorted(vectors.glob("tie/req_*.input.json")):
        case = json.loads(path.read_text())
        response = case.get("response") or {}
        operation = OPERATIONS.get(case.get("method"))
        if operation is not None and isinstance(response.get("payload_text"), str):
            write_seed(out, bytes([operation]) + response["payload_text"].encode())
    # In the logs a response follows the request it answers.
    operation = None
    for entry in log_entries(vectors):
        if entry.get("kind") == "request":
            operation = REQUEST_TOPICS.get(entry.get("topic"))
        elif entry.get("kind") == "response" and operation is not None:
            if isinstance(entry.get("payload_text"), str):
                write_seed(out, bytes([operation]) + entry["payload_text"].encode())
            operation = None


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    vectors, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    if out.exists():
        shutil.rmtree(out)
    dxl_seeds(vectors, out / "dxl_decode")
    tie_event_seeds(vectors, out / "tie_events")
    tie_response_seeds(vectors, out / "tie_responses")
    committed = pathlib.Path(__file__).resolve().parent.parent / "fuzz" / "seeds" / "config_load"
    for path in sorted(committed.iterdir()):
        write_seed(out / "config_load", path.read_bytes())
    for target in sorted(out.iterdir()):
        print(f"{target.name}: {sum(1 for _ in target.iterdir())} seeds")


if __name__ == "__main__":
    main()
