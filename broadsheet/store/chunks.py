"""Long id lists go to the database in slices: SQLite caps the variables of one statement
(999 in older builds), and one huge IN (...) plans badly everywhere."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

IN_LIMIT = 500  # values per IN (...) clause
T = TypeVar("T")


def in_chunks(values: Sequence[T], size: int = IN_LIMIT) -> Iterator[list[T]]:
    """Consecutive slices of at most `size` values, as lists."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
