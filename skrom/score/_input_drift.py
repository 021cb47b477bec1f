r"""The drift of a Langevin model driven by known inputs.

A system driven by known inputs :math:`u(t)` (a forcing, a control, a
parameter) has, at each time, a density of its state conditional on the
inputs, :math:`p(x \mid u)`. The Langevin model of the state is

.. math::

    dx = \Phi\, \nabla_x \log p(x, u)\, dt + v(x, u, \dot u)\, dt
         + \Sigma \sqrt 2\, dW, \qquad \Phi = \Sigma \Sigma^T .

**Score.** :math:`\nabla_x \log p(x \mid u) = \nabla_x \log p(x, u)`, the
``x`` block of the score of the *joint* density of ``(x, u)``, which the
score estimator (a :class:`~skrom.score.KGMMScore`) learns from the data with
the inputs as extra columns. With the inputs frozen, this drift alone has
:math:`p(\cdot \mid u)` as its stationary density.

**Transport.** With the inputs moving, the model's density lags behind
:math:`p(\cdot \mid u(t))`. The Fokker-Planck equation keeps
:math:`\rho(x, t) = p(x \mid u(t))` exactly when the extra velocity ``v``
carries the probability that the moving inputs shift,
:math:`\nabla_x \cdot (v \rho) = -\dot u \cdot \nabla_u p(x \mid u)` (the
score part's flux :math:`\Phi(\rho \nabla \log p - \nabla \rho)` is zero).
For one dynamic variable this has one bounded solution,

.. math::

    v(x, u, \dot u) = -\frac{\dot u \cdot \nabla_u C(x \mid u)}{p(x \mid u)},
    \qquad C(x \mid u) = \int_{-\infty}^x p(x' \mid u)\, dx',

which vanishes for inputs that stay constant (a parameter) and is linear in
:math:`\dot u`. For several dynamic variables the equation leaves ``v``
undetermined (any divergence-free flux may be added): no transport is
applied there, and inputs that move are refused unless the transport is
switched off (a quasi-static drift).

The conditional density is estimated from the data as a polynomial of
degree ``TRANSPORT_DEGREE`` in the standardised inputs whose coefficients
are Gaussian-smoothed histograms in ``x`` (the least-squares projection of
the joint density on the polynomials, weighted by the data's own input
distribution), so :math:`\nabla_u` is exact on it. Where that estimate of
the density is small (the far tails, where a low-order polynomial in ``u``
cannot hold a density that shifts by several of its widths) the ratio is
noise, so ``p`` is floored at ``1e-3`` of its largest value and ``|v|`` is
capped at twice its 99th percentile over the training data.

**A clock is one case.** For :math:`u = r(\sin \phi, \cos \phi)`,
:math:`\phi = \omega t`, :math:`\dot u \cdot \nabla_u = \omega\,
\partial_\phi`, and the transport is
:func:`skrom.score._clock.transport_velocity`; polynomials of degree 2 in
``(sin, cos)`` span the same functions on the circle as its Fourier
harmonics up to 2.

**Tables.** For one dynamic variable the kernels read the drift from tables
on a grid of ``x`` (the box of the score's clusters): the network's score
projected, at every grid point, on polynomials of degree up to
``SCORE_DEGREE`` in the standardised inputs over a sample of the training
inputs (inputs beyond their training range are clipped to it), and the
transport's coefficients. The projection's relative error over the training
inputs is ``LangevinROM.input_table_error_``. For several dynamic variables
the network is evaluated at the joint state in every step.

At sample time the inputs are given at the output's points; within a step
they are interpolated linearly and :math:`\dot u` is their difference
quotient over the step.
"""

from itertools import combinations_with_replacement

import numpy as np

from ._input_kernels import InputTables, input_table_drifts

__all__ = [
    "SCORE_DEGREE",
    "TRANSPORT_DEGREE",
    "polynomial_powers",
    "polynomial_features",
    "input_rates",
    "input_anomaly",
    "fit_input_tables",
]

