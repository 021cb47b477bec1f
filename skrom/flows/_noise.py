"""State-dependent scale of the one-step noise of a flow map.

With one global per-feature scale the flow must shape the whole transition
law itself, including its directions. Where the noise of one step is nearly
rank one and its direction turns with the state (the multiscale oscillator:
radial noise, deterministic phase), every sideways error of the flow is an
error in units of the large direction's scale. Scaling the flow's output by
the Cholesky factor ``L(x)`` of the conditional covariance of the residual
hands the directions to the prior, and multiplies the flow's errors in a
quiet direction by that direction's small scale.

The conditional covariance is a least-squares polynomial of the standardised
state, fitted to the outer products of the residuals: unbiased for any noise
whose covariance is such a polynomial, whatever its distribution. All its
terms are evaluated at the state clipped to the training box, since a
polynomial extrapolated far out can grow without bound or turn indefinite.
Each entry is fitted on its own, so the fit is not positive definite by
construction, and where the noise is nearly rank one its small least-squares
errors are enough to make it indefinite at many states.
"""

import numpy as np

from ._drift import drift_design, monomial_powers, project_on_design

__all__ = ["fit_noise_covariance", "noise_cholesky"]

# Eigenvalues of the fitted covariance are raised to at least this fraction
# of the largest: a least-squares fit is not positive definite by
# construction, and a singular factor could not be inverted for the
# likelihood. Where the fit is indefinite, the floor *is* the quiet
# direction's variance, so it must not be far below the noise actually
# there: on the oscillator (tangential residual about 5% of the radial one,
# fit indefinite at a third to a half of the states) a floor of 1e-6 sent
# the flow's targets up to 87 standard deviations and its long-run errors
# from 0.69 to 1.86 (mean) and 0.38 to 4.05 (std); 1e-3 (a quiet scale of
# at least 3% of the loud one) kept every target within 5.
EIGENVALUE_FLOOR = 1e-3


def fit_noise_covariance(cond, residual, degree, state_range):
    """Least-squares polynomial fit of the residual's outer products.

    Parameters
    ----------
    cond : ndarray of shape (n_pairs, n_context)
        Standardised conditioning vectors (the state, then any inputs).
    residual : ndarray of shape (n_pairs, n_features)
        What the mean prior leaves of the increment.
    degree : int
        Total degree of the covariance polynomial.
    state_range : ndarray of shape (2, n_features)
        Box every term is evaluated in (the state is clipped to it).

    Returns
    -------
    powers : ndarray of shape (n_terms, n_features)
    coef : ndarray of shape (n_terms, n_features, n_features)
        Coefficients of each term in the covariance, symmetric in the last
        two axes.
    """
    n, d = residual.shape
    # a polynomial in the whole conditioning vector (the state and, for a
    # model with inputs, the step's inputs)
    powers = monomial_powers(cond.shape[1], degree)
    outer = (residual[:, :, None] * residual[:, None, :]).reshape(n, d * d)
    clipped = np.clip(cond, state_range[0], state_range[1])
    coef = project_on_design(clipped, outer, powers, state_range)
    coef = coef.reshape(-1, d, d)
    # symmetric already up to rounding; make it exact
    return powers, 0.5 * (coef + coef.transpose(0, 2, 1))


def noise_cholesky(cond, powers, coef, state_range, min_eigenvalue):
    """Cholesky factor of the fitted covariance at each state.

    Parameters
    ----------
    cond : ndarray of shape (n, n_features)
        Standardised states.
    powers, coef : ndarray
        From :func:`fit_noise_covariance`.
    state_range : ndarray of shape (2, n_features)
    min_eigenvalue : float
        Absolute lower bound of every eigenvalue, for states where the
        fitted covariance is nowhere near positive (its largest eigenvalue
        at or below zero, possible only far from the data's bulk).

    Returns
    -------
    factor : ndarray of shape (n, n_features, n_features)
        Lower-triangular ``L`` with ``L @ L.T`` the covariance, its
        eigenvalues floored at ``EIGENVALUE_FLOOR`` of the largest.
    log_det : ndarray of shape (n,)
        ``log |det L|``.
    """
    clipped = np.clip(cond, state_range[0], state_range[1])
    design = drift_design(clipped, powers, state_range)
    cov = np.einsum("nk,kij->nij", design, coef)
    eigval, eigvec = np.linalg.eigh(cov)
    top = np.maximum(eigval[:, -1:], min_eigenvalue)
    eigval = np.maximum(eigval, EIGENVALUE_FLOOR * top)
    cov = np.einsum("nij,nj,nkj->nik", eigvec, eigval, eigvec)
    factor = np.linalg.cholesky(cov)
    log_det = 0.5 * np.sum(np.log(eigval), axis=1)
    return factor, log_det
