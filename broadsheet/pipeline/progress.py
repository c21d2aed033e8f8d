"""How the pipeline reports progress, without knowing who displays it (rich bar, log, nothing)."""

from __future__ import annotations


class Progress:
    """Silent progress; the CLI subclasses it with a rich progress bar."""

    def start(self, stage: str, total: int | None) -> None:
        """A stage begins with `total` items (None when unknown)."""

    def advance(self, stage: str, count: int = 1) -> None:
        """`count` more items of a stage are done."""

    def note(self, message: str) -> None:
        """Something the user should read (an item failed, a line was skipped)."""
