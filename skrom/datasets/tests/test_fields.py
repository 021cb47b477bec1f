import numpy as np
import pytest

from skrom._validation import SimulationBlowUpError
from skrom.datasets import (
    make_burgers_1d,
    make_kdv,
    prolong_periodic,
    restrict_periodic,
    simulate_coarse_burgers_1d,
    solve_burgers_1d,
    solve_kdv,
)


def test_burgers_shapes_bunch_and_noise():
    b = make_burgers_1d(
        3, 21, n_grid=200, noise=1e-3, random_state=0, return_bunch=True
    )
    assert b.X.shape == (3, 21, 200)
    assert b.X_clean.shape == (3, 21, 200)
    assert b.grid.shape == (200,) and b.t.shape == (21,)
    assert b.ic_params.shape == (3, 2)
    assert b.params["nu"] == 5e-4
    noise = b.X - b.X_clean
    assert abs(noise.std() - 1e-3) < 1e-4
    # noise-free initial condition is the stated Gaussian bump
    amp, var = b.ic_params[0]
    np.testing.assert_allclose(
        b.X_clean[0, 0], amp * np.exp(-((b.grid - 0.5) ** 2) / var), atol=1e-12
    )


def test_burgers_reproducible_and_n_jobs_invariant():
    a = make_burgers_1d(4, 11, n_grid=100, random_state=3)
    b = make_burgers_1d(4, 11, n_grid=100, random_state=3, n_jobs=2)
    c = make_burgers_1d(4, 11, n_grid=100, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_burgers_conserves_mass_and_decays_like_heat_equation():
    n = 256
    x = np.arange(n) / n
    eps, nu, t = 1e-6, 1e-2, 0.5
    U = solve_burgers_1d(eps * np.sin(2 * np.pi * x), 11, dt=t / 10, nu=nu)[0]
    # at vanishing amplitude Burgers is the heat equation: exact decay rate
    # of the discrete Laplacian's eigenvalue for the first mode
    lam = nu * (2 - 2 * np.cos(2 * np.pi / n)) * n**2
    np.testing.assert_allclose(U[-1], U[0] * np.exp(-lam * t), rtol=1e-5, atol=1e-14)
    # central differences on a periodic grid conserve mass exactly
    V = solve_burgers_1d(0.3 * np.exp(-((x - 0.5) ** 2) / 0.01), 21, dt=0.05)[0]
    np.testing.assert_allclose(V.sum(axis=1), V[0].sum(), rtol=1e-10)


def test_burgers_converges_under_refinement():
    # fine solver error shrinks like dx^2: compare grids of 250/500 against 2000
    def run(n):
        x = np.arange(n) / n
        return solve_burgers_1d(
            0.25 * np.exp(-((x - 0.5) ** 2) / 0.01), 2, dt=0.3, nu=5e-3
        )[0, -1]

    ref = run(2000)
    err = [np.abs(run(n) - ref[:: 2000 // n]).max() for n in (250, 500)]
    assert err[1] < err[0] / 3


def test_kdv_soliton_travels_at_its_speed():
    n, length, delta, c = 1000, 10.0, 0.022, 1.0
    x = np.arange(n) * length / n

    def soliton(t):
        d = (x - 3.0 - c * t + length / 2) % length - length / 2
        return 3 * c / np.cosh(0.5 * np.sqrt(c / delta) * d) ** 2

    U = solve_kdv(soliton(0.0), 3, dt=0.5, delta=delta, length=length)[0]
    rel = np.linalg.norm(U[-1] - soliton(1.0)) / np.linalg.norm(soliton(1.0))
    assert rel < 0.02
    np.testing.assert_allclose(U.sum(axis=1), U[0].sum(), rtol=1e-10)


def test_kdv_data_set():
    b = make_kdv(2, 3, n_grid=200, dt=0.01, random_state=1, return_bunch=True)
    assert b.X.shape == (2, 3, 200)
    assert b.grid[-1] < 10.0 and b.params["delta"] == 0.022
    np.testing.assert_array_equal(make_kdv(2, 3, n_grid=200, random_state=1), b.X)


def test_coarse_baseline_is_under_resolved():
    b = make_burgers_1d(2, 61, noise=0.0, random_state=0, return_bunch=True)
    C = simulate_coarse_burgers_1d(b.X_clean[:, 0], 61, n_coarse=20)
    assert C.shape == b.X_clean.shape
    rel = np.linalg.norm(C - b.X_clean, axis=-1) / np.linalg.norm(b.X_clean, axis=-1)
    # the shock is far below the 20-node resolution
    assert rel[:, -1].mean() > 0.1
    # ... whereas the same scheme on the fine grid is the truth itself
    F = solve_burgers_1d(b.X_clean[:, 0], 61, dt=0.01)
    np.testing.assert_allclose(F, b.X_clean, atol=1e-12)


def test_restrict_and_prolong():
    v = np.arange(5.0)
    u = prolong_periodic(v, 20)
    assert u.shape == (20,)
    np.testing.assert_allclose(u[::4], v)
    np.testing.assert_allclose(restrict_periodic(np.ones((3, 20)), 5), np.ones((3, 5)))
    # a linear-in-index field restricts to its node values (away from the wrap)
    w = restrict_periodic(np.arange(20.0), 5)
    np.testing.assert_allclose(w[1:], np.arange(4, 20, 4))
    with pytest.raises(ValueError, match="divide"):
        restrict_periodic(np.ones(21), 5)
    with pytest.raises(ValueError, match="multiple"):
        prolong_periodic(np.ones(5), 21)


def test_input_validation_and_blow_up():
    with pytest.raises(ValueError, match="n_grid"):
        solve_burgers_1d(np.ones((2, 2, 2)), 3)
    with pytest.raises(ValueError, match="NaN"):
        solve_burgers_1d(np.array([0.0, np.nan, 1.0, 2.0]), 3)
    with pytest.raises(ValueError, match="nu"):
        solve_burgers_1d(np.ones(10), 3, nu=-1.0)
    with pytest.raises(TypeError, match="n_steps"):
        make_burgers_1d(2, 3.5)
    x = np.arange(64) / 64
    with pytest.raises(SimulationBlowUpError, match="step"):
        solve_burgers_1d(np.sin(2 * np.pi * x), 50, dt=1.0, nu=0.1, n_substeps=1)
    u0 = np.ones(16)
    solve_burgers_1d(u0, 2)
    assert np.all(u0 == 1.0)
