"""The forced SDE simulators against their exact laws."""

import numpy as np
import pytest
from joblib import parallel_config

from skrom.datasets import (
    disturbed_ou_excitation,
    make_disturbed_ou,
    make_stochastic_resonance,
)

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


# ------------------------------------------------------ stochastic resonance
def _well_moments(sigma):
    """Mean and variance of the unforced invariant density restricted to x > 0.

    The density is proportional to exp(-2 V(x) / sigma^2), V = x^4/4 - x^2/2.
    """
    x = np.linspace(0.0, 3.0, 300_001)
    p = np.exp(-2.0 * (x**4 / 4 - x**2 / 2) / sigma**2)
    p /= np.trapezoid(p, x)
    mean = np.trapezoid(x * p, x)
    return mean, np.trapezoid((x - mean) ** 2 * p, x)


def test_resonance_shapes_input_and_reproducibility():
    X, U = make_stochastic_resonance(4, 31, forcing="random_steps", random_state=0)
    assert X.shape == U.shape == (4, 31, 1)
    np.testing.assert_array_equal(X[:, 0, 0], 1.0)
    # a new value per step, in the authors' range
    assert np.all(np.abs(U) <= 0.13) and np.unique(U).size == U.size
    with parallel_config(backend="threading"):
        X2, U2 = make_stochastic_resonance(
            4, 31, forcing="random_steps", random_state=0, n_jobs=2
        )
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(U, U2)
    X3, _ = make_stochastic_resonance(4, 31, forcing="random_steps", random_state=1)
    assert not np.allclose(X, X3)
    # the cosine is the input at the observation times
    _, U = make_stochastic_resonance(2, 11, omega=2.0, random_state=0)
    t = 0.1 * np.arange(11)
    np.testing.assert_allclose(U[1, :, 0], 0.12 * np.cos(2.0 * t))
    X, _ = make_stochastic_resonance(300, 2, x0_range=(-1.6, 1.6), random_state=0)
    assert X[:, 0, 0].min() >= -1.6 and X[:, 0, 0].max() <= 1.6
    assert X[:, 0, 0].std() > 0.8


def test_resonance_one_step_is_the_euler_step():
    # without noise one step is x + dt (x - x^3 + b) exactly, b held at its
    # value at the start of the step; with substeps, b is held over each
    # fine step
    x0 = np.array([-1.5, -0.2, 0.4, 1.3])
    X, U = make_stochastic_resonance(
        4, 2, x0=x0, sigma=0.0, forcing="random_steps", random_state=0
    )
    b = U[:, 0, 0]
    np.testing.assert_allclose(X[:, 1, 0], x0 + 0.1 * (x0 - x0**3 + b), rtol=1e-14)
    X, _ = make_stochastic_resonance(
        1, 2, 0.2, x0=0.5, sigma=0.0, substeps=2, forcing=lambda t: t, random_state=0
    )
    half = 0.5 + 0.1 * (0.5 - 0.5**3 + 0.0)
    np.testing.assert_allclose(X[0, 1, 0], half + 0.1 * (half - half**3 + 0.1))
    # the noise of a step has standard deviation sigma sqrt(dt): 20,000
    # draws pin the mean to 0.7% and the std to 0.5% of it (1 s.e.);
    # tolerances are 4 standard errors
    n = 20_000
    X, _ = make_stochastic_resonance(n, 2, x0=0.5, random_state=1)
    step = X[:, 1, 0] - (0.5 + 0.1 * (0.5 - 0.125 + 0.12))
    scale = 0.25 * np.sqrt(0.1)
    assert abs(step.mean()) < 4 * scale / np.sqrt(n)
    assert abs(step.std() / scale - 1) < 4 / np.sqrt(2 * n)


def test_resonance_unforced_well_density():
    # a property of the SDE itself: with no forcing, a path started in the
    # right well relaxes (rate V''(1) = 2) to the invariant density
    # exp(-2 V / sigma^2) restricted to x > 0, long before it escapes (the
    # Kramers time is about 13,000). Fine Euler steps (h = 0.002) leave a
    # bias of about h V''(1) / 2 = 0.2% in the variance. 2,000 paths at 16
    # times a unit apart (nearly independent): measured mean off by 1.4 s.e.,
    # variance by -1.4% (its s.e. is about 1%); tolerances 4 s.e. and 4%
    sigma = 0.25
    X, _ = make_stochastic_resonance(
        2_000, 41, 0.5, amplitude=0.0, sigma=sigma, substeps=250, random_state=2
    )
    x = X[:, 10::2, 0].ravel()
    assert np.mean(x < 0) < 0.01
    x = x[x > 0]
    mean, var = _well_moments(sigma)
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / x.size), (x.mean(), mean)
    assert abs(x.var() / var - 1) < 0.04, (x.var(), var)
    # the authors' one Euler step per 0.1 widens the well: by 11% in the
    # linearised scheme (0.1 / (1 - 0.8^2) = 0.278 against 1 / 4), measured 8.3%
    X, _ = make_stochastic_resonance(2_000, 201, amplitude=0.0, random_state=2)
    coarse = X[:, 50::10, 0].ravel()
    assert 1.04 < coarse[coarse > 0].var() / var < 1.13


def test_resonance_errors():
    with pytest.raises(ValueError, match="forcing"):
        make_stochastic_resonance(2, 5, forcing="square")
    with pytest.raises(TypeError, match="forcing"):
        make_stochastic_resonance(2, 5, forcing=3)
    with pytest.raises(ValueError, match="shape of t"):
        make_stochastic_resonance(2, 5, forcing=lambda t: 1.0)
    with pytest.raises(ValueError, match="not finite"):
        make_stochastic_resonance(2, 5, forcing=lambda t: t * np.nan)
    with pytest.raises(ValueError, match="forcing_range"):
        make_stochastic_resonance(2, 5, forcing_range=(1, -1))
    with pytest.raises(ValueError, match="x0_range"):
        make_stochastic_resonance(2, 5, x0_range=(1, -1))
    with pytest.raises(TypeError, match="amplitude"):
        make_stochastic_resonance(2, 5, amplitude="big")
    with pytest.raises(ValueError, match="omega"):
        make_stochastic_resonance(2, 5, omega=np.inf)
    with pytest.raises(ValueError, match="sigma"):
        make_stochastic_resonance(2, 5, sigma=-1.0)