# degree of the polynomial in the inputs that a table of the score holds
# (a clock: Fourier harmonics up to 6), lowered until at most _MAX_TERMS terms
SCORE_DEGREE = 6
_MAX_TERMS = 64
# degree of the conditional density's polynomial (a clock: harmonics up to 2)
TRANSPORT_DEGREE = 2
# training inputs at which the score network is projected
_N_INPUT_SAMPLES = 512
# grid points in x of the tables
_TABLE_X = 1025
# Gaussian smoothing of the histograms, in standard deviations of x
_BANDWIDTH = 0.04
# the conditional density is floored at this fraction of its largest value
_DENSITY_FLOOR = 1e-3
# |transport velocity| is capped at this multiple of its 99th percentile over
# the training data: where the estimated density is small its ratio to the
# flux is noise, and an outward velocity there would push paths off the grid
_VELOCITY_CAP = 2.0
# training points at which that percentile is taken (an even stride)
_N_VELOCITY_SAMPLES = 200_000


def polynomial_powers(n_inputs, degree):
    """Exponents of every monomial of total degree at most ``degree``.

    Returns
    -------
    powers : ndarray of shape (n_terms, n_inputs), int64
        Row 0 is the constant.
    """
    rows = []
    for total in range(degree + 1):
        for combo in combinations_with_replacement(range(n_inputs), total):
            row = np.zeros(n_inputs, dtype=np.int64)
            for j in combo:
                row[j] += 1
            rows.append(row)
    return np.array(rows, dtype=np.int64).reshape(-1, n_inputs)


def polynomial_features(V, powers):
    """Monomials of the rows of ``V`` (n, n_inputs): shape (n, n_terms)."""
    return np.prod(V[:, None, :] ** powers[None], axis=2)


def _polynomial_gradients(V, powers):
    """``d monomial / d V``: shape (n, n_terms, n_inputs)."""
    n, p = V.shape
    grad = np.zeros((n, powers.shape[0], p))
    for j in range(p):
        lowered = powers.copy()
        lowered[:, j] = np.maximum(lowered[:, j] - 1, 0)
        grad[:, :, j] = powers[None, :, j] * polynomial_features(V, lowered)
    return grad


def input_rates(U, dt):
    """Time derivative of the inputs by differences, at every observation.

    Central differences inside, one-sided at both ends.

    Parameters
    ----------
    U : ndarray of shape (n_trajectories, n_steps, n_inputs)
    dt : float

    Returns
    -------
    rates : ndarray of the same shape
    """
    rates = np.empty_like(U)
    rates[:, 1:-1] = (U[:, 2:] - U[:, :-2]) / (2.0 * dt)
    rates[:, 0] = (U[:, 1] - U[:, 0]) / dt
    rates[:, -1] = (U[:, -1] - U[:, -2]) / dt
    return rates


def _standardise(U):
    flat = U.reshape(-1, U.shape[-1])
    mean = flat.mean(axis=0)
    scale = flat.std(axis=0)
    scale[~(scale > 1e-12 * (1.0 + np.abs(mean)))] = 1.0
    return mean, scale


def input_anomaly(X, U, degree=TRANSPORT_DEGREE):
    """The features minus their least-squares fit on polynomials of the inputs.

    What the inputs drive deterministically is no diffusion, and a lagged
    covariance of the raw features would count it as such.

    Returns
    -------
    anomaly : ndarray of shape X.shape
    """
    mean, scale = _standardise(U)
    V = (U.reshape(-1, U.shape[-1]) - mean) / scale
    design = polynomial_features(V, polynomial_powers(U.shape[-1], degree))
    flat = X.reshape(-1, X.shape[-1])
    coef = np.linalg.lstsq(design, flat, rcond=None)[0]
    return (flat - design @ coef).reshape(X.shape)


def _score_degree(n_inputs):
    degree = SCORE_DEGREE
    while degree > 1 and polynomial_powers(n_inputs, degree).shape[0] > _MAX_TERMS:
        degree -= 1
    return degree


def _transport_coefficients(x, V, grid, bandwidth, powers):
    """Polynomial coefficients of ``p(x | u)`` and of ``C(x | u)`` on ``grid``.

    ``p(x | u) = sum_k a_k(x) psi_k(v)`` with ``a(x) = G^+ h(x)``: ``G`` the
    Gram matrix of the monomials ``psi`` over the data's inputs, ``h_k`` the
    smoothed histogram of ``x`` weighted by ``psi_k`` (the least-squares
    projection of the joint density on the monomials).
    """
    from scipy.ndimage import gaussian_filter1d

    step = grid[1] - grid[0]
    edges = np.concatenate([grid - 0.5 * step, [grid[-1] + 0.5 * step]])
    psi = polynomial_features(V, powers)
    n = x.shape[0]
    hist = np.empty((grid.shape[0], powers.shape[0]))
    for k in range(powers.shape[0]):
        h = np.histogram(x, bins=edges, weights=psi[:, k])[0]
        hist[:, k] = gaussian_filter1d(h, bandwidth / step, mode="constant")
    hist /= n * step
    gram = psi.T @ psi / n
    density = hist @ np.linalg.pinv(gram, rcond=1e-10, hermitian=True)
    cdf = np.cumsum(density, axis=0) * step
    return density, cdf


