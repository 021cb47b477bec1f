import numba
import numpy as np
import pytest

from skrom._random import spawn_seeds
from skrom._validation import SimulationBlowUpError
from skrom.datasets import simulate_sde

THETA, SIGMA_OU = 1.0, 0.5
MU_GBM, SIGMA_GBM = 0.5, 1.0


@numba.njit
def ou_drift(x, t, out):
    out[0] = -THETA * x[0]


@numba.njit
def ou_diffusion(x, t, out):
    out[0] = SIGMA_OU


@numba.njit
def gbm_drift(x, t, out):
    out[0] = MU_GBM * x[0]


@numba.njit
def gbm_diffusion(x, t, out):
    out[0] = SIGMA_GBM * x[0]


@numba.njit
def cubic_drift(x, t, out):
    out[0] = -(x[0] ** 3)


@numba.njit
def cos_drift(x, t, out):
    for i in range(x.shape[0]):
        out[i] = np.cos(t)


@numba.njit
def zero_diffusion(x, t, out):
    out[:] = 0.0


@numba.njit
def zero_drift(x, t, out):
    out[:] = 0.0


G_CONST = np.array([[1.0, 0.5, 0.0], [0.0, 0.3, 2.0]])


@numba.njit
def const_matrix_diffusion(x, t, out):
    out[:, :] = G_CONST


def _fitted_slope(hs, errors):
    return np.polyfit(np.log(hs), np.log(errors), 1)[0]


def _brownian_endpoints(random_state, n_paths, n_increments, h):
    """W_T of each path, rebuilt from the generator stream the kernel consumed."""
    return np.array(
        [
            np.sqrt(h) * np.random.default_rng(s).standard_normal(n_increments).sum()
            for s in spawn_seeds(random_state, n_paths)
        ]
    )


@pytest.mark.parametrize("method, order", [("euler", 0.5), ("milstein", 1.0)])
def test_strong_order_on_gbm_with_exact_solution(method, order):
    # geometric Brownian motion: multiplicative noise, so Euler-Maruyama has
    # strong order 1/2 and Milstein 1. The exact solution is driven by the
    # same Brownian path: W_T is the sum of the increments the kernel drew.
    T, n_paths, x0 = 1.0, 1000, 1.0
    hs, errors = [], []
    for n_sub in (8, 16, 32, 64, 128):
        h = T / n_sub
        paths = simulate_sde(
            gbm_drift,
            gbm_diffusion,
            [x0],
            2,
            T,
            substeps=n_sub,
            method=method,
            n_paths=n_paths,
            random_state=7,
        )
        w_T = _brownian_endpoints(7, n_paths, n_sub, h)
        exact = x0 * np.exp((MU_GBM - 0.5 * SIGMA_GBM**2) * T + SIGMA_GBM * w_T)
        hs.append(h)
        errors.append(np.mean(np.abs(paths[:, 1, 0] - exact)))
    slope = _fitted_slope(hs, errors)
    # measured: 0.48 (Euler), 0.99 (Milstein)
    assert abs(slope - order) < 0.1, (slope, errors)
    # errors shrink monotonically with h
    assert np.all(np.diff(errors) < 0)


SIGMAS_2D = np.array([1.0, 0.7])


@numba.njit
def gbm2_drift(x, t, out):
    for i in range(2):
        out[i] = MU_GBM * x[i]


@numba.njit
def gbm2_diffusion(x, t, out):
    for i in range(2):
        out[i] = SIGMAS_2D[i] * x[i]


def test_milstein_beats_euler_on_two_independent_gbms():
    # diagonal noise in 2-D: each step draws one normal per component, in
    # component order, so W_T of component i sums column i of the stream
    T, n_paths, n_sub = 1.0, 500, 32
    h = T / n_sub
    w_T = np.array(
        [
            np.sqrt(h)
            * np.random.default_rng(s).standard_normal((n_sub, 2)).sum(axis=0)
            for s in spawn_seeds(3, n_paths)
        ]
    )
    exact = np.exp((MU_GBM - 0.5 * SIGMAS_2D**2) * T + SIGMAS_2D * w_T)
    err = {}
    for method in ("euler", "milstein"):
        p = simulate_sde(
            gbm2_drift,
            gbm2_diffusion,
            [1.0, 1.0],
            2,
            T,
            substeps=n_sub,
            method=method,
            n_paths=n_paths,
            random_state=3,
        )
        err[method] = np.mean(np.abs(p[:, 1, :] - exact), axis=0)
    # Milstein error O(h), Euler O(sqrt(h)): at h = 1/32 several times smaller
    assert np.all(err["milstein"] < 0.5 * err["euler"]), err
    assert np.all(err["milstein"] < 0.05), err


def test_weak_order_one_on_ou_with_exact_moments():
    # dX = -theta X dt + sigma dW. A large x0 makes the O(h) bias of E[X_T]
    # and E[X_T^2] dominate the Monte Carlo error (2000 paths: <10% of the
    # smallest bias), so the fitted slope is well determined.
    T, x0, n_paths = 1.0, 10.0, 2000
    mean_exact = x0 * np.exp(-THETA * T)
    m2_exact = mean_exact**2 + SIGMA_OU**2 / (2 * THETA) * (1 - np.exp(-2 * THETA * T))
    hs, err_mean, err_m2 = [], [], []
    for n_sub in (5, 10, 20):
        paths = simulate_sde(
            ou_drift,
            ou_diffusion,
            [x0],
            2,
            T,
            substeps=n_sub,
            n_paths=n_paths,
            random_state=11,
        )
        xT = paths[:, 1, 0]
        hs.append(T / n_sub)
        err_mean.append(abs(xT.mean() - mean_exact))
        err_m2.append(abs(np.mean(xT**2) - m2_exact))
    assert abs(_fitted_slope(hs, err_mean) - 1.0) < 0.15, err_mean
    assert abs(_fitted_slope(hs, err_m2) - 1.0) < 0.15, err_m2


