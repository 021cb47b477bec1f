import numba
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from skrom._validation import SimulationBlowUpError
from skrom.datasets import (
    exp_ou_averaged_path,
    make_duan,
    make_exp_ou,
    make_multiscale_oscillator,
    make_skew_product,
    make_triad,
    simulate_sde,
)

# (make_*, n_slow, n_full, paper test x0, published eps, test horizon)
SYSTEMS = [
    (make_skew_product, 1, 2, [1.5], 0.01, 4.0),
    (make_exp_ou, 1, 2, [1.1], 0.001, 4.0),
    (make_triad, 1, 3, [1.0], 0.1, 10.0),
    (make_duan, 2, 3, [1.5, 1.0], 0.001, 8.0),
    (make_multiscale_oscillator, 2, 3, [1.0, 1.0], 0.001, 20.0),
]
IDS = [s[0].__name__ for s in SYSTEMS]


@pytest.mark.parametrize("make, n_slow, n_full, x0, eps, horizon", SYSTEMS, ids=IDS)
def test_shapes_bunch_and_published_defaults(make, n_slow, n_full, x0, eps, horizon):
    X = make(n_trajectories=3, n_steps=7, random_state=0)
    assert X.shape == (3, 7, n_slow)
    np.testing.assert_array_equal(X[:, 0], np.tile(x0, (3, 1)))
    b = make(n_trajectories=3, n_steps=7, dt=0.02, random_state=0, return_bunch=True)
    assert b.full_state.shape == (3, 7, n_full)
    np.testing.assert_array_equal(b.X, b.full_state[:, :, b.slow_indices])
    np.testing.assert_array_equal(b.slow_indices, np.arange(n_slow))
    np.testing.assert_allclose(b.time, 0.02 * np.arange(7))
    assert b.params["eps"] == eps == b.params["published_eps"]
    assert b.params["test_horizon"] == horizon
    assert b.params["substeps"] == 100 and b.params["dt"] == 0.02
    assert np.all(np.isfinite(b.full_state))


@pytest.mark.parametrize("make, n_slow, n_full, x0, eps, horizon", SYSTEMS, ids=IDS)
def test_reproducible_and_identical_across_n_jobs(
    make, n_slow, n_full, x0, eps, horizon
):
    kw = dict(n_trajectories=6, n_steps=11, x0_range="paper", random_state=123)
    a = make(**kw)
    b = make(**kw)
    c = make(**kw, n_jobs=2)
    d = make(**{**kw, "random_state": 124})
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert not np.allclose(a, d)


@pytest.mark.parametrize("make, n_slow, n_full, x0, eps, horizon", SYSTEMS, ids=IDS)
def test_initial_states(make, n_slow, n_full, x0, eps, horizon):
    # random slow states fill the requested box
    box = np.tile([[-0.5, 0.5]], (n_slow, 1))
    X = make(n_trajectories=50, n_steps=2, x0_range=box, random_state=1)
    assert np.all(np.abs(X[:, 0]) <= 0.5)
    assert np.all(X[:, 0].std(axis=0) > 0.2)
    # one fixed state per trajectory
    starts = np.linspace(0.1, 0.9, 4 * n_slow).reshape(4, n_slow)
    X = make(n_trajectories=4, n_steps=2, x0=starts, random_state=1)
    np.testing.assert_array_equal(X[:, 0], starts)
    # the caller's array is not modified
    np.testing.assert_array_equal(
        starts, np.linspace(0.1, 0.9, 4 * n_slow).reshape(4, n_slow)
    )
    if n_slow == 1:
        # a scalar x0 and a flat [low, high] box are accepted for one slow variable
        np.testing.assert_array_equal(
            make(n_trajectories=2, n_steps=2, x0=0.3, random_state=1)[:, 0, 0], 0.3
        )
        X = make(n_trajectories=20, n_steps=2, x0_range=[2.0, 3.0], random_state=1)
        assert np.all((X[:, 0, 0] >= 2.0) & (X[:, 0, 0] <= 3.0))


