"""Clock features: validation, frequencies, the transport velocity, drift tables."""

import numpy as np
import pytest

from skrom.score._clock import (
    check_clock_features,
    clock_anomaly,
    fit_clock,
    transport_velocity,
)


def _clock_set(n_traj=2, n_steps=500, dt=0.01, omega=0.7, radius=1.0):
    rng = np.random.default_rng(0)
    t = dt * np.arange(n_steps)
    phase0 = rng.uniform(-np.pi, np.pi, n_traj)[:, None]
    X = np.empty((n_traj, n_steps, 3))
    X[..., 0] = rng.normal(size=(n_traj, n_steps))
    X[..., 1] = radius * np.sin(phase0 + omega * t)
    X[..., 2] = radius * np.cos(phase0 + omega * t)
    return X


def test_clock_columns_and_dynamic_rest():
    sin_idx, cos_idx, dynamic = check_clock_features((3, 1), 5, "M")
    assert sin_idx.tolist() == [3] and cos_idx.tolist() == [1]
    assert dynamic.tolist() == [0, 2, 4]
    sin_idx, cos_idx, dynamic = check_clock_features(None, 2, "M")
    assert sin_idx.size == 0 and dynamic.tolist() == [0, 1]


@pytest.mark.parametrize(
    "bad, match",
    [
        ((1,), "even"),
        ((1, 1), "distinct"),
        ((1, 3), "distinct"),
        ((0, 1, 2, 3), "distinct"),  # four columns of three
        ("12", "sequence"),
        ((1.0, 2.0), "even"),
        ((True, 2), "even"),
    ],
)
def test_bad_clock_features(bad, match):
    with pytest.raises((TypeError, ValueError), match=match):
        check_clock_features(bad, 3, "M")


def test_clock_features_must_leave_a_dynamic_column():
    with pytest.raises(ValueError, match="no dynamic column"):
        check_clock_features((0, 1), 2, "M")


def test_frequency_and_radius_from_the_data():
    X = _clock_set(omega=-0.7, radius=2.5)
    omega, radius = fit_clock(X, np.array([1]), np.array([2]), 0.01, "M")
    np.testing.assert_allclose(omega, [-0.7], rtol=1e-10)
    np.testing.assert_allclose(radius, [2.5], rtol=1e-12)


def test_clock_that_is_not_a_rotation_is_refused():
    X = _clock_set()
    wobbly = X.copy()
    wobbly[..., 1] *= 1.01
    with pytest.raises(ValueError, match="constant radius"):
        fit_clock(wobbly, np.array([1]), np.array([2]), 0.01, "M")
    jumpy = X.copy()
    phase = np.arctan2(X[..., 1], X[..., 2])
    phase[:, 200:] += 0.3
    jumpy[..., 1], jumpy[..., 2] = np.sin(phase), np.cos(phase)
    with pytest.raises(ValueError, match="same angle"):
        fit_clock(jumpy, np.array([1]), np.array([2]), 0.01, "M")


def test_transport_velocity_of_a_shifting_density():
    # p(x | phi) = N(a sin phi, s^2) only shifts: v = omega a cos phi exactly
    rng = np.random.default_rng(0)
    n, a, s, omega = 2_000_000, 0.05, 0.2, 0.5
    phase = rng.uniform(-np.pi, np.pi, n)
    x = a * np.sin(phase) + s * rng.normal(size=n)
    grid = np.linspace(-1.5, 1.5, 301)
    v = transport_velocity(x, phase, omega, grid, 0.02, 64, 2)
    exact = omega * a * np.cos(2 * np.pi * np.arange(64) / 64)
    # within one spread of the centre; measured max error 1.4e-3 (6% of the
    # amplitude 0.025), 4.7e-3 within two spreads where the density is low
    inner = np.abs(grid) <= s
    assert np.max(np.abs(v[inner] - exact)) < 0.1 * omega * a
    # a phase-independent density has no transport at all
    still = transport_velocity(s * rng.normal(size=n), phase, omega, grid, 0.02, 64, 2)
    assert np.max(np.abs(still[inner])) < 0.1 * omega * a


def test_anomaly_removes_the_clock_driven_mean():
    X = _clock_set(n_steps=2000)
    phase = np.arctan2(X[..., 1], X[..., 2])
    Y = X.copy()
    Y[..., 0] = 0.3 + np.cos(phase) - 0.5 * np.sin(2 * phase)
    anomaly = clock_anomaly(Y, np.array([0]), np.array([1]), np.array([2]), 2)
    assert np.max(np.abs(anomaly)) < 1e-10
