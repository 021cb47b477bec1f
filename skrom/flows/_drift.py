"""Least-squares polynomial prior for the mean increment of a flow map.

The flow models what this prior leaves of the increment, divided by the
residual's standard deviation. Whatever the flow gets wrong about the
conditional mean is therefore an error *in units of that residual scale*: the
better the prior explains the mean, the smaller the scale and the smaller
every such error in data units. An affine prior leaves the curvature of the
drift in the residual, which on the paper's systems is several times the
noise of one step; a low-degree polynomial leaves little but the noise.

Beyond the training states the nonlinear terms are held at their values on
the edge of the data (the state is clipped before they are evaluated), so
far from the data the prior grows only linearly, as an affine fit does, and
generated paths that stray out cannot be flung away by a cubic.
"""

import itertools

import numpy as np

__all__ = ["monomial_powers", "drift_design", "project_on_design", "fit_drift"]

# rows per block when accumulating the normal equations, to bound memory
_BLOCK = 65536


def monomial_powers(n_features, degree):
    """Exponents of the prior's terms: intercept, linear terms, then degree 2..degree.

    Returns
    -------
    powers : ndarray of shape (n_terms, n_features), int
        Row ``k`` gives the power of each feature in term ``k``.
    """
    rows = [np.zeros(n_features, dtype=int)]
    for p in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(n_features), p):
            row = np.zeros(n_features, dtype=int)
            np.add.at(row, list(combo), 1)
            rows.append(row)
    return np.array(rows)


def drift_design(cond, powers, state_range):
    """Design matrix of the prior at standardised states ``cond`` (n, d).

    Terms of total degree 2 and more use the state clipped to
    ``state_range`` (2, d); the intercept and linear terms use it as is.
    """
    clipped = np.clip(cond, state_range[0], state_range[1])
    design = np.empty((cond.shape[0], powers.shape[0]))
    for k, row in enumerate(powers):
        source = cond if row.sum() <= 1 else clipped
        term = np.ones(cond.shape[0])
        for j in np.flatnonzero(row):
            term = term * source[:, j] ** row[j]
        design[:, k] = term
    return design


def project_on_design(cond, values, powers, state_range):
    """Least-squares coefficients of ``values`` (n, k) on the prior's design.

    Parameters
    ----------
    cond : ndarray of shape (n, n_features)
        Standardised states.
    values : ndarray of shape (n, k)
        What is regressed on the design functions at those states.
    powers : ndarray of shape (n_terms, n_features)
    state_range : ndarray of shape (2, n_features)

    Returns
    -------
    coef : ndarray of shape (n_terms, k)
    """
    # normal equations accumulated block by block: the full design of a
    # million pairs and tens of terms need never be held at once
    n_terms = powers.shape[0]
    gram = np.zeros((n_terms, n_terms))
    rhs = np.zeros((n_terms, values.shape[1]))
    for a in range(0, cond.shape[0], _BLOCK):
        design = drift_design(cond[a : a + _BLOCK], powers, state_range)
        gram += design.T @ design
        rhs += design.T @ values[a : a + _BLOCK]
    # lstsq on the small system copes with constant features (zero columns)
    coef, *_ = np.linalg.lstsq(gram, rhs, rcond=None)
    return coef


def fit_drift(cond, increment, degree):
    """Least-squares polynomial fit of the increment on the standardised state.

    Parameters
    ----------
    cond : ndarray of shape (n_pairs, n_features)
        Standardised states.
    increment : ndarray of shape (n_pairs, n_features)
        ``x_next - x_now``.
    degree : int
        Total degree of the polynomial (1: affine).

    Returns
    -------
    powers : ndarray of shape (n_terms, n_features)
    coef : ndarray of shape (n_terms, n_features)
    state_range : ndarray of shape (2, n_features)
        Smallest and largest standardised training state, where the
        nonlinear terms are clipped.
    residual : ndarray of shape (n_pairs, n_features)
    """
    powers = monomial_powers(cond.shape[1], degree)
    state_range = np.stack([cond.min(axis=0), cond.max(axis=0)])
    coef = project_on_design(cond, increment, powers, state_range)
    residual = np.empty_like(increment)
    for a in range(0, cond.shape[0], _BLOCK):
        design = drift_design(cond[a : a + _BLOCK], powers, state_range)
        residual[a : a + _BLOCK] = increment[a : a + _BLOCK] - design @ coef
    return powers, coef, state_range, residual
