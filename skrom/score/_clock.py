"""Known clock features of a non-autonomous system.

A periodically forced system is autonomous in the augmented state
``(x, sin(omega t), cos(omega t))``: the forcing's phase is a known feature
of the data (as in :func:`skrom.datasets.make_tristable`). A model learns
its drift as a function of the whole augmented state but must not *learn*
the clock's dynamics: the clock carries no noise and its phase advances
exactly, at the rate read from the data. This module holds that contract:
which columns are clock pairs, their angular frequencies and radii, and the
dynamic columns that are left to the model.

Known inputs ``U`` are the general form (:mod:`skrom.score._input_drift`):
a clock passed as inputs ``(sin, cos)`` gives the same drift, with the
phase supplied instead of advanced by the model.
"""

import numbers

import numpy as np

__all__ = [
    "check_clock_features",
    "fit_clock",
    "clock_values",
    "transport_velocity",
    "clock_anomaly",
]

# clock columns must be a rotation to this relative accuracy
_CLOCK_RTOL = 1e-6


def check_clock_features(clock_features, n_features, who):
    """Validate ``clock_features``: column indices in ``(sin, cos)`` pairs.

    Parameters
    ----------
    clock_features : None or sequence of int
        Flat sequence ``(sin_1, cos_1, sin_2, cos_2, ...)`` of column indices.
    n_features : int
        Columns of the data.
    who : str
        Estimator name for the messages.

    Returns
    -------
    sin_idx, cos_idx : ndarray of int64
        One entry per clock pair (empty when ``clock_features`` is None).
    dynamic : ndarray of int64
        The remaining columns, in order.
    """
    if clock_features is None:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.arange(n_features, dtype=np.int64)
    if isinstance(clock_features, (str, bytes)) or not hasattr(
        clock_features, "__len__"
    ):
        raise TypeError(
            f"{who}: clock_features must be None or a sequence of column indices "
            f"in (sin, cos) pairs, e.g. (1, 2); got {clock_features!r}."
        )
    cols = list(clock_features)
    if (
        len(cols) == 0
        or len(cols) % 2
        or not all(
            isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in cols
        )
    ):
        raise ValueError(
            f"{who}: clock_features must hold an even, non-zero number of column "
            f"indices, (sin, cos) pairs such as (1, 2); got {clock_features!r}."
        )
    cols = [int(c) for c in cols]
    if len(set(cols)) != len(cols) or min(cols) < 0 or max(cols) >= n_features:
        raise ValueError(
            f"{who}: clock_features {tuple(cols)} must be distinct column indices "
            f"below n_features={n_features}."
        )
    if len(cols) >= n_features:
        raise ValueError(
            f"{who}: clock_features {tuple(cols)} leave no dynamic column among "
            f"the {n_features} features."
        )
    sin_idx = np.array(cols[0::2], dtype=np.int64)
    cos_idx = np.array(cols[1::2], dtype=np.int64)
    dynamic = np.array([k for k in range(n_features) if k not in cols], dtype=np.int64)
    return sin_idx, cos_idx, dynamic


def fit_clock(X, sin_idx, cos_idx, dt, who):
    """Angular frequency and radius of each clock pair, checked on every step.

    Each pair must be ``(r sin(phi), r cos(phi))`` with a constant radius
    ``r`` and a phase ``phi`` that advances by the same angle every step (in
    every trajectory; phases may differ between trajectories).

    Parameters
    ----------
    X : ndarray of shape (n_trajectories, n_steps, n_features)
    sin_idx, cos_idx : ndarray of int64
    dt : float
    who : str

    Returns
    -------
    omega : ndarray of shape (n_clocks,)
        Angular frequency, radians per time unit.
    radius : ndarray of shape (n_clocks,)
    """
    omega = np.empty(sin_idx.shape[0])
    radius = np.empty(sin_idx.shape[0])
    for p, (i, j) in enumerate(zip(sin_idx, cos_idx, strict=True)):
        s, c = X[..., i], X[..., j]
        r = np.hypot(s, c)
        r_mean = float(r.mean())
        spread = np.max(np.abs(r - r_mean))
        if not r_mean > 0.0 or spread > _CLOCK_RTOL * r_mean + 1e-12:
            raise ValueError(
                f"{who}: clock columns ({i}, {j}) must be (r sin(phase), r cos(phase)) "
                f"with a constant radius r; their radius varies from {r.min():.6g} to "
                f"{r.max():.6g}."
            )
        step = np.angle(np.exp(1j * np.diff(np.arctan2(s, c), axis=1)))
        mean_step = float(step.mean())
        if np.max(np.abs(step - mean_step)) > _CLOCK_RTOL * (abs(mean_step) + 1.0):
            raise ValueError(
                f"{who}: the phase of clock columns ({i}, {j}) must advance by the "
                f"same angle every step; its steps range from {step.min():.6g} to "
                f"{step.max():.6g} rad."
            )
        omega[p] = mean_step / dt
        radius[p] = r_mean
    return omega, radius