def test_ou_statistics_and_first_point():
    # fine steps: mean and variance at T match the exact transition law
    paths = simulate_sde(
        ou_drift,
        ou_diffusion,
        [1.0],
        51,
        0.02,
        substeps=20,
        n_paths=4000,
        random_state=0,
    )
    assert paths.shape == (4000, 51, 1)
    np.testing.assert_array_equal(paths[:, 0, 0], 1.0)
    xT = paths[:, -1, 0]
    var_exact = SIGMA_OU**2 / 2 * (1 - np.exp(-2.0))
    assert abs(xT.mean() - np.exp(-1.0)) < 4 * np.sqrt(var_exact / 4000)
    assert abs(xT.var() / var_exact - 1) < 0.06


def test_time_argument_and_t0():
    # dx = cos(t) dt, no noise: x(t) = x0 + sin(t) - sin(t0)
    t0, dt = 1.0, 0.1
    paths = simulate_sde(
        cos_drift,
        zero_diffusion,
        [0.5, -1.0],
        21,
        dt,
        t0=t0,
        substeps=200,
        random_state=0,
    )
    t = t0 + dt * np.arange(21)
    expected = np.array([0.5, -1.0])[None, :] + (np.sin(t) - np.sin(t0))[:, None]
    np.testing.assert_allclose(paths[0], expected, atol=2e-3)


def test_general_noise_covariance():
    # dX = G dW with a constant 2x3 matrix: Cov(X_T) = G G^T T
    T, n_paths = 1.0, 4000
    paths = simulate_sde(
        zero_drift,
        const_matrix_diffusion,
        [0.0, 0.0],
        2,
        T,
        substeps=4,
        noise="general",
        n_noise=3,
        n_paths=n_paths,
        random_state=5,
    )
    cov = np.cov(paths[:, 1, :].T)
    np.testing.assert_allclose(cov, G_CONST @ G_CONST.T * T, atol=0.12)


def test_reproducible_and_identical_across_n_jobs():
    kw = dict(n_steps=21, dt=0.05, substeps=5, random_state=42)
    x0 = np.array([[1.0], [2.0], [-1.0], [0.5], [0.0]])
    a = simulate_sde(ou_drift, ou_diffusion, x0, **kw)
    b = simulate_sde(ou_drift, ou_diffusion, x0, **kw)
    c = simulate_sde(ou_drift, ou_diffusion, x0, n_jobs=2, **kw)
    d = simulate_sde(ou_drift, ou_diffusion, x0, **{**kw, "random_state": 43})
    assert a.shape == (5, 21, 1)
    np.testing.assert_array_equal(a[:, 0], x0)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert not np.allclose(a, d)


def test_blow_up_names_step_and_member():
    # x -> x - 0.5 x^3 from x = 50 overflows at the same step with or without
    # the (comparatively tiny) noise
    x, step = np.float64(50.0), 0
    with np.errstate(over="ignore", invalid="ignore"):
        while np.isfinite(x):
            x, step = x - 0.5 * x**3, step + 1
    x0 = np.array([[0.5], [50.0], [1.0]])
    with pytest.raises(SimulationBlowUpError, match=rf"step {step} of member 1\b"):
        simulate_sde(cubic_drift, ou_diffusion, x0, 20, 0.5, random_state=0)
    # leaving a stated bound counts as a blow-up too
    with pytest.raises(SimulationBlowUpError, match="member 2"):
        simulate_sde(
            cos_drift,
            zero_diffusion,
            [[0.0], [0.0], [5.0]],
            5,
            0.1,
            bound=5.05,
            random_state=0,
        )


def test_does_not_mutate_x0():
    x0 = np.array([[1.0], [2.0]])
    simulate_sde(ou_drift, ou_diffusion, x0, 5, 0.1, random_state=0)
    np.testing.assert_array_equal(x0, [[1.0], [2.0]])


def python_drift(x, t, out):
    out[0] = -x[0]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(n_steps=0), ValueError, "n_steps"),
        (dict(dt=0.0), ValueError, "dt"),
        (dict(dt=-0.1), ValueError, "dt"),
        (dict(substeps=0), ValueError, "substeps"),
        (dict(method="rk45"), ValueError, "method"),
        (dict(noise="full"), ValueError, "noise"),
        (dict(method="milstein", noise="general"), ValueError, "milstein"),
        (dict(n_noise=2), ValueError, "n_noise"),
        (dict(x0=[np.nan]), ValueError, "NaN"),
        (dict(x0=[[1.0]], n_paths=3), ValueError, "shape"),
        (dict(x0=np.ones((2, 2, 1))), ValueError, "2-D"),
        (dict(t0=np.inf), ValueError, "t0"),
        (dict(bound=-1.0), ValueError, "bound"),
    ],
)
def test_rejects_bad_arguments(kwargs, error, match):
    base = dict(x0=[1.0], n_steps=5, dt=0.1, random_state=0)
    base.update(kwargs)
    with pytest.raises(error, match=match):
        simulate_sde(ou_drift, ou_diffusion, **base)


def test_rejects_uncompiled_functions():
    with pytest.raises(TypeError, match="numba.njit"):
        simulate_sde(python_drift, ou_diffusion, [1.0], 5, 0.1)


def test_wrong_diffusion_shape_is_a_clear_type_error():
    # a matrix-valued diffusion used with diagonal noise cannot compile
    with pytest.raises(TypeError, match="signature"):
        simulate_sde(
            zero_drift, const_matrix_diffusion, [0.0, 0.0], 3, 0.1, random_state=0
        )
