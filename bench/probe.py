"""Streamlit's own account of each script run, written by the server process for
`python -m bench.click`: when a `rerun_script` arrived, when the run started and stopped,
the forward messages it sent (count and bytes, by kind), the full garbage collections, and
when `script_finished` left.

`python -m bench.click` serves the app with this module installed through a
`sitecustomize` (PYTHONPATH), so nothing here runs in a served app. Times are
`time.monotonic()`, which every process of the machine shares, so the benchmark lines them
up with the browser's. With BENCH_PROFILE set, the script runs are profiled into that file.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import threading
import time
from collections import Counter

PROBE_FILE = "BENCH_PROBE"
PROFILE_FILE = "BENCH_PROFILE"


def install() -> None:
    """Wrap the runtime's hooks; every record is one JSON line in $BENCH_PROBE."""
    from streamlit.runtime import runtime
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.scriptrunner import script_runner

    out = open(os.environ[PROBE_FILE], "a", buffering=1)  # noqa: SIM115 (open for the process's life)
    lock = threading.Lock()
    sent: Counter = Counter()
    sizes: Counter = Counter()

    def write(event: str, **values: object) -> None:
        with lock:
            out.write(json.dumps({"t": time.monotonic(), "event": event, **values}) + "\n")

    handle_backmsg = AppSession.handle_backmsg

    def on_backmsg(self, msg):  # noqa: ANN001, ANN202
        if msg.WhichOneof("type") == "rerun_script":
            write("rerun_received")
        return handle_backmsg(self, msg)

    on_event = AppSession._on_scriptrunner_event

    def on_runner_event(self, sender, event, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        name = getattr(event, "name", str(event))
        if name == "SCRIPT_STARTED":
            sent.clear()
            sizes.clear()
            write("run_started")
        elif name.startswith("SCRIPT_STOPPED"):
            write("run_stopped", how=name, messages=dict(sent), bytes=dict(sizes))
        elif name == "ENQUEUE_FORWARD_MSG":
            msg = kwargs.get("forward_msg")
            if msg is not None:
                kind = msg.WhichOneof("type")
                if kind == "delta":
                    element = msg.delta.new_element.WhichOneof("type") if msg.delta.HasField("new_element") else None
                    kind = f"delta:{element or msg.delta.WhichOneof('type')}"
                sent[kind] += 1
                sizes[kind] += msg.ByteSize()
        return on_event(self, sender, event, *args, **kwargs)

    send_message = runtime.Runtime._send_message

    def on_send(self, session_info, msg):  # noqa: ANN001, ANN202
        result = send_message(self, session_info, msg)
        if msg.WhichOneof("type") == "script_finished":
            write("finished_sent")
        return result

    collecting: dict[str, float] = {}

    def on_gc(phase: str, info: dict) -> None:
        """Full collections (generation 2), which Streamlit forces after every run."""
        if info["generation"] != 2:
            return
        if phase == "start":
            collecting["t"] = time.monotonic()
        elif "t" in collecting:
            write("full_gc", seconds=time.monotonic() - collecting.pop("t"), collected=info["collected"],
                  thread=threading.current_thread().name)

    gc.callbacks.append(on_gc)
    AppSession.handle_backmsg = on_backmsg
    AppSession._on_scriptrunner_event = on_runner_event
    runtime.Runtime._send_message = on_send

    if profile_path := os.environ.get(PROFILE_FILE):
        profiler = cProfile.Profile()
        run_script = script_runner.ScriptRunner._run_script

        def profiled(self, rerun_data):  # noqa: ANN001, ANN202
            profiler.enable()
            try:
                return run_script(self, rerun_data)
            finally:
                profiler.disable()
                profiler.dump_stats(profile_path)

        script_runner.ScriptRunner._run_script = profiled


SITECUSTOMIZE = "from bench import probe\nprobe.install()\n"
