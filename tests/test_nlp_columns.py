"""Column mirrors: scoring one story against the window through a column-major copy of the centroids
gives the matrix product's scores, however the matrix was written since the mirror was made."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from broadsheet.nlp.columns import ColumnMirror, scores_against


def _sparse_rows(rng: np.random.Generator, rows: int, dim: int, density: float) -> np.ndarray:
    values = rng.random((rows, dim), dtype=np.float32)
    return np.where(rng.random((rows, dim)) < density, values, np.float32(0.0))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 40),
    dim=st.integers(1, 64),
    density=st.sampled_from([0.0, 0.05, 0.3, 1.0]),
    writes=st.lists(st.tuples(st.integers(0, 39), st.booleans()), max_size=12),
)
def test_mirror_scores_are_the_matrix_product_after_any_writes(seed, rows, dim, density, writes):
    rng = np.random.default_rng(seed)
    matrix = _sparse_rows(rng, rows, dim, density)
    mirror = ColumnMirror()
    mirror.read(matrix)
    for row, read_between in writes:
        row %= rows
        matrix[row] = _sparse_rows(rng, 1, dim, density)[0]
        mirror.mark(row)
        if read_between:
            mirror.read(matrix)
    count = int(rng.integers(0, rows + 1))  # the window may be shorter than the matrix
    columns = mirror.read(matrix)
    for i in range(rows):
        expected = matrix[:count] @ matrix[i]
        np.testing.assert_allclose(scores_against(matrix[i], columns, count), expected, rtol=1e-5, atol=1e-6)


def test_a_read_copies_only_the_rows_written_since_the_last():
    matrix = np.arange(12, dtype=np.float32).reshape(4, 3)
    mirror = ColumnMirror()
    first = mirror.read(matrix)
    matrix[2] = [7.0, 0.0, 1.0]
    matrix[3] = [9.0, 9.0, 9.0]  # written without a mark: the mirror must not have looked
    mirror.mark(2)
    again = mirror.read(matrix)
    assert again is first  # brought up to date in place, not copied whole
    assert again[:, 2].tolist() == [7.0, 0.0, 1.0] and again[:, 3].tolist() == [9.0, 10.0, 11.0]


def test_a_grown_matrix_is_copied_whole():
    matrix = np.ones((2, 3), np.float32)
    mirror = ColumnMirror()
    mirror.read(matrix)
    grown = np.concatenate([matrix, np.full((2, 3), 2.0, np.float32)])
    assert mirror.read(grown).shape == (3, 4) and mirror.read(grown)[:, 3].tolist() == [2.0, 2.0, 2.0]