def fit_input_tables(est, X, U, transport, dt):
    """The :class:`InputTables` of one dynamic feature driven by inputs.

    Parameters
    ----------
    est : KGMMScore
        Fitted on ``[X, U]`` (the joint density).
    X : ndarray of shape (n_trajectories, n_steps, 1)
    U : ndarray of shape (n_trajectories, n_steps, n_inputs)
    transport : bool
        Estimate the transport velocity's coefficients (else none).
    dt : float
        Sampling interval (the inputs' rate for the velocity's bound).

    Returns
    -------
    tables : InputTables
    error : float
        Root-mean-square error of the tabulated score against the network
        over the grid and the input sample, relative to the network's RMS.
    """
    p = U.shape[2]
    u_mean, u_scale = _standardise(U)
    V = (U.reshape(-1, p) - u_mean) / u_scale
    x = X[..., 0].ravel()
    box = getattr(est, "score_kernel_", None)
    if box is not None:
        lo = est.mean_[0] + est.scale_[0] * box.box_lo[0]
        hi = est.mean_[0] + est.scale_[0] * box.box_hi[0]
    else:
        lo, hi = x.min(), x.max()
    grid = np.linspace(lo, hi, _TABLE_X)
    # an even stride through the data: every trajectory and time alike
    take = np.unique(np.linspace(0, V.shape[0] - 1, _N_INPUT_SAMPLES).astype(int))
    Vs = V[take]
    points = np.empty((grid.size * Vs.shape[0], 1 + p))
    points[:, 0] = np.repeat(grid, Vs.shape[0])
    points[:, 1:] = np.tile(Vs * u_scale + u_mean, (grid.size, 1))
    score = est.predict(points)[:, 0].reshape(grid.size, Vs.shape[0])
    powers = polynomial_powers(p, _score_degree(p))
    design = polynomial_features(Vs, powers)
    coef = np.linalg.lstsq(design, score.T, rcond=None)[0]  # (n_terms, n_x)
    fitted = (design @ coef).T
    error = float(np.sqrt(np.mean((fitted - score) ** 2) / np.mean(score**2)))
    t_powers = polynomial_powers(p, TRANSPORT_DEGREE)
    if transport:
        density, cdf = _transport_coefficients(
            x, V, grid, _BANDWIDTH * float(x.std()), t_powers
        )
        values = density @ polynomial_features(Vs, t_powers).T
        floor = _DENSITY_FLOOR * float(values.max())
    else:
        t_powers = t_powers[:0]
        density = cdf = np.zeros((grid.size, 0))
        floor = 1.0
    tables = InputTables(
        lo=float(grid[0]),
        step=float(grid[1] - grid[0]),
        powers=np.ascontiguousarray(powers),
        score=np.ascontiguousarray(coef.T),
        t_powers=np.ascontiguousarray(t_powers),
        density=np.ascontiguousarray(density),
        cdf=np.ascontiguousarray(cdf),
        floor=floor,
        v_max=np.inf,
        mean=np.ascontiguousarray(u_mean),
        scale=np.ascontiguousarray(u_scale),
        v_lo=np.ascontiguousarray(V.min(axis=0)),
        v_hi=np.ascontiguousarray(V.max(axis=0)),
    )
    if transport:
        tables = tables._replace(v_max=_velocity_bound(tables, X, U, dt))
    return tables, error


def _velocity_bound(tables, X, U, dt):
    """``_VELOCITY_CAP`` times the 99th percentile of ``|v|`` over the data."""
    p = U.shape[2]
    rate = input_rates(U, dt).reshape(-1, p)
    flat = U.reshape(-1, p)
    x = X[..., 0].ravel()
    take = np.unique(np.linspace(0, x.size - 1, _N_VELOCITY_SAMPLES).astype(int))
    # with phi = 0 the drift is the velocity alone
    v = input_table_drifts(x[take], flat[take], rate[take], tables, 0.0, 0.0)
    bound = _VELOCITY_CAP * float(np.quantile(np.abs(v), 0.99))
    return bound if bound > 0.0 else np.inf
