import numpy as np

from skrom.flows._drift import drift_design, fit_drift, monomial_powers


def test_monomial_powers_count_and_order():
    p = monomial_powers(2, 3)
    # 1 + 2 + 3 + 4 terms of degree 0..3, intercept and linear terms first
    assert p.shape == (10, 2)
    np.testing.assert_array_equal(p[:3], [[0, 0], [1, 0], [0, 1]])
    assert sorted(p.sum(axis=1)) == list(p.sum(axis=1))
    assert len({tuple(r) for r in p}) == 10
    np.testing.assert_array_equal(
        monomial_powers(3, 1), np.vstack([[0, 0, 0], np.eye(3)])
    )


def test_fit_recovers_a_polynomial_exactly():
    rng = np.random.default_rng(0)
    cond = rng.uniform(-2, 2, (500, 2))
    inc = np.column_stack(
        [1 - cond[:, 0] + 0.3 * cond[:, 0] ** 3, cond[:, 0] * cond[:, 1] ** 2 - 0.5]
    )
    powers, coef, state_range, residual = fit_drift(cond, inc, 3)
    np.testing.assert_allclose(residual, 0, atol=1e-10)
    np.testing.assert_allclose(
        drift_design(cond, powers, state_range) @ coef, inc, atol=1e-10
    )
    np.testing.assert_allclose(state_range, [cond.min(0), cond.max(0)])


def test_nonlinear_terms_held_beyond_the_data():
    cond = np.linspace(-1, 1, 201)[:, None]
    _, coef, state_range, _ = fit_drift(cond, cond**3 + cond, 3)
    powers = monomial_powers(1, 3)
    far = np.array([[3.0], [5.0]])
    # beyond the data the cubic term stays at its edge value 1; the linear
    # term goes on: 3 + 1 and 5 + 1, not 27 + 3 and 125 + 5
    np.testing.assert_allclose(
        drift_design(far, powers, state_range) @ coef, [[4.0], [6.0]], atol=1e-8
    )


def test_constant_feature_is_harmless():
    rng = np.random.default_rng(1)
    cond = np.column_stack([rng.normal(size=300), np.zeros(300)])
    inc = np.column_stack([2 * cond[:, 0], np.zeros(300)])
    _, coef, _, residual = fit_drift(cond, inc, 2)
    assert np.all(np.isfinite(coef))
    np.testing.assert_allclose(residual, 0, atol=1e-10)
