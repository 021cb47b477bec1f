"""The input-table kernel against the drift's formula written in NumPy."""

import numpy as np
import pytest

from skrom.score._input_drift import polynomial_features, polynomial_powers
from skrom.score._input_kernels import (
    InputTables,
    input_scratch,
    input_table_drifts,
)


def _tables(n_inputs, degree, transport, seed=0):
    rng = np.random.default_rng(seed)
    powers = polynomial_powers(n_inputs, degree)
    t_powers = polynomial_powers(n_inputs, 2)
    if not transport:
        t_powers = t_powers[:0]
    n_x = 40
    return InputTables(
        lo=-2.0,
        step=0.1,
        powers=powers,
        score=rng.normal(size=(n_x, powers.shape[0])),
        t_powers=t_powers,
        density=1.0 + 0.1 * rng.normal(size=(n_x, t_powers.shape[0])),
        cdf=rng.normal(size=(n_x, t_powers.shape[0])),
        floor=0.5,
        v_max=3.0,
        mean=rng.normal(size=n_inputs),
        scale=1.0 + rng.random(n_inputs),
        v_lo=np.full(n_inputs, -1.5),
        v_hi=np.full(n_inputs, 1.5),
    )


def _reference(x, U, Udot, t, phi_kk, inv_var):
    # the formula of input_table_drift, term by term
    V = np.clip((U - t.mean) / t.scale, t.v_lo, t.v_hi)
    Vdot = Udot / t.scale
    u = (x - t.lo) / t.step
    uc = np.clip(u, 0.0, t.score.shape[0] - 1.000001)
    i = uc.astype(int)
    f = (uc - i)[:, None]

    def at(table):
        return (1 - f) * table[i] + f * table[i + 1]

    m = polynomial_features(V, t.powers)
    drift = phi_kk * ((at(t.score) * m).sum(1) - (u - uc) * t.step * inv_var)
    if t.t_powers.shape[0] == 0:
        return drift
    mt = polynomial_features(V, t.t_powers)
    rate = np.zeros_like(mt)
    for j in range(U.shape[1]):
        lowered = np.maximum(t.t_powers - np.eye(U.shape[1], dtype=int)[j], 0)
        rate += t.t_powers[:, j] * polynomial_features(V, lowered) * Vdot[:, j : j + 1]
    dens = np.maximum((at(t.density) * mt).sum(1), t.floor)
    velocity = -(at(t.cdf) * rate).sum(1) / dens
    return drift + np.clip(velocity, -t.v_max, t.v_max)


@pytest.mark.parametrize("n_inputs, degree", [(1, 6), (2, 6), (3, 3)])
@pytest.mark.parametrize("transport", [True, False])
def test_kernel_drift_is_the_formula(n_inputs, degree, transport):
    # term counts 7, 28, 20 (and 3, 6, 10 for the density): odd and even
    # remainders of the kernel's four-way sums; points beyond the grid and
    # inputs beyond their range included
    t = _tables(n_inputs, degree, transport)
    rng = np.random.default_rng(1)
    x = rng.uniform(-3.0, 3.0, size=500)
    U = t.mean + t.scale * rng.normal(scale=1.2, size=(500, n_inputs))
    Udot = rng.normal(size=(500, n_inputs))
    kept = U.copy()
    got = input_table_drifts(x, U, Udot, t, 0.7, 2.0)
    want = _reference(x, U, Udot, t, 0.7, 2.0)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(U, kept)


def test_scratch_chains_every_monomial_to_an_earlier_one():
    powers = polynomial_powers(3, 4)
    sc = input_scratch(_tables(3, 4, True))
    v = np.array([0.3, -1.2, 0.7])
    m = np.empty(powers.shape[0])
    for k in range(powers.shape[0]):
        assert sc.parent[k] < k
        m[k] = 1.0 if sc.parent[k] < 0 else m[sc.parent[k]] * v[sc.var[k]]
    np.testing.assert_allclose(m, polynomial_features(v[None], powers)[0], rtol=1e-14)
    # a set that misses a lowered monomial cannot be chained
    t = _tables(2, 2, False)
    with pytest.raises(ValueError, match="lowered monomial"):
        input_scratch(t._replace(powers=t.powers[[0, 3]]))
    with pytest.raises(ValueError, match="lowered monomial"):
        # v1 v2 chains to v2, but without v1 its rate in v2 has nothing to read
        input_scratch(t._replace(t_powers=t.powers[[0, 2, 4]]))
