"""Tests of the Lorenz-96 simulator."""

import numpy as np
import pytest
from joblib import parallel_config

from skrom.datasets import make_lorenz96
from skrom.exceptions import SimulationBlowUpError


def test_shapes_bunch_and_initial_state():
    x0 = np.arange(6.0)
    b = make_lorenz96(
        2, 30, dt=0.1, n_variables=6, x0=x0, random_state=0, return_bunch=True
    )
    assert b.X.shape == (2, 30, 6)
    np.testing.assert_array_equal(b.X[:, 0], np.broadcast_to(x0, (2, 6)))
    np.testing.assert_allclose(b.time, 0.1 * np.arange(30))
    assert b.params["stride"] == 20 and b.params["forcing"].shape == (6,)
    assert b.feature_names[-1] == "x5"
    assert x0.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # not mutated


def test_reproducible_across_n_jobs_and_seeded():
    kw = dict(n_trajectories=3, n_steps=60, noise=0.7, random_state=5)
    a = make_lorenz96(**kw)
    with parallel_config(backend="threading"):  # no process start-up in tests
        np.testing.assert_array_equal(a, make_lorenz96(**kw, n_jobs=2))
    # member i depends only on child i of the seed
    np.testing.assert_array_equal(a[:2], make_lorenz96(**{**kw, "n_trajectories": 2}))
    assert not np.array_equal(a, make_lorenz96(**{**kw, "random_state": 6}))


def test_forcing_scalar_equals_vector_and_a_site_forcing_acts():
    x0 = np.linspace(-1.0, 1.0, 8)
    a = make_lorenz96(1, 40, x0=x0, forcing=8.0)
    np.testing.assert_array_equal(
        a, make_lorenz96(1, 40, x0=x0, forcing=np.full(8, 8.0))
    )
    f = np.full(8, 8.0)
    f[3] += 0.1
    b = make_lorenz96(1, 40, x0=x0, forcing=f)
    # the first step moves site 3 by about dt * 0.1 more than the others
    jump = (b[0, 1] - a[0, 1])[3]
    assert 0.004 < jump < 0.006, jump


def test_energy_decays_exactly_without_forcing():
    # the advection term conserves sum(x^2): with F = 0, |x|^2 ~ exp(-2 t)
    x0 = np.random.default_rng(0).normal(size=8)
    X = make_lorenz96(1, 21, dt=0.05, forcing=0.0, x0=x0)
    ratio = (X[0] ** 2).sum(axis=1) / (x0**2).sum()
    np.testing.assert_allclose(ratio, np.exp(-0.1 * np.arange(21)), rtol=1e-9)


def test_noise_variance_matches_the_energy_balance():
    # F = 0: d E|x|^2 = (-2 E|x|^2 + n sigma^2) dt, so E[x_i^2] = sigma^2 / 2
    # (measured 0.499 over these 4 x 3800 states)
    X = make_lorenz96(4, 4000, forcing=0.0, noise=1.0, random_state=0)
    assert abs((X[:, 200:] ** 2).mean() - 0.5) < 0.03


@pytest.mark.slow
def test_classical_statistics_n40_f8():
    # Lorenz & Emanuel (1998) regime: mean 2.34, std 3.63 per site
    # (measured: 2.334 and 3.636 over 4 x 20000 states)
    X = make_lorenz96(4, 20000, n_variables=40, random_state=0, n_jobs=2)
    assert abs(X.mean() - 2.34) < 0.05
    assert abs(X.std() - 3.63) < 0.05


def test_blow_up_names_member_and_step():
    # a uniform state is a fixed point, so start from a spread one
    x0 = 5.0 * np.arange(8.0)
    with pytest.raises(SimulationBlowUpError, match="observed step 1 .* member 0"):
        make_lorenz96(1, 50, dt=0.5, integration_dt=0.5, forcing=40.0, x0=x0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_variables=3), "n_variables"),
        (dict(forcing=[1.0, 2.0]), "forcing must be a scalar or have shape"),
        (dict(x0=np.zeros(5)), "x0 must have shape"),
        (dict(x0=np.full(8, np.nan)), "x0 contains NaN"),
        (dict(dt=0.05, integration_dt=0.02), "integer"),
        (dict(noise=-1.0), "noise"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make_lorenz96(1, 10, **kwargs)
