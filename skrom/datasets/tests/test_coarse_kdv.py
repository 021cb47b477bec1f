import numpy as np
import pytest

from skrom.datasets import make_kdv, restrict_periodic, simulate_coarse_kdv, solve_kdv


def test_coarse_kdv_is_the_coarse_solver_prolonged():
    b = make_kdv(2, 11, noise=0.0, n_grid=400, random_state=0, return_bunch=True)
    C = simulate_coarse_kdv(b.X_clean[:, 0], 11, n_coarse=20)
    assert C.shape == b.X_clean.shape
    # the coarse nodes carry the coarse KdV run itself
    V = solve_kdv(restrict_periodic(b.X_clean[:, 0], 20), 11)
    np.testing.assert_allclose(C[..., ::20], V, atol=1e-12)
    # central differences on a periodic grid conserve the coarse mass
    mass = V.sum(axis=-1)
    np.testing.assert_allclose(mass - mass[:, :1], 0.0, atol=1e-12)
    # a packet of wavelength 2 on nodes 0.5 apart: the baseline is far off
    rel = np.linalg.norm(C - b.X_clean, axis=-1) / np.linalg.norm(b.X_clean, axis=-1)
    assert rel[:, -1].min() > 0.2
    # ... and converges to the truth as the coarse grid is refined
    fine = simulate_coarse_kdv(b.X_clean[:, 0], 11, n_coarse=200)
    rel_fine = np.linalg.norm(fine - b.X_clean, axis=-1) / np.linalg.norm(
        b.X_clean, axis=-1
    )
    assert rel_fine[:, -1].max() < 0.1 * rel[:, -1].min()


def test_coarse_kdv_input_checks():
    x0 = np.cos(np.pi * np.arange(100) / 10)
    with pytest.raises(ValueError, match="divide"):
        simulate_coarse_kdv(x0, 3, n_coarse=30)
    with pytest.raises(ValueError, match="NaN"):
        simulate_coarse_kdv(np.full(100, np.nan), 3)
    with pytest.raises(ValueError, match="delta"):
        simulate_coarse_kdv(x0, 3, delta=-1.0)
    x_copy = x0.copy()
    simulate_coarse_kdv(x0, 2, n_coarse=20)
    np.testing.assert_array_equal(x0, x_copy)
