"""`broadsheet users`, run as an operator would: accounts made from scripts and prompts, one-sentence errors."""

import subprocess
import sys

import pytest

from broadsheet.config import load_config
from broadsheet.store import users as user_store
from broadsheet.store.db import open_database

PASSWORD = "a long enough password"


def run(*args, data_dir, stdin="", check=True):
    # A new session has no controlling terminal, so the hidden prompt reads the piped stdin.
    result = subprocess.run(
        [sys.executable, "-m", "broadsheet", "--data-dir", str(data_dir), "users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def engine_for(data_dir):
    return open_database(load_config(environ={}, data_dir=str(data_dir)).resolved_database_url)


def test_create_list_and_set_role(tmp_path):
    made = run(
        "create",
        "Ada",
        "--admin",
        "--password-stdin",
        "--email",
        "ada@example.org",
        data_dir=tmp_path,
        stdin=PASSWORD + "\n",
    )
    assert "Created admin Ada (id 1)." in made.stdout
    run("create", "bert", data_dir=tmp_path, stdin=f"{PASSWORD}\n{PASSWORD}\n")  # the hidden prompt, typed twice
    run("create", "cleo", "--moderator", "--password-stdin", data_dir=tmp_path, stdin=PASSWORD)
    listing = run("list", data_dir=tmp_path).stdout
    assert listing.index("Ada") < listing.index("bert") < listing.index("cleo")
    assert "admin" in listing and "moderator" in listing and "ada@example.org" in listing and "never" in listing
    assert PASSWORD not in listing and "argon2" not in listing
    assert "bert is now a moderator." in run("set-role", "BERT", "moderator", data_dir=tmp_path).stdout
    assert "bert is now an admin." in run("set-role", "bert", "admin", data_dir=tmp_path).stdout
    engine = engine_for(tmp_path)
    assert user_store.authenticate(engine, "bert", PASSWORD).role == "admin"
    assert user_store.authenticate(engine, "ada", PASSWORD).email == "ada@example.org"
    engine.dispose()


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (
            ["create", "dora", "--password-stdin"],
            "too short\n",
            "the password is too short: use at least 10 characters",
        ),
        (["create", "dora", "--password-stdin"], "", "stdin held no password"),
        (["create", "dora"], f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n", None),  # a mismatch asks again
        (["create", "x", "--password-stdin"], PASSWORD, "a username is 3 to 32 letters"),
        (["create", "dora", "--admin", "--moderator", "--password-stdin"], PASSWORD, "choose --admin or --moderator"),
        (["create", "ADA", "--password-stdin"], PASSWORD, "that username is taken"),
        (["create", "dora", "--email", "nope", "--password-stdin"], PASSWORD, "does not look like an email address"),
        (["set-role", "ada", "overlord"], "", "a role is one of reader, moderator, admin"),
        (["set-role", "nobody", "admin"], "", "no user named 'nobody'"),
    ],
)
def test_errors_are_one_clear_sentence(tmp_path, args, stdin, message):
    run("create", "ada", "--password-stdin", data_dir=tmp_path, stdin=PASSWORD)
    result = run(*args, data_dir=tmp_path, stdin=stdin, check=False)
    assert "Traceback" not in result.stderr
    if message is None:
        assert result.returncode == 0 and "Error: The two entered values do not match." in result.stderr + result.stdout
        return
    assert result.returncode == 1, result.stderr
    assert message in " ".join(result.stderr.split())