BAD_ARGUMENTS = [  # (kwargs as a function of n_slow, error, message)
    (lambda n: dict(n_steps=0), ValueError, "n_steps"),
    (lambda n: dict(n_steps=2.5), TypeError, "n_steps"),
    (lambda n: dict(n_trajectories=0), ValueError, "n_trajectories"),
    (lambda n: dict(dt=0.0), ValueError, "dt"),
    (lambda n: dict(dt=-0.01), ValueError, "dt"),
    (lambda n: dict(dt=np.nan), ValueError, "dt"),
    (lambda n: dict(eps=0.0), ValueError, "eps"),
    (lambda n: dict(eps=-1.0), ValueError, "eps"),
    (lambda n: dict(substeps=0), ValueError, "substeps"),
    (lambda n: dict(substeps=1), ValueError, "fast time scale"),
    (lambda n: dict(x0=np.ones(n + 1)), ValueError, "shape"),
    (lambda n: dict(x0=np.ones((3, n))), ValueError, "shape"),
    (lambda n: dict(x0=np.ones((2, 1, n))), ValueError, "x0"),
    (lambda n: dict(x0=np.full(n, np.nan)), ValueError, "NaN"),
    (lambda n: dict(x0=np.full((2, n), np.inf)), ValueError, "NaN"),
    (lambda n: dict(x0_range=np.zeros((n, 3))), ValueError, "x0_range"),
    (lambda n: dict(x0_range=np.tile([1.0, 0.0], (n, 1))), ValueError, "x0_range"),
    (lambda n: dict(x0_range=np.tile([0.0, np.inf], (n, 1))), ValueError, "x0_range"),
    (lambda n: dict(x0_range="train"), ValueError, "x0_range"),
    (lambda n: dict(x0=np.ones(n), x0_range="paper"), ValueError, "not both"),
    (lambda n: dict(fast_init="zero"), ValueError, "fast_init"),
]


@pytest.mark.parametrize("make, n_slow, n_full, x0, eps, horizon", SYSTEMS, ids=IDS)
@pytest.mark.parametrize("bad, error, match", BAD_ARGUMENTS)
def test_rejects_bad_arguments(
    make, n_slow, n_full, x0, eps, horizon, bad, error, match
):
    kwargs = dict(n_trajectories=2, n_steps=3, random_state=0)
    kwargs.update(bad(n_slow))
    with pytest.raises(error, match=match):
        make(**kwargs)


def test_exp_ou_mean_path_follows_averaged_equation():
    # eps = 1e-3: the slow variable is within O(sqrt(eps)) of the averaged ODE
    # dx/dt = 1 - x + exp(-x); the mean of 200 paths within 0.01 up to T = 2
    # (measured max deviation 0.002).
    for x0 in (1.1, -1.0):
        X = make_exp_ou(200, 201, x0=[x0], random_state=0)
        avg = exp_ou_averaged_path(x0, 201, 0.01)[0, :, 0]
        assert np.max(np.abs(X[:, :, 0].mean(axis=0) - avg)) < 0.01
        # the spread is O(sqrt(eps)), far below the O(1) drift
        assert X[:, -1, 0].std() < 0.05


def test_exp_ou_averaged_path_against_scipy():
    x0 = np.array([-1.0, 0.0, 2.5])
    paths = exp_ou_averaged_path(x0, 301, 0.01)
    assert paths.shape == (3, 301, 1)
    t = 0.01 * np.arange(301)
    sol = solve_ivp(
        lambda _, x: 1 - x + np.exp(-x), (0, 3), x0, t_eval=t, rtol=1e-11, atol=1e-12
    )
    np.testing.assert_allclose(paths[:, :, 0], sol.y, atol=1e-8)
    # all paths approach the fixed point of 1 - x + exp(-x) = 0
    far = exp_ou_averaged_path(x0, 3, 10.0, substeps=200)
    np.testing.assert_allclose(far[:, -1, 0], 1.2784645, atol=1e-6)
    assert exp_ou_averaged_path(1.1, 5, 0.1).shape == (1, 5, 1)
    with pytest.raises(ValueError, match="NaN"):
        exp_ou_averaged_path([np.nan], 5, 0.1)
    with pytest.raises(ValueError, match="dt"):
        exp_ou_averaged_path(1.0, 5, 0.0)
    with pytest.raises(ValueError, match="x0"):
        exp_ou_averaged_path(np.ones((2, 2)), 5, 0.1)


def test_skew_product_log_growth_matches_fast_variance():
    # d log x = (1 - y^2) dt exactly, and y is stationary N(0, lam/a), so
    # E[log x_T] = log x0 + (1 - lam/a) T. 400 paths: standard error 0.008.
    X = make_skew_product(400, 101, random_state=0)
    assert abs(np.log(X[:, -1, 0]).mean() - (np.log(1.5) - 0.2)) < 0.03


def test_oscillator_follows_averaged_limit_cycle():
    # z ~ x^2 + y^2, so r^2 solves d(r^2)/dt = 2 r^2 (1 - r^2) and the phase
    # turns at rate f = 1.
    b = make_multiscale_oscillator(200, 101, random_state=0, return_bunch=True)
    x, y = b.X[..., 0], b.X[..., 1]
    r2 = 1.0 / (1.0 - 0.5 * np.exp(-2.0 * b.time))
    assert np.max(np.abs((x**2 + y**2).mean(axis=0) - r2)) < 0.01
    phase = np.unwrap(np.arctan2(y, x), axis=1).mean(axis=0)
    assert np.max(np.abs(phase - (np.pi / 4 + b.time))) < 0.01


