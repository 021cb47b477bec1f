"""ACF, ACF error and decorrelation times on Ornstein-Uhlenbeck processes."""

import numpy as np
import pytest

from skrom.metrics import acf_error, autocorrelation, decorrelation_time


def simulate_ou(theta, dt, n_traj, n_steps, seed, sigma=1.0):
    """Exact discretisation of dx = -theta x dt + sqrt(2 theta) sigma dW, stationary."""
    rng = np.random.default_rng(seed)
    a = np.exp(-theta * dt)
    x = np.empty((n_traj, n_steps, 1))
    x[:, 0, 0] = sigma * rng.standard_normal(n_traj)
    noise = sigma * np.sqrt(1 - a * a) * rng.standard_normal((n_traj, n_steps))
    for t in range(1, n_steps):
        x[:, t, 0] = a * x[:, t - 1, 0] + noise[:, t]
    return x


def direct_acf(X, max_lag, adjusted):
    centred = X - X.mean(axis=(0, 1))
    n = X.shape[1]
    out = np.empty((max_lag + 1, X.shape[2]))
    for k in range(max_lag + 1):
        s = np.sum(centred[:, : n - k] * centred[:, k:], axis=(0, 1))
        out[k] = s / (X.shape[0] * (n - k if adjusted else n))
    return out / out[0]


def test_acf_of_ou_process_is_exponential():
    theta, dt = 2.0, 0.05
    X = simulate_ou(theta, dt, n_traj=200, n_steps=2000, seed=0)
    acf = autocorrelation(X, 40)
    lags = dt * np.arange(41)
    assert acf.shape == (41, 1)
    assert acf[0, 0] == pytest.approx(1.0)
    # 4e5 points with a correlation time of 10 steps: sampling error ~0.01.
    np.testing.assert_allclose(acf[:, 0], np.exp(-theta * lags), atol=0.03)


@pytest.mark.parametrize("adjusted", [True, False])
def test_fft_matches_the_direct_sum(adjusted):
    X = np.random.default_rng(1).normal(size=(3, 57, 2)).cumsum(axis=1)
    np.testing.assert_allclose(
        autocorrelation(X, 56, adjusted=adjusted),
        direct_acf(X, 56, adjusted),
        atol=1e-10,
    )


def test_feature_selection_and_one_dimensional_input():
    X = np.random.default_rng(2).normal(size=(2, 300, 3)).cumsum(axis=1)
    full = autocorrelation(X, 10)
    assert full.shape == (11, 3)
    np.testing.assert_allclose(autocorrelation(X, 10, feature=1), full[:, [1]])
    np.testing.assert_allclose(autocorrelation(X, 10, feature=[2, 0]), full[:, [2, 0]])
    series = X[0, :, 0]
    np.testing.assert_allclose(
        autocorrelation(series, 5), autocorrelation(X[:1, :, :1], 5)
    )


def test_decorrelation_time_of_ou_is_one_over_theta():
    theta, dt = 0.5, 0.1
    X = simulate_ou(theta, dt, n_traj=100, n_steps=3000, seed=3)
    assert decorrelation_time(X, dt=dt)[0] == pytest.approx(1 / theta, rel=0.05)
    assert decorrelation_time(X, dt=dt, method="integral", max_lag=200)[
        0
    ] == pytest.approx(1 / theta, rel=0.08)
    # A threshold never reached within max_lag gives inf.
    assert decorrelation_time(X, dt=dt, threshold=0.01, max_lag=5)[0] == np.inf


def test_acf_error_of_two_ou_processes():
    dt = 0.05
    fast = simulate_ou(2.0, dt, 200, 2000, seed=4)
    slow = simulate_ou(1.0, dt, 200, 2000, seed=5)
    assert acf_error(fast, fast, 30) == 0.0
    lags = dt * np.arange(31)
    exact = np.max(
        np.abs(np.exp(-2.0 * lags) - np.exp(-1.0 * lags))
    )  # 0.25 at tau = ln 2
    assert acf_error(fast, slow, 30) == pytest.approx(exact, abs=0.03)


def test_inputs_are_not_mutated():
    X = np.random.default_rng(6).normal(size=(2, 50, 1))
    X0 = X.copy()
    autocorrelation(X, 10)
    np.testing.assert_array_equal(X, X0)


def test_bad_input_raises():
    X = np.random.default_rng(7).normal(size=(2, 50, 1))
    with pytest.raises(ValueError, match="max_lag=50 is too large"):
        autocorrelation(X, 50)
    with pytest.raises(ValueError, match="max_lag"):
        autocorrelation(X, -1)
    with pytest.raises(TypeError, match="max_lag"):
        autocorrelation(X, 2.0)
    with pytest.raises(ValueError, match="constant"):
        autocorrelation(np.ones((50, 1)), 3)
    bad = X.copy()
    bad[1, 3, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        autocorrelation(bad, 3)
    with pytest.raises(ValueError, match="3-D"):
        autocorrelation(X[None], 3)
    with pytest.raises(ValueError, match="features"):
        acf_error(X, np.concatenate([X, X], axis=2), 3)
    with pytest.raises(ValueError, match="method"):
        decorrelation_time(X, method="fit")
    with pytest.raises(ValueError, match="threshold"):
        decorrelation_time(X, threshold=1.5)
    with pytest.raises(ValueError, match="dt"):
        decorrelation_time(X, dt=-0.1)
