"""A real reader app against a real `broadsheet serve` on loopback: newsboat, in its Google Reader
(FeedHQ) mode, lists the sources and their articles, marks one article read and one feed read,
and the site and the Fever API then agree on what is read, as does newsboat after a reload.

newsboat drives its screens from `run-on-startup` in a pseudo-terminal: no keystrokes are timed."""

from __future__ import annotations

import hashlib
import os
import pty
import re
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from test_accounts import csrf_of
from test_reader_apis import API_PASSWORD, LOGIN_PASSWORD, seed

NEWSBOAT = shutil.which("newsboat")
pytestmark = pytest.mark.skipif(NEWSBOAT is None, reason="newsboat is not installed (apt-get install -y newsboat)")
WAIT = 120.0  # seconds for a start-up or a newsboat run on a loaded machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


@pytest.fixture
def served(engine, config, tmp_path):
    """The seeded desk behind `broadsheet serve` on a free loopback port."""
    facts = seed(engine)
    port = _free_port()
    env = {
        **os.environ,
        "BROADSHEET_DATA_DIR": str(tmp_path),
        "BROADSHEET_DATABASE_URL": config.resolved_database_url,
    }
    log = (tmp_path / "serve.log").open("w+")
    command = [sys.executable, "-m", "broadsheet", "serve", "--port", str(port), "--refresh-interval", "3600"]
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        started = _wait_until(lambda: _serving(port) or proc.poll() is not None, WAIT)
        assert started and proc.poll() is None, (tmp_path / "serve.log").read_text()
        yield f"http://127.0.0.1:{port}", facts
    finally:
        proc.terminate()
        proc.wait(60)
        log.close()


def _newsboat_files(tmp_path: Path, base: str, startup: str = "") -> list[str]:
    """newsboat's config, urls and cache in the test's folder; its arguments."""
    config = tmp_path / "newsboat.conf"
    lines = [
        'urls-source "feedhq"',
        f'feedhq-url "{base}/"',  # with the trailing slash newsboat's own example has
        'feedhq-login "reader1"',
        f'feedhq-password "{API_PASSWORD}"',
        'feedhq-show-special-feeds "no"',
        "feedhq-min-items 100",
    ]
    if startup:
        lines.append(f"run-on-startup {startup}")
    config.write_text("\n".join(lines) + "\n")
    (tmp_path / "urls").touch()
    return [NEWSBOAT, "-C", str(config), "-u", str(tmp_path / "urls"), "-c", str(tmp_path / "cache.db")]


def _env(tmp_path: Path) -> dict:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home), "TERM": "xterm"}


def _run(args: list[str], tmp_path: Path) -> str:
    done = subprocess.run(args, env=_env(tmp_path), capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _run_in_terminal(args: list[str], tmp_path: Path) -> str:
    """Run newsboat's screens in a pseudo-terminal until it quits by itself (its run-on-startup ends in quit)."""
    master, terminal = pty.openpty()
    proc = subprocess.Popen(args, stdin=terminal, stdout=terminal, stderr=terminal, env=_env(tmp_path))
    os.close(terminal)
    shown, deadline = b"", time.monotonic() + WAIT
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    shown += os.read(master, 65536)  # drained, or newsboat blocks on a full terminal
                except OSError:
                    break
        assert proc.wait(max(1.0, deadline - time.monotonic())) == 0, shown.decode(errors="replace")[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        os.close(master)
    return shown.decode(errors="replace")


def _cache(tmp_path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(tmp_path / "cache.db") as cache:
        return sorted(cache.execute("SELECT feedurl, title, unread FROM rss_item").fetchall())


@contextmanager
def _signed_in(base: str) -> Iterator[httpx.Client]:
    """A browser-like client logged in as the reader."""
    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as http:
        token = csrf_of(http.get("/login").text)
        http.post("/login", data={"csrf_token": token, "username": "reader1", "password": LOGIN_PASSWORD})
        yield http


def _site_read_titles(base: str) -> set[str]:
    """The titles the site's latest-news page shows as read to the signed-in reader."""
    with _signed_in(base) as http:
        page = http.get("/latest").text
    cards = page.split('<article class="card">')[1:]
    assert len(cards) == 7
    return {re.search(r">(Ferry timetable change number \d)<", card).group(1) for card in cards if "read-mark" in card}


def _fever_unread(base: str) -> set[int]:
    key = hashlib.md5(f"reader1:{API_PASSWORD}".encode()).hexdigest()
    answer = httpx.post(f"{base}/fever/?api&unread_item_ids", data={"api_key": key}, timeout=30).json()
    return {int(n) for n in answer["unread_item_ids"].split(",") if n}


def test_newsboat_reads_the_desk_and_its_marks_reach_the_site_and_fever(served, tmp_path):
    base, facts = served
    number = {int(a, 16): arrival for a, arrival in facts["arrivals"].items()}  # article n -> item number
    args = _newsboat_files(tmp_path, base)
    _run([*args, "-x", "reload"], tmp_path)
    listed = _cache(tmp_path)
    assert len(listed) == 7 and all(unread == 1 for _, _, unread in listed)
    assert len({feed for feed, _, _ in listed}) == 2  # the two sources, as feeds
    # Open the first feed (Harbour Gazette), mark its newest article (number 4) read, go back, mark
    # the second feed (Valley Courier: 5, 6 and 7) read, quit. Each mark goes to the API at once.
    startup = _newsboat_files(tmp_path, base, "open ; toggle-article-read ; quit ; down ; mark-feed-read ; quit")
    _run_in_terminal(startup, tmp_path)
    assert _fever_unread(base) == {number[1], number[2], number[3]}
    assert _site_read_titles(base) == {f"Ferry timetable change number {n}" for n in (4, 5, 6, 7)}
    _run([*args, "-x", "reload"], tmp_path)
    assert "3 unread articles" in _run([*args, "-x", "print-unread"], tmp_path)
    # The other way: the reader opens article 1 on the site; the server marks it read off the request.
    with _signed_in(base) as http:
        assert http.get(f"/articles/{1:032x}").status_code == 200
    assert _wait_until(lambda: _fever_unread(base) == {number[2], number[3]}, WAIT), _fever_unread(base)
    _run([*args, "-x", "reload"], tmp_path)
    assert "2 unread articles" in _run([*args, "-x", "print-unread"], tmp_path)
