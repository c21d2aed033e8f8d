"""Running Broadsheet as a service for tests and benchmarks: a fresh PostgreSQL database, `broadsheet
worker` and `broadsheet serve` processes (the same commands the README's systemd units run), and
waiting on conditions rather than on the clock."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
T = TypeVar("T")


def postgres_reachable() -> bool:
    """Whether the PostgreSQL the tests use answers."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def fresh_database(prefix: str = "bs_scale") -> Iterator[str]:
    """A new, empty database for one run (dropped after), so runs can go side by side."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], T], timeout: float, what: str, every: float = 0.2) -> T:
    """Poll `condition` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> set[int]:
    """The pids of a process and every process below it (Linux /proc)."""
    parent_of = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent_of[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parent_of.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


class TreeCPU:
    """CPU seconds of a process tree, sampled so that helpers (an extraction pool, a forkserver)
    count too; a process's last ~`every` seconds before it ends may be missed."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}

    def sample(self, root: int) -> None:
        """Record the CPU time of every process of the tree now."""
        for pid in descendants(root):
            try:
                self.seen[pid] = max(self.seen.get(pid, 0.0), cpu_seconds(pid))
            except (FileNotFoundError, ProcessLookupError):
                continue

    def total(self) -> float:
        """CPU seconds seen over the whole tree."""
        return sum(self.seen.values())


@dataclass
class Cluster:
    """Broadsheet processes sharing one database; every process started here is stopped by close()."""

    env: dict[str, str]
    log_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    cpu_of_dead: float = 0.0  # CPU seconds of processes already gone (measured just before they ended)

    def start(self, *args: str) -> subprocess.Popen:
        """Start `broadsheet ARGS...` with the cluster's environment."""
        with open(self.log_dir / f"{args[0]}-{len(self.processes)}.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "broadsheet", *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(proc)
        return proc

    def live(self, name: str | None = None) -> list[subprocess.Popen]:
        """Processes still running (of one command when named)."""
        return [p for p in self.processes if p.poll() is None and (name is None or p.args[3] == name)]

    def kill(self, proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Send a signal to one process and wait for it to end (its CPU time is kept)."""
        try:
            self.cpu_of_dead += cpu_seconds(proc.pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
        proc.send_signal(sig)
        proc.wait(timeout=60)

    def cpu(self) -> float:
        """CPU seconds of every process of the cluster so far."""
        total = self.cpu_of_dead
        for proc in self.live():
            try:
                total += cpu_seconds(proc.pid)
            except FileNotFoundError:
                pass
        return total

    def close(self) -> None:
        """Stop everything still running: SIGTERM, then SIGKILL for any that lingers."""
        for proc in self.live():
            proc.send_signal(signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def service_env(database_url: str, **settings: object) -> dict[str, str]:
    """The environment of a service process: the job engine on this database, plus settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADSHEET_")}
    env.update(
        {
            "BROADSHEET_DATABASE_URL": database_url,
            "BROADSHEET_JOB_ENGINE": "procrastinate",
            "BROADSHEET_ALLOW_PRIVATE_ADDRESSES": "true",
            "BROADSHEET_PER_HOST_DELAY": "0",
            "BROADSHEET_EMBEDDINGS": os.environ.get("BROADSHEET_EMBEDDINGS", "off"),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
    )
    env.update({f"BROADSHEET_{k.upper()}": str(v) for k, v in settings.items()})
    return env


SCHEDULE_KINDS = ("broadsheet.enqueue_due", "broadsheet.retry_stalled")


def progress(engine) -> tuple[int, int, int]:
    """Articles stored, placed in a story, and enriched."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text("SELECT count(*), count(story_id), count(enriched) FROM articles WHERE status = 'ok'")
            ).one()
        )


def open_jobs(engine) -> int:
    """Jobs queued or running, other than the periodic scheduling ones."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') AND task_name <> ALL(:kinds)"
            ),
            {"kinds": list(SCHEDULE_KINDS)},
        ).scalar_one()


def finished(engine, articles: int) -> bool:
    """Every article stored, placed and enriched, and no pipeline job left."""
    return progress(engine) == (articles,) * 3 and open_jobs(engine) == 0
