"""SIGTERM stops `broadsheet demo`, `serve` and `serve --workers N` with every process they started.

Each command runs as a real process; once it serves /healthz, its descendants are listed from /proc,
SIGTERM goes to the command alone (as systemd or docker send it), and the test waits for the command
to exit 0 and for every descendant to be gone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

WAIT = 240.0  # seconds for start-up (the demo ingests its newsroom first) on a loaded machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's bookkeeping is left


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)  # polling a condition; the deadline is generous
    return condition()


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.parametrize(
    "command",
    [
        ["demo", "--newsroom-port", "0"],
        ["serve", "--refresh-interval", "1"],
        ["serve", "--workers", "2", "--refresh-interval", "1"],
    ],
    ids=["demo", "serve", "serve-workers"],
)
def test_sigterm_stops_the_command_and_every_child(command, tmp_path):
    port = _free_port()
    env = {**os.environ, "BROADSHEET_DATA_DIR": str(tmp_path)}
    log = (tmp_path / "out.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "broadsheet", *command, "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    children: set[int] = set()
    try:
        assert _wait_until(lambda: _serving(port) or proc.poll() is not None, WAIT) and proc.poll() is None, (
            tmp_path / "out.log"
        ).read_text()
        if "--workers" in command:
            assert _wait_until(lambda: len(descendants(proc.pid)) >= 2, 60), "the web workers never started"
        children = descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(WAIT) == 0, (tmp_path / "out.log").read_text()
        assert _wait_until(lambda: not any(_alive(pid) for pid in children), 60), [
            pid for pid in children if _alive(pid)
        ]
    finally:
        for pid in [proc.pid, *children]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(30)
        log.close()
