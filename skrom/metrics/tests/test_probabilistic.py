"""CRPS, interval coverage, spread-skill and rank histograms against closed forms."""

import numpy as np
import pytest
from scipy import stats

from skrom.metrics import (
    forecast_crps,
    interval_coverage,
    rank_histogram,
    spread_skill_ratio,
)


def gaussian_crps(y, mu, s):
    """CRPS of N(mu, s^2) at y (Gneiting & Raftery, 2007)."""
    z = (y - mu) / s
    return s * (
        z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)
    )


def brute_force_crps(y, x, fair):
    m = x.size
    pair = np.abs(x[:, None] - x[None, :]).sum()
    return np.mean(np.abs(x - y)) - pair / (2 * m * (m - 1) if fair else 2 * m * m)


@pytest.mark.parametrize("fair", [True, False])
def test_crps_of_a_large_gaussian_ensemble_matches_the_closed_form(fair):
    rng = np.random.default_rng(0)
    mu, s = np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 2.0])
    y = np.array([0.3, 2.5, -2.0])
    members = mu + s * rng.standard_normal((100_000, 3))  # three leads
    truth = y.reshape(1, 3, 1)
    pred = members.reshape(1, 100_000, 3, 1)
    lead, crps = forecast_crps(truth, pred, fair=fair, dt=0.5)
    np.testing.assert_allclose(lead, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(crps, gaussian_crps(y, mu, s), rtol=0.02)


def test_crps_by_sorting_equals_the_quadratic_double_sum():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=(4, 3, 2))
    pred = rng.normal(size=(4, 7, 3, 2))
    pred[0, :3, 0, 0] = 0.25  # ties among members
    for fair in (True, False):
        expected = np.array(
            [
                np.mean(
                    [
                        brute_force_crps(truth[f, t, j], pred[f, :, t, j], fair)
                        for f in range(4)
                        for j in range(2)
                    ]
                )
                for t in range(3)
            ]
        )
        np.testing.assert_allclose(forecast_crps(truth, pred, fair=fair)[1], expected)


def test_fair_crps_is_unbiased_for_small_ensembles_and_standard_is_not():
    # 20 000 ensembles of 4 members from N(0, 1), each verified at y = 0.5.
    rng = np.random.default_rng(2)
    pred = rng.standard_normal((20_000, 4, 1, 1))
    truth = np.full((20_000, 1, 1), 0.5)
    exact = gaussian_crps(0.5, 0.0, 1.0)
    fair = forecast_crps(truth, pred)[1][0]
    standard = forecast_crps(truth, pred, fair=False)[1][0]
    assert fair == pytest.approx(exact, rel=0.02)
    # The standard form overshoots by E|X - X'| / (2m) = (2 / sqrt(pi)) / 8.
    assert standard - exact == pytest.approx(2 / np.sqrt(np.pi) / 8, rel=0.1)


def test_crps_of_a_point_forecast_is_the_absolute_error():
    truth = np.zeros((2, 3, 1))
    pred = np.array([1.0, -2.0, 0.5])[None, :, None] * np.ones((2, 1, 1))
    np.testing.assert_allclose(forecast_crps(truth, pred, fair=False)[1], [1, 2, 0.5])


def test_coverage_of_a_calibrated_ensemble_is_the_nominal_level():
    # 2000 outcomes at the quantiles of N(0, 1) (stratified, so the fraction
    # inside a fixed interval is exact to 1/2000), each with 2000 members.
    rng = np.random.default_rng(3)
    n = 2000
    y = stats.norm.ppf((np.arange(n) + 0.5) / n)
    truth = rng.permutation(y).reshape(n, 1, 1)
    pred = rng.standard_normal((n, 2000, 1, 1))
    levels = [0.5, 0.8, 0.9]
    lead, cov = interval_coverage(truth, pred, levels)
    assert cov.shape == (3, 1)
    np.testing.assert_allclose(cov[:, 0], levels, rtol=0.02)
    # Half as wide an ensemble covers the central 90 % interval of N(0, 1/4):
    # P(|Z| < 1.645 / 2).
    _, narrow = interval_coverage(truth, 0.5 * pred, 0.9)
    assert narrow.shape == (1,)
    assert narrow[0] == pytest.approx(2 * stats.norm.cdf(1.645 / 2) - 1, rel=0.02)


def test_spread_skill_ratio_needs_the_finite_ensemble_correction():
    rng = np.random.default_rng(4)
    n, m = 20_000, 5
    centre = rng.normal(size=(n, 1, 1, 1))  # the predictable part
    truth = (centre + rng.standard_normal((n, 1, 1, 1)))[:, 0]
    pred = centre + rng.standard_normal((n, m, 1, 1))
    _, ratio = spread_skill_ratio(truth, pred)
    # Without the (m+1)/m factor the ratio would be sqrt(5/6) = 0.91.
    assert ratio[0] == pytest.approx(1.0, rel=0.02)
    # Members with spread s_e around the centre, truth with spread 1:
    # r = sqrt((m+1)/m) s_e / sqrt(1 + s_e^2 / m).
    s_e = 0.5
    _, under = spread_skill_ratio(truth, centre + s_e * (pred - centre))
    expected = np.sqrt((m + 1) / m) * s_e / np.sqrt(1 + s_e**2 / m)
    assert under[0] == pytest.approx(expected, rel=0.02)