def clock_values(x0, sin_idx, cos_idx, omega, radius, times):
    """The clock columns along a path that starts at ``x0``.

    Parameters
    ----------
    x0 : ndarray of shape (..., n_features)
        Start states (their clock columns give the initial phases).
    times : ndarray of shape (n_times,)
        Times since the start.

    Returns
    -------
    sin_values, cos_values : ndarray of shape (..., n_times, n_clocks)
    """
    phase0 = np.arctan2(x0[..., sin_idx], x0[..., cos_idx])
    phase = phase0[..., None, :] + np.multiply.outer(times, omega)
    return radius * np.sin(phase), radius * np.cos(phase)


def _minus_sin(a):
    return -np.sin(a)


def transport_velocity(x, phase, omega, grid, bandwidth, n_phase, n_harmonics):
    r"""Velocity that carries a density along with a periodic clock.

    For one dynamic variable ``x`` whose phase-conditional density
    ``p(x | phase)`` changes with the clock, a drift ``D d/dx log p(x | phase)``
    alone has ``p(. | phase)`` as its stationary density only for a frozen
    phase; with the phase advancing at rate ``omega`` the model's density
    lags behind. The Fokker-Planck equation of the augmented state
    ``(x, phase)`` holds the data's density exactly when the drift also
    contains

    .. math::

        v(x, \phi) = -\omega\, \frac{\partial_\phi C(x \mid \phi)}{p(x \mid \phi)},
        \qquad C(x \mid \phi) = \int_{-\infty}^x p(x' \mid \phi)\, dx',

    the velocity of the probability flux that moves the conditional
    distribution along with the phase (for a density that only shifts,
    ``p(x - m(phi))``, it is ``omega m'(phi)``). The conditional density is
    estimated from the data by its first ``n_harmonics`` Fourier
    coefficients in the phase (each a Gaussian-smoothed histogram in ``x``
    weighted by ``cos k phi`` or ``sin k phi``), so ``d/dphi`` is exact on
    them; where the density falls below 1e-3 of its peak it is floored, so
    the velocity stays bounded in the tails.

    Parameters
    ----------
    x, phase : ndarray of shape (n_samples,)
        Dynamic variable and clock phase of every data point.
    omega : float
        Angular frequency of the clock.
    grid : ndarray of shape (n_grid,)
        Uniform grid of ``x``.
    bandwidth : float
        Gaussian smoothing of the histograms, in units of ``x``.
    n_phase : int
        Points of the phase grid ``2 pi j / n_phase``.
    n_harmonics : int
        Fourier harmonics of the phase kept.

    Returns
    -------
    velocity : ndarray of shape (n_grid, n_phase)
    """
    from scipy.ndimage import gaussian_filter1d

    step = grid[1] - grid[0]
    edges = np.concatenate([grid - 0.5 * step, [grid[-1] + 0.5 * step]])
    phi = 2.0 * np.pi * np.arange(n_phase) / n_phase
    density = np.zeros((grid.shape[0], n_phase))
    d_cdf = np.zeros_like(density)
    n = x.shape[0]
    for k in range(n_harmonics + 1):
        pairs = [(np.cos, None)] if k == 0 else [(np.cos, _minus_sin), (np.sin, np.cos)]
        for basis, derivative in pairs:
            weight = basis(k * phase)
            hist = np.histogram(x, bins=edges, weights=weight)[0]
            # Fourier coefficient of the conditional density (the phase is
            # uniform over whole periods): E[w | x] p(x) / E[w^2]
            coef = gaussian_filter1d(hist, bandwidth / step, mode="constant")
            coef *= (1.0 if k == 0 else 2.0) / (n * step)
            density += np.outer(coef, basis(k * phi))
            if k > 0:
                d_cdf += np.outer(np.cumsum(coef) * step, k * derivative(k * phi))
    floor = 1e-3 * density.max()
    return -omega * d_cdf / np.maximum(density, floor)


def clock_anomaly(X, dynamic, sin_idx, cos_idx, n_harmonics):
    """Dynamic features minus their phase-conditional mean.

    The mean is the least-squares fit of ``1, cos k phi, sin k phi``
    (``k <= n_harmonics``, every clock). What the clock drives
    deterministically is no diffusion, and a lagged covariance of the raw
    features would count its slow oscillation as such.

    Returns
    -------
    anomaly : ndarray of shape (n_trajectories, n_steps, n_dynamic)
    """
    Xd = X[..., dynamic]
    if sin_idx.shape[0] == 0:
        return Xd
    columns = [np.ones(X.shape[:2])]
    for i, j in zip(sin_idx, cos_idx, strict=True):
        phase = np.arctan2(X[..., i], X[..., j])
        for k in range(1, n_harmonics + 1):
            columns += [np.cos(k * phase), np.sin(k * phase)]
    design = np.stack(columns, axis=-1).reshape(-1, len(columns))
    flat = Xd.reshape(-1, Xd.shape[2])
    coef = np.linalg.lstsq(design, flat, rcond=None)[0]
    return (flat - design @ coef).reshape(Xd.shape)
