"""The settings table is the single source: the README's table is made from it, every setting is
documented, values are checked by it, and the command line and `broadsheet settings` go through it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from broadsheet.config import SETTINGS, load_config, parse_assignments, settings_markdown
from broadsheet.errors import ConfigError

README = Path(__file__).parent.parent / "README.md"


def test_every_setting_has_help_text():
    for setting in SETTINGS:
        assert len(setting.help) > 15 and setting.help.endswith((".", ")")), setting.name


def test_the_readme_table_is_the_settings_table():
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- settings:start -->\n(.*?)<!-- settings:end -->", text, re.S)
    assert found, "README.md lost its settings table markers"
    assert found.group(1) == settings_markdown(), "run `broadsheet settings --markdown` and paste it into README.md"
    for setting in SETTINGS:
        assert f"| `{setting.name}` |" in found.group(1)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("port", "70000", "port must be at most 65535"),
        ("embeddings", "bert", "embeddings must be one of minilm, off"),
        ("job_engine", "celery", "job_engine must be one of embedded, procrastinate"),
        ("page_size", "0", "page_size must be at least 1"),
        ("schedule_tick", "60", "schedule_tick must be at most 59"),
        ("fetch_timeout", "soon", "fetch_timeout must be a float"),
    ],
)
def test_a_value_the_setting_does_not_accept_is_refused_with_its_name(name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ={f"BROADSHEET_{name.upper()}": value})


def test_values_come_from_the_file_the_environment_and_the_command_line_in_that_order(tmp_path):
    (tmp_path / "broadsheet.toml").write_text('port = 8100\npage_size = 30\nllm_key = "k"\n', encoding="utf-8")
    config = load_config(
        environ={"BROADSHEET_DATA_DIR": str(tmp_path), "BROADSHEET_PAGE_SIZE": "40"},
        **parse_assignments(["host=0.0.0.0"]),
    )
    assert (config.port, config.page_size, config.host) == (8100, 40, "0.0.0.0")
    assert (
        config.origins["port"].startswith("file ") and config.origins["page_size"] == "environment BROADSHEET_PAGE_SIZE"
    )
    assert config.origins["host"] == "command line" and config.origins["user_agent"] == "default"
    assert config.as_dict()["llm_key"] == "***"


def test_set_names_only_known_settings():
    assert parse_assignments(["web-workers=3"]) == {"web_workers": "3"}
    with pytest.raises(ConfigError, match="no setting 'colour'"):
        parse_assignments(["colour=blue"])
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        parse_assignments(["port"])


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "broadsheet", *args],
        env={"PATH": "/usr/bin:/bin", **env, "PYTHONPATH": ":".join(sys.path), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_command_shows_values_and_their_origins(tmp_path):
    env = {"BROADSHEET_DATA_DIR": str(tmp_path), "BROADSHEET_LLM_KEY": "secret-value", "BROADSHEET_PAGE_SIZE": "25"}
    shown = _cli("--set", "port=8123", "settings", env=env)
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"port\s+8123\s+command line", shown.stdout)
    assert re.search(r"page_size\s+25\s+environment BROADSHEET_PAGE_SIZE", shown.stdout)
    assert "secret-value" not in shown.stdout and "'***'" in shown.stdout
    refused = _cli("--set", "port=99999", "settings", env=env)
    assert refused.returncode != 0 and "port must be at most 65535" in refused.stdout + refused.stderr
    table = _cli("settings", "--markdown", env=env)
    assert table.stdout == settings_markdown()


def test_architecture_names_every_module():
    text = (README.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    package = README.parent / "broadsheet"
    missing = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path.name != "__init__.py"
        and "migrations" not in path.parts
        and f"`{path.relative_to(package)}`" not in text
    ]
    assert missing == [], "say in ARCHITECTURE.md what these modules do"


def test_json_log_lines_and_the_access_log(tmp_path):
    import json
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": ":".join(sys.path),
        "BROADSHEET_DATA_DIR": str(tmp_path),
        "BROADSHEET_EMBEDDINGS": "off",
    }
    log = (tmp_path / "err.log").open("w+")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "broadsheet",
            "--set",
            "log_format=json",
            "--set",
            "access_log=on",
            "serve",
            "--port",
            str(port),
            "--refresh-interval",
            "0",
        ],
        env=env,
        stderr=log,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/latest?page=1").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)  # polling until the server answers
        lines = []
        while time.monotonic() < deadline and not any(line.get("path") == "/latest?page=1" for line in lines):
            log.seek(0)
            lines = [json.loads(raw) for raw in log.read().splitlines() if raw.startswith("{")]
            time.sleep(0.1)  # the line is written after the response
    finally:
        proc.terminate()
        proc.wait(60)
        log.close()
    access = next(line for line in lines if line.get("path") == "/latest?page=1")
    assert access["logger"] == "broadsheet.access" and access["status"] == 200 and access["method"] == "GET"
    assert access["ms"] >= 0 and access["time"].endswith("+00:00")


LONGEST_FUNCTION = 40  # lines, from `def` to the last line of the body, docstring included


def test_no_function_is_longer_than_forty_lines():
    import ast

    package = README.parent / "broadsheet"
    long = [
        f"{path.relative_to(package)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted(package.rglob("*.py"))
        if "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION
    ]
    assert long == [], "split these functions"
