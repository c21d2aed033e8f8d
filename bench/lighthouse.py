"""Lighthouse (npm lighthouse@12.2.3, run with Debian's chromium) on the demo's front, story and
article pages: performance, accessibility, best practices and SEO (issue 15's bar: each >= 95),
with the audits that cost points.

Usage: .venv/bin/python bench/lighthouse.py [--lighthouse PATH] [--port 8765]

PATH is the lighthouse command (default: `npx --yes lighthouse@12.2.3`; `npm install lighthouse@12.2.3`
in any folder gives node_modules/.bin/lighthouse). The demo runs in a temporary folder; the machine's
other load shows in the performance score (Lighthouse simulates a slow phone from the page's trace).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
BAR = 0.95


def start_demo(folder: Path, port: int) -> subprocess.Popen:
    """`broadsheet demo` on this port, once its front page shows a story."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "--data-dir", str(folder), "demo", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if "/stories/" in fetch(f"http://127.0.0.1:{port}/"):
                return demo
        except OSError:
            pass
        time.sleep(1)
    demo.terminate()
    raise SystemExit("the demo did not show a story within 180 s")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def pages(base: str) -> dict[str, str]:
    story = re.search(r'/stories/[^"#?]+', fetch(base + "/")).group(0)
    article = re.search(r'/articles/[^"#?]+', fetch(base + story)).group(0)
    return {"front": base + "/", "story": base + story, "article": base + article}


def audit(lighthouse: list[str], url: str, out: Path) -> dict:
    flags = "--headless --no-sandbox --disable-gpu"
    command = [*lighthouse, url, "--quiet", f"--chrome-flags={flags}", "--output=json", f"--output-path={out}"]
    command.append("--only-categories=" + ",".join(CATEGORIES))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, timeout=300)
    return json.loads(out.read_text(encoding="utf-8"))


def lost_points(report: dict) -> list[str]:
    """Weighted audits that did not score fully."""
    lost = []
    for name, category in report["categories"].items():
        for ref in category["auditRefs"]:
            result = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and result.get("score") is not None and result["score"] < 1:
                lost.append(f"{name}: {ref['id']} {result['score']:.2f} {result.get('displayValue', '')}".rstrip())
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", default="npx --yes lighthouse@12.2.3")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as folder:
        demo = start_demo(Path(folder), args.port)
        try:
            print(f"{'page':8s} " + " ".join(f"{c:>15s}" for c in CATEGORIES))
            for name, url in pages(f"http://127.0.0.1:{args.port}").items():
                report = audit(shlex.split(args.lighthouse), url, Path(folder) / f"{name}.json")
                scores = [report["categories"][c]["score"] for c in CATEGORIES]
                print(f"{name:8s} " + " ".join(f"{s * 100:15.0f}" for s in scores))
                for line in lost_points(report):
                    print(f"         {line}")
                verdict = "met" if min(scores) >= BAR else "NOT met"
                print(f"         bar (every category >= {BAR * 100:.0f}): {verdict}")
        finally:
            demo.terminate()
            demo.wait(timeout=30)


if __name__ == "__main__":
    main()
