"""The disturbed OU simulator against its exact moments."""

import numpy as np
import pytest
from joblib import parallel_config

from skrom.datasets import disturbed_ou_excitation, make_disturbed_ou

MU, SIGMA = 1.0, 0.5


def _exact_moments(x0, t, b_mean_integral):
    """Mean and variance at times ``t`` of the OU from ``x0`` plus the forcing."""
    mean = x0 * np.exp(-MU * t) + b_mean_integral
    var = SIGMA**2 * (1 - np.exp(-2 * MU * t)) / (2 * MU)
    return mean, var


def test_shapes_input_and_reproducibility():
    X, U = make_disturbed_ou(5, 31, excitation="random_sine", random_state=0)
    assert X.shape == U.shape == (5, 31, 1)
    np.testing.assert_array_equal(X[:, 0, 0], 0.0)
    # a new amplitude, frequency and phase per path
    assert np.unique(np.round(U[:, 5, 0], 12)).size == 5
    # threads: the kernel releases the GIL, and no worker processes start
    with parallel_config(backend="threading"):
        X2, U2 = make_disturbed_ou(
            5, 31, excitation="random_sine", random_state=0, n_jobs=2
        )
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(U, U2)
    X3, _ = make_disturbed_ou(5, 31, excitation="random_sine", random_state=1)
    assert not np.allclose(X, X3)
    # the input is the excitation at the observation times
    _, U = make_disturbed_ou(2, 11, 0.05, excitation="two_tone", random_state=0)
    t = 0.05 * np.arange(11)
    np.testing.assert_allclose(U[0, :, 0], 0.5 * np.sin(6 * t) + 0.4 * np.sin(18 * t))
    np.testing.assert_allclose(U[1, :, 0], disturbed_ou_excitation("two_tone", t))


def test_initial_states():
    X, _ = make_disturbed_ou(3, 2, x0=[1.0, 2.0, 3.0], random_state=0)
    np.testing.assert_array_equal(X[:, 0, 0], [1.0, 2.0, 3.0])
    X, _ = make_disturbed_ou(200, 2, x0_range=(-5, 5), random_state=0)
    assert X[:, 0, 0].min() >= -5 and X[:, 0, 0].max() <= 5
    assert X[:, 0, 0].std() > 2


def test_moments_match_the_exact_law_under_a_sine():
    # dm/dt = -mu m + V sin(w t), m(0) = 1:
    # m(t) = e^{-mu t} + V (mu sin wt - w cos wt + w e^{-mu t}) / (mu^2 + w^2).
    # 5,000 paths give the mean to 0.007 and the variance to 2% (1 s.e.);
    # the tolerances are 4 standard errors
    n, n_steps, dt = 5_000, 101, 0.02
    X, _ = make_disturbed_ou(n, n_steps, dt, excitation="sine", x0=1.0, random_state=3)
    t = dt * np.arange(n_steps)
    v, w = 0.5, 6.0
    forced = v * (MU * np.sin(w * t) - w * np.cos(w * t) + w * np.exp(-MU * t))
    mean, var = _exact_moments(1.0, t, forced / (MU**2 + w**2))
    se = np.sqrt(var[1:] / n)
    assert np.all(np.abs(X[:, 1:, 0].mean(axis=0) - mean[1:]) < 4 * se)
    rel = X[:, 1:, 0].var(axis=0) / var[1:] - 1
    assert np.all(np.abs(rel[5:]) < 4 * np.sqrt(2 / n))


def test_piecewise_linear_excitation_is_exact():
    # with a linear b and one fine step per observation, the mean follows the
    # exact law of b linear over the step (no discretisation error):
    # b = c t gives m(t) = c (t/mu - (1 - e^{-mu t}) / mu^2), m(0) = 0
    c, dt = 2.0, 0.5
    X, _ = make_disturbed_ou(
        4, 5, dt, excitation=lambda t: c * t, sigma=0.0, substeps=1, random_state=0
    )
    t = dt * np.arange(5)
    expected = c * (t / MU - (1 - np.exp(-MU * t)) / MU**2)
    np.testing.assert_allclose(X[0, :, 0], expected, rtol=1e-12, atol=1e-14)


def test_errors():
    with pytest.raises(ValueError, match="excitation"):
        make_disturbed_ou(2, 5, excitation="square")
    with pytest.raises(TypeError, match="excitation"):
        make_disturbed_ou(2, 5, excitation=3)
    with pytest.raises(ValueError, match="shape of t"):
        make_disturbed_ou(2, 5, excitation=lambda t: 1.0)
    with pytest.raises(ValueError, match="x0_range"):
        make_disturbed_ou(2, 5, x0_range=(1, -1))
    with pytest.raises(ValueError, match="mu"):
        make_disturbed_ou(2, 5, mu=-1.0)
    with pytest.raises(ValueError, match="not finite"):
        make_disturbed_ou(2, 5, excitation=lambda t: t * np.nan)
