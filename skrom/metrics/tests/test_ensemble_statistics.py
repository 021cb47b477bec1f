"""Ensemble mean/std errors on ensembles with known differences."""

import numpy as np
import pytest

from skrom.metrics import mean_std_error


def brownian_ensemble(n_members, n_steps, seed):
    """Paths from a common start (std zero at t=0, growing like sqrt(t))."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(size=(n_members, n_steps - 1, 2))
    return np.concatenate([np.zeros((n_members, 1, 2)), steps.cumsum(axis=1)], axis=1)


def test_identical_ensembles_have_zero_error():
    X = brownian_ensemble(50, 40, 0)
    res = mean_std_error(X, X)
    assert res.mean_error == 0.0 and res.std_error == 0.0
    assert res.mean_error_t.shape == res.std_true.shape == (40, 2)


def test_shifted_and_scaled_ensembles_have_known_errors():
    X = brownian_ensemble(200, 50, 1)
    scale = np.sqrt(np.mean(X.std(axis=0, ddof=1) ** 2, axis=0))
    res = mean_std_error(X, X + np.array([0.3, -0.6]))
    # Shifts of 0.3 and 0.6 relative to the time-averaged spread of each feature.
    assert res.mean_error == pytest.approx(np.max(np.array([0.3, 0.6]) / scale))
    assert res.std_error == pytest.approx(0.0, abs=1e-12)
    mean = X.mean(axis=0)
    res = mean_std_error(X, mean + 2.0 * (X - mean))  # spread doubled, mean kept
    assert res.mean_error == pytest.approx(0.0, abs=1e-12)
    assert res.std_error == pytest.approx(np.max(X.std(axis=0, ddof=1) / scale))
    np.testing.assert_allclose(res.std_model, 2.0 * res.std_true)


def test_two_samples_of_one_process_have_small_errors():
    a, b = brownian_ensemble(2000, 30, 2), brownian_ensemble(1000, 30, 3)
    res = mean_std_error(a, b, feature=0)
    # Sampling error of the mean ~ sqrt(1/2000 + 1/1000) * max std / scale ~ 0.07.
    assert res.mean_error < 0.15
    assert res.std_error < 0.1
    assert res.mean_true.shape == (30, 1)


def test_bad_input_raises():
    X = brownian_ensemble(5, 10, 4)
    with pytest.raises(ValueError, match="at least two"):
        mean_std_error(X[0], X)
    with pytest.raises(ValueError, match="at least two"):
        mean_std_error(X, X[:1])
    with pytest.raises(ValueError, match="must match"):
        mean_std_error(X, X[:, :5])
    with pytest.raises(ValueError, match="no spread"):
        mean_std_error(np.ones((3, 10, 1)), np.ones((3, 10, 1)))
    bad = X.copy()
    bad[2, 2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        mean_std_error(X, bad)
