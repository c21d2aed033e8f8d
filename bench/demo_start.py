"""How long `broadsheet demo` makes a reader wait (issue 15's bar: the first answered HTTP request
under 5 s, the first article on the front page under 30 s), in a fresh temporary folder, median of
--runs starts.

Usage: .venv/bin/python bench/demo_start.py [--runs 3] [--port 8767]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def one_start(port: int) -> tuple[float, float]:
    """Seconds from starting the command to its first HTTP answer, and to a front page with an article."""
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        started = time.monotonic()
        demo = subprocess.Popen(
            [sys.executable, "-m", "broadsheet", "--data-dir", folder, "demo", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        first = None
        try:
            while time.monotonic() - started < 300:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                        page = response.read().decode("utf-8")
                except urllib.error.HTTPError as error:  # the starting page may answer 503: still an answer
                    page = error.read().decode("utf-8", "replace")
                except OSError:
                    time.sleep(0.05)
                    continue
                first = first or time.monotonic() - started
                if "/articles/" in page or "/stories/" in page:
                    return first, time.monotonic() - started
                time.sleep(0.2)
            raise SystemExit("no article on the front page within 300 s")
        finally:
            demo.terminate()
            demo.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    runs = [one_start(args.port) for _ in range(args.runs)]
    for n, (first, article) in enumerate(runs, 1):
        print(f"start {n}: first answer {first:.1f} s, first article on the front page {article:.1f} s")
    first = statistics.median(r[0] for r in runs)
    article = statistics.median(r[1] for r in runs)
    print(f"median of {len(runs)}: first answer {first:.1f} s (bar 5 s), first article {article:.1f} s (bar 30 s)")


if __name__ == "__main__":
    main()