def test_spread_skill_ratio_is_nan_where_the_mean_is_exact():
    truth = np.zeros((2, 2, 1))
    pred = np.zeros((2, 3, 2, 1))
    pred[:, :, 1, 0] = [[-1.0, 0.0, 2.0], [1.0, 0.0, 2.0]]
    lead, ratio = spread_skill_ratio(truth, pred, dt=0.1)
    assert np.isnan(ratio[0]) and np.isfinite(ratio[1])


def test_rank_histogram_is_flat_when_calibrated_and_u_shaped_when_too_narrow():
    rng = np.random.default_rng(5)
    n, m = 5000, 9
    centre = rng.normal(size=(n, 1, 2, 1))
    truth = (centre + rng.standard_normal((n, 1, 2, 1)))[:, 0]
    pred = centre + rng.standard_normal((n, m, 2, 1))
    counts = rank_histogram(truth, pred, random_state=0)
    assert counts.shape == (m + 1,) and counts.sum() == n  # lead 0 left out
    # Flat: a chi^2 test of uniformity does not reject at the 1 % level.
    assert stats.chisquare(counts).pvalue > 0.01
    narrow = rank_histogram(truth, centre + 0.3 * (pred - centre), random_state=0)
    assert stats.chisquare(narrow).pvalue < 1e-6
    assert narrow[0] > 2 * narrow[m // 2] and narrow[-1] > 2 * narrow[m // 2]


def test_rank_histogram_breaks_ties_at_random():
    # Every member equals the truth: the rank is uniform on 0..m.
    truth = np.zeros((6000, 1, 1))
    pred = np.zeros((6000, 4, 1, 1))
    counts = rank_histogram(truth, pred, random_state=1)
    assert stats.chisquare(counts).pvalue > 0.01
    np.testing.assert_array_equal(counts, rank_histogram(truth, pred, random_state=1))
    partly = np.array([-1.0, 0.0, 0.0, 2.0]).reshape(1, 4, 1, 1)
    counts = rank_histogram(truth, np.repeat(partly, 6000, axis=0), random_state=2)
    assert counts[0] == 0 and counts[4] == 0  # one member below, one above
    assert counts[1:4].min() > 1800


def test_rank_histogram_lead_selection():
    truth = np.array([[0.0, 5.0, -5.0]])[..., None]
    pred = np.zeros((1, 3, 3, 1))
    assert rank_histogram(truth, pred).tolist() == [1, 0, 0, 1]
    assert rank_histogram(truth, pred, leads=2).tolist() == [1, 0, 0, 0]
    assert rank_histogram(truth, pred, leads=[1]).tolist() == [0, 0, 0, 1]
    with pytest.raises(ValueError, match="lead must be <= 2"):
        rank_histogram(truth, pred, leads=[3])
    with pytest.raises(ValueError, match="leads is empty"):
        rank_histogram(truth, pred, leads=[])


SCORES = [
    lambda t, p: forecast_crps(t, p),
    lambda t, p: interval_coverage(t, p, 0.5),
    lambda t, p: spread_skill_ratio(t, p),
    lambda t, p: rank_histogram(t, p, random_state=0),
]


@pytest.mark.parametrize("score", SCORES)
def test_bad_input_gets_clear_errors(score):
    truth = np.zeros((2, 3, 1))
    pred = np.ones((2, 4, 3, 1))
    with pytest.raises(ValueError, match="NaN"):
        score(np.where(truth == 0, np.nan, truth), pred)
    bad = pred.copy()
    bad[0, 1, 2, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        score(truth, bad)
    with pytest.raises(ValueError, match="must have the shape of y_true"):
        score(truth, np.ones((2, 4, 2, 1)))
    with pytest.raises(ValueError, match="at least 2 members"):
        score(truth, pred[:, :1])
    with pytest.raises(ValueError, match="at least 2 members"):
        score(truth, truth + 1.0)  # a point forecast


@pytest.mark.parametrize("levels", [0.0, 1.0, [0.5, 1.2], -0.1, [[0.5]], []])
def test_levels_outside_the_unit_interval_are_refused(levels):
    with pytest.raises(ValueError, match="levels"):
        interval_coverage(np.zeros((1, 2, 1)), np.ones((1, 3, 2, 1)), levels)


@pytest.mark.parametrize("score", SCORES)
def test_inputs_are_not_mutated(score):
    rng = np.random.default_rng(6)
    truth = rng.normal(size=(3, 4, 2))
    pred = rng.normal(size=(3, 5, 4, 2))
    truth_copy, pred_copy = truth.copy(), pred.copy()
    score(truth, pred)
    np.testing.assert_array_equal(truth, truth_copy)
    np.testing.assert_array_equal(pred, pred_copy)


def test_feature_selection():
    rng = np.random.default_rng(7)
    truth = rng.normal(size=(3, 4, 2))
    pred = rng.normal(size=(3, 5, 4, 2))
    np.testing.assert_allclose(
        forecast_crps(truth, pred, feature=1)[1],
        forecast_crps(truth[..., 1:], pred[..., 1:])[1],
    )
    with pytest.raises(ValueError, match="out of range"):
        spread_skill_ratio(truth, pred, feature=2)