@numba.njit
def duan_averaged_drift(x, t, out):
    # E[z^2 | x] = x^2/16 + sigma3^2 under z ~ N(x/4, sigma3^2)
    out[0] = x[1]
    out[1] = -x[1] + x[0] * x[0] / 16.0 + 0.1**2 - x[0]


@numba.njit
def duan_averaged_diffusion(x, t, out):
    out[0] = 0.3
    out[1] = 0.3


def test_duan_follows_its_averaged_sde():
    # at eps = 1e-3 the slow pair is close in law to the averaged SDE
    # dx = y dt + 0.3 dW1, dy = (-y + x^2/16 + 0.01 - x) dt + 0.3 dW2; mean and
    # std over time of 1000 paths each agree within 0.05 up to T = 2 (standard
    # error of the mean difference ~0.01; measured max 0.018)
    X = make_duan(1000, 201, random_state=0)
    Y = simulate_sde(
        duan_averaged_drift,
        duan_averaged_diffusion,
        [1.5, 1.0],
        201,
        0.01,
        substeps=10,
        n_paths=1000,
        random_state=1,
    )
    assert np.max(np.abs(X.mean(axis=0) - Y.mean(axis=0))) < 0.05
    assert np.max(np.abs(X.std(axis=0) - Y.std(axis=0))) < 0.05


@pytest.mark.parametrize(
    "make, fast_law",
    [
        (make_skew_product, lambda s: (s[..., 1], np.sqrt(1.2))),
        (make_exp_ou, lambda s: (s[..., 1] - np.exp(-s[..., 0]), 1.0)),
        (make_duan, lambda s: (s[..., 2] - s[..., 0] / 4, 0.1)),
        (
            make_multiscale_oscillator,
            lambda s: (s[..., 2] - s[..., 0] ** 2 - s[..., 1] ** 2, 0.1),
        ),
    ],
    ids=["skew_product", "exp_ou", "duan", "oscillator"],
)
@pytest.mark.parametrize("fast_init", ["equilibrium", "uniform"])
def test_fast_variable_relaxes_to_its_conditional_law(make, fast_law, fast_init):
    # after a few dt (>> eps) the fast variable, centred at its conditional
    # mean given the slow state, has mean 0 and the stated std (within 8%:
    # Euler-Maruyama at h = eps/10 inflates the variance by ~5%)
    b = make(400, 11, random_state=2, fast_init=fast_init, return_bunch=True)
    dev, std = fast_law(b.full_state[:, 5:])
    assert abs(dev.mean()) < 0.05 * std
    assert abs(dev.std() / std - 1.0) < 0.08


def test_triad_follows_its_homogenised_ou_limit():
    # Homogenising the fast OU pair (y, z) (invariant law N(0, sigma^2/2) x
    # N(0, sigma^2/4)) gives dx = -(sigma^2 / 2) x dt + (sigma^2 / sqrt(3)) dW:
    # from x0 = 1, E x_t = exp(-t/2) and Var x_t = (1 - exp(-t)) / 3 for
    # sigma = 1. At the published eps = 0.1, 1000 paths match within 0.05 in
    # mean (measured 0.013 with 2000 paths) and 10% in std (measured 4%).
    X = make_triad(1000, 201, random_state=0)[:, :, 0]
    t = 0.01 * np.arange(201)
    assert np.max(np.abs(X.mean(axis=0) - np.exp(-t / 2))) < 0.05
    std_exact = np.sqrt((1 - np.exp(-t[20:])) / 3)
    assert np.max(np.abs(X[:, 20:].std(axis=0) / std_exact - 1)) < 0.1


def test_triad_coupling_conserves_energy():
    # with sigma = 0 the quadratic coupling conserves x^2 + y^2 + z^2 and the
    # damping of (y, z) can only remove energy; (y, z) decay to 0
    b = make_triad(
        50, 201, sigma=0.0, fast_init="uniform", random_state=0, return_bunch=True
    )
    energy = (b.full_state**2).sum(axis=-1)
    assert np.all(np.diff(energy, axis=1) <= 1e-12)
    assert np.all(np.abs(b.full_state[:, -1, 1:]) < 1e-6)
    # and with noise, x spreads from its fixed start
    X = make_triad(100, 51, random_state=0)
    assert X[:, -1, 0].std() > 0.1


def test_blow_up_names_step_and_trajectory():
    # the Duan system's z^2 feedback explodes from a large initial state
    with pytest.raises(SimulationBlowUpError, match=r"step \d+ of member 1"):
        make_duan(3, 200, x0=[[0.0, 0.0], [1e3, 1e3], [0.0, 0.0]], random_state=0)
