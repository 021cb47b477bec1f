"""Probability forecasts of transition events: probabilities, Brier score, reliability."""

import numpy as np
import pytest

from skrom.metrics import (
    transition_brier_score,
    transition_probabilities,
    transition_reliability,
)

STAY = np.full(8, -1.0)
EARLY = np.repeat([-1.0, 1.0], [2, 6])  # crosses at step 2
LATE = np.repeat([-1.0, 1.0], [6, 2])  # crosses at step 6
BARRIER = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # starts in the zone


def _ensembles():
    truth = np.stack([EARLY, STAY, LATE])[:, :, None]
    members = np.stack(
        [
            [EARLY, EARLY, LATE, STAY],  # p = 3/4, outcome 1
            [EARLY, STAY, STAY, BARRIER],  # p = 1/4, outcome 0
            [STAY, STAY, STAY, STAY],  # p = 0, outcome 1
        ]
    )[..., None]
    return truth, members


def test_probabilities_are_member_fractions_and_the_window_cuts_late_events():
    truth, members = _ensembles()
    p, o = transition_probabilities(truth, members)
    np.testing.assert_allclose(p, [0.75, 0.25, 0.0])
    np.testing.assert_allclose(o, [1.0, 0.0, 1.0])
    # Up to lead 4 the late crossings have not happened yet.
    p, o = transition_probabilities(truth, members, window=4)
    np.testing.assert_allclose(p, [0.5, 0.25, 0.0])
    np.testing.assert_allclose(o, [1.0, 0.0, 0.0])
    # settle=3 needs the new well three steps after the crossing, in the window.
    p, o = transition_probabilities(truth, members, settle=3)
    np.testing.assert_allclose(p, [0.5, 0.25, 0.0])
    np.testing.assert_allclose(o, [1.0, 0.0, 0.0])


def test_brier_score_by_hand():
    truth, members = _ensembles()
    # ((3/4 - 1)^2 + (1/4 - 0)^2 + (0 - 1)^2) / 3 = (1/16 + 1/16 + 1) / 3
    assert transition_brier_score(truth, members) == pytest.approx(1.125 / 3)
    # Window 4: ((1/2 - 1)^2 + (1/4)^2 + 0) / 3
    assert transition_brier_score(truth, members, window=4) == pytest.approx(
        (0.25 + 0.0625) / 3
    )
    # A perfect point forecast scores 0.
    assert transition_brier_score(truth, truth) == 0.0


def test_reliability_table_bins_counts_and_frequencies():
    truth, members = _ensembles()
    table = transition_reliability(truth, members, n_bins=4)
    np.testing.assert_allclose(table.bin_edges, [0, 0.25, 0.5, 0.75, 1])
    # p = 0 -> bin 0; 1/4 -> bin 1; 3/4 -> bin 3 (left-closed bins).
    np.testing.assert_array_equal(table.counts, [1, 1, 0, 1])
    np.testing.assert_allclose(table.mean_probability, [0, 0.25, np.nan, 0.75])
    np.testing.assert_allclose(table.observed_frequency, [1, 0, np.nan, 1])
    # Probability 1 falls in the last, closed bin.
    ones = transition_reliability(truth[:1], members[:1, :2], n_bins=4)
    np.testing.assert_array_equal(ones.counts, [0, 0, 0, 1])


def test_reliability_of_exchangeable_members_shows_the_ensemble_size_effect():
    # Each forecast has a chance q ~ U(0, 1) of a jump; the truth and the m
    # members jump independently with it. Given k of m members jump, the
    # truth does with probability E[q | k] = (k + 1) / (m + 2), not k / m.
    rng = np.random.default_rng(0)
    n, m = 4000, 4
    q = rng.uniform(size=n)
    jumps = rng.uniform(size=(n, m + 1)) < q[:, None]
    paths = np.where(jumps[..., None], EARLY, STAY)[..., None]  # (n, m + 1, 8, 1)
    table = transition_reliability(paths[:, 0], paths[:, 1:], n_bins=m + 1)
    assert table.counts.sum() == n and np.all(table.counts > 0)
    np.testing.assert_allclose(table.mean_probability, np.arange(m + 1) / m)
    np.testing.assert_allclose(
        table.observed_frequency, (np.arange(m + 1) + 1) / (m + 2), atol=0.05
    )


def test_bad_input_and_no_mutation():
    truth, members = _ensembles()
    before = truth.copy(), members.copy()
    transition_reliability(truth, members)
    np.testing.assert_array_equal(truth, before[0])
    np.testing.assert_array_equal(members, before[1])
    with pytest.raises(ValueError, match="window must be <= 7"):
        transition_probabilities(truth, members, window=8)
    with pytest.raises(ValueError, match="window must be >= 1"):
        transition_brier_score(truth, members, window=0)
    with pytest.raises(ValueError, match="must have the shape of y_true"):
        transition_brier_score(truth, members[:, :, :5])
    with pytest.raises(ValueError, match="NaN"):
        transition_brier_score(np.full_like(truth, np.nan), members)
    with pytest.raises(ValueError, match="two wells"):
        transition_brier_score(truth, members, thresholds=[(-1, -0.5), (0.5, 1)])
    with pytest.raises(ValueError, match="features"):
        transition_brier_score(
            np.repeat(truth, 2, axis=2), np.repeat(members, 2, axis=3)
        )
    with pytest.raises(ValueError, match="n_bins"):
        transition_reliability(truth, members, n_bins=0)
