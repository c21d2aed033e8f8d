"""What every command shares: the consoles, the progress bars, and the command line's settings
(`state`). Kept apart from `cli.py`, so the command groups (`cli_users`, `cli_jobs`) and the demo
use them without importing the command-line entry point that imports them."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar

from broadsheet.config import Config, load_config
from broadsheet.pipeline.progress import Progress

console = Console(stderr=True)
# Piped output (scripts, tests) gets wide tables instead of rich's default 80 columns, so cells don't wrap.
out = Console() if sys.stdout.isatty() else Console(width=240)


class RichProgress(Progress):
    """Pipeline progress shown as rich bars on stderr."""

    def __init__(self, bar: RichBar):
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def start(self, stage: str, total: int | None) -> None:
        self.tasks[stage] = self.bar.add_task(stage, total=total)

    def advance(self, stage: str, count: int = 1) -> None:
        if stage in self.tasks:
            self.bar.advance(self.tasks[stage], count)

    def note(self, message: str) -> None:
        self.bar.console.print(f"[yellow]•[/yellow] {escape(message)}", markup=True, highlight=False)


def progress_bar() -> RichBar:
    """A rich progress display for pipeline stages."""
    return RichBar(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


class State:
    """Options shared by every command."""

    def __init__(self) -> None:
        self.database: str | None = None
        self.data_dir: str | None = None
        self.assigned: dict[str, str] = {}  # --set NAME=VALUE

    def config(self, **overrides: object) -> Config:
        """The settings, with this command line's values on top (a named flag over --set)."""
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        return load_config(None, **{"database_url": self.database, "data_dir": self.data_dir, **self.assigned, **given})

    def engine(self, config: Config | None = None):
        """The command's database, and the process context built around it (models, caches)."""
        from broadsheet.context import Context, install
        from broadsheet.store.db import open_database

        config = config or self.config()
        engine = open_database(config.resolved_database_url)
        install(Context(config, engine))
        return engine


state = State()
