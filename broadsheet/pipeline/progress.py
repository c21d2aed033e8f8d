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


class Tally(Progress):
    """Progress kept as numbers (stage -> [done, total]) for whoever shows it elsewhere: the page a
    starting site serves while its desk is collected."""

    def __init__(self) -> None:
        self.stages: dict[str, list[int | None]] = {}
        self.notes: list[str] = []

    def start(self, stage: str, total: int | None) -> None:
        self.stages[stage] = [0, total]

    def advance(self, stage: str, count: int = 1) -> None:
        if stage in self.stages:
            self.stages[stage][0] = (self.stages[stage][0] or 0) + count

    def note(self, message: str) -> None:
        self.notes = [*self.notes[-4:], message]


class Tee(Progress):
    """Progress told to several displays at once."""

    def __init__(self, *displays: Progress) -> None:
        self.displays = displays

    def start(self, stage: str, total: int | None) -> None:
        for display in self.displays:
            display.start(stage, total)

    def advance(self, stage: str, count: int = 1) -> None:
        for display in self.displays:
            display.advance(stage, count)

    def note(self, message: str) -> None:
        for display in self.displays:
            display.note(message)
