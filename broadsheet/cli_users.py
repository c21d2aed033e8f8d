"""`broadsheet users`: create accounts, list them and change roles from the command line."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from broadsheet.errors import InputError

users_app = typer.Typer(help="Manage reader, moderator and admin accounts.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin for scripts, else a hidden prompt typed twice."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("users: --password-stdin was given but stdin held no password")
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Login name (3 to 32 letters, digits, dots, dashes, underscores).")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an admin.")] = False,
    moderator: Annotated[bool, typer.Option("--moderator", help="Make the user a moderator.")] = False,
    email: Annotated[str | None, typer.Option("--email", help="Optional email address.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create an account; the password is asked for without echo (or read with --password-stdin)."""
    from broadsheet.store import users as user_store
    from broadsheet.terminal import out, state

    if admin and moderator:
        raise InputError("users: choose --admin or --moderator, not both")
    role = "admin" if admin else "moderator" if moderator else "reader"
    user_store.validate_username(username)  # a bad name fails before the password is asked for
    engine = state.engine()
    user = user_store.create_user(engine, username, _read_password(password_stdin), email, role)
    out.print(f"Created {role} {user.username} (id {user.id}).", highlight=False)


@users_app.command("list")
def users_list() -> None:
    """List accounts with their roles."""
    from broadsheet.store import users as user_store
    from broadsheet.terminal import out, state
    from broadsheet.web.timefmt import absolute_time

    table = Table("id", "username", "role", "email", "created", "last login")
    for user in user_store.list_users(state.engine()):
        table.add_row(
            str(user.id),
            user.username,
            user.role,
            user.email or "",
            absolute_time(user.created_at),
            absolute_time(user.last_login_at) or "never",
        )
    out.print(table)


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument(help="The account to change.")],
    role: Annotated[str, typer.Argument(help="reader, moderator or admin.")],
) -> None:
    """Change an account's role (it applies from the user's next page)."""
    from broadsheet.store import users as user_store
    from broadsheet.terminal import out, state

    user = user_store.set_role(state.engine(), username, role.strip().lower())
    out.print(f"{user.username} is now {'an' if user.role == 'admin' else 'a'} {user.role}.", highlight=False)
