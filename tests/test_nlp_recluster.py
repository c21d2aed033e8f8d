from __future__ import annotations

import numpy as np

from broadsheet.nlp.recluster import group_sums


def test_group_sums_are_exactly_numpys_unbuffered_sums():
    # the re-clustering's scores must not move by a rounding: the same sums as np.add.at, bit for bit
    rng = np.random.default_rng(14)
    for rows, width, groups in ((1, 3, 1), (50, 7, 4), (400, 64, 90)):
        labels = rng.integers(0, groups, rows)
        matrix = rng.standard_normal((rows, width)).astype(np.float32)
        expected = np.zeros((groups, width), np.float64)
        np.add.at(expected, labels, matrix)
        got = group_sums(matrix, labels, groups)
        assert got.dtype == np.float64
        assert np.array_equal(got, expected)


def test_group_sums_leave_empty_groups_at_zero():
    got = group_sums(np.ones((2, 2), np.float32), np.array([0, 2]), 4)
    assert got.tolist() == [[1, 1], [0, 0], [1, 1], [0, 0]]
