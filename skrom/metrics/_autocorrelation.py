"""Autocorrelation functions of trajectory sets and the times they define."""

import numbers

import numpy as np
from scipy import fft as sp_fft

from .._validation import check_int, check_option, check_positive_float
from ._inputs import as_trajectories, select_features

__all__ = ["autocorrelation", "acf_error", "decorrelation_time"]


def autocorrelation(X, max_lag, *, feature=None, adjusted=True):
    r"""Autocorrelation function of each feature, pooled over trajectories.

    The process is assumed stationary: the mean :math:`m` and the variance
    are pooled over all trajectories and times, and for lag :math:`k`

    .. math:: C(k) = \frac{\sum_{r} \sum_{t=0}^{n-1-k} (x_{r,t} - m)(x_{r,t+k} - m)}
                          {N_k \, C_0},

    with :math:`N_k = n_\mathrm{traj} (n - k)` (``adjusted=True``: each lag
    averages over the pairs it has, unbiased for a known mean) or
    :math:`N_k = n_\mathrm{traj} n` (``adjusted=False``: the biased,
    positive-semidefinite estimator that damps long lags). Sums are computed
    with zero-padded FFTs, O(n log n) per trajectory.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features)
        Trajectory set; a 1-D array is one scalar time series.
    max_lag : int
        Largest lag in steps, ``0 <= max_lag < n_steps``.
    feature : int, sequence of int or None, default=None
        Column(s) to use; None uses every feature.
    adjusted : bool, default=True
        Divide each lag by its number of pairs (see above).

    Returns
    -------
    acf : ndarray of shape (max_lag + 1, n_features)
        ``acf[k, j]`` is the autocorrelation of feature ``j`` at lag ``k``
        steps (``acf[0] == 1``). ``n_features`` counts the selected columns.

    Raises
    ------
    ValueError
        If ``max_lag >= n_steps`` or a selected feature is constant.

    See Also
    --------
    acf_error : Largest difference between two ACFs.
    decorrelation_time : Time for the ACF to decay.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import autocorrelation
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(50_000)
    >>> for t in range(1, x.size):  # AR(1): acf(k) = 0.8 ** k
    ...     x[t] = 0.8 * x[t - 1] + rng.normal()
    >>> np.round(autocorrelation(x, 2)[:, 0], 2)
    array([1.  , 0.8 , 0.64])
    """
    X = select_features(as_trajectories(X, "X"), feature, "X")
    n_traj, n_steps, _ = X.shape
    max_lag = check_int(max_lag, "max_lag", min_value=0, max_value=None)
    if max_lag >= n_steps:
        raise ValueError(
            f"max_lag={max_lag} is too large for trajectories of {n_steps} steps; "
            f"it must be < {n_steps}."
        )
    if not isinstance(adjusted, (bool, np.bool_)):
        raise TypeError(f"adjusted must be a bool, got {type(adjusted).__name__}.")
    centred = X - X.mean(axis=(0, 1))
    variance = np.mean(centred**2, axis=(0, 1))
    constant = np.flatnonzero(variance <= 1e-300)
    if constant.size:
        raise ValueError(
            f"feature(s) {constant.tolist()} of X are constant: their "
            "autocorrelation is undefined."
        )
    n_fft = sp_fft.next_fast_len(2 * n_steps - 1, real=True)
    # Trajectories go through the FFT in chunks so that memory stays bounded
    # (about 2**23 padded values per chunk) for long or many trajectories.
    chunk = max(1, (1 << 23) // (n_fft * centred.shape[2]))
    acov = np.zeros((max_lag + 1, centred.shape[2]))
    for start in range(0, n_traj, chunk):
        spectrum = sp_fft.rfft(centred[start : start + chunk], n=n_fft, axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        acov += sp_fft.irfft(power, n=n_fft, axis=1)[:, : max_lag + 1].sum(axis=0)
    lags = np.arange(max_lag + 1)
    pairs = n_traj * ((n_steps - lags) if adjusted else np.full_like(lags, n_steps))
    acov /= pairs[:, None]
    return acov / acov[0]


def acf_error(X_true, X_model, max_lag, *, feature=None, adjusted=True):
    """Largest absolute difference between the ACFs of two trajectory sets.

    ``max |acf_true[k, j] - acf_model[k, j]|`` over lags ``0..max_lag`` and
    features, with :func:`autocorrelation` for each set.

    Parameters
    ----------
    X_true, X_model : array-like of shape (n_trajectories, n_steps, n_features)
        Reference and model data with the same number of features; both
        need more than ``max_lag`` steps. 2-D: one trajectory; 1-D: one
        scalar series.
    max_lag : int
        Largest lag in steps.
    feature : int, sequence of int or None, default=None
        Column(s) to compare; None compares every feature.
    adjusted : bool, default=True
        See :func:`autocorrelation`.

    Returns
    -------
    error : float
        In [0, 2]; lower is better (``greater_is_better=False`` for
        :func:`sklearn.metrics.make_scorer`).

    See Also
    --------
    autocorrelation

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import acf_error
    >>> x = np.sin(np.linspace(0, 200, 4000))
    >>> acf_error(x, x, 50)
    0.0
    """
    a = autocorrelation(X_true, max_lag, feature=feature, adjusted=adjusted)
    b = autocorrelation(X_model, max_lag, feature=feature, adjusted=adjusted)
    if a.shape != b.shape:
        raise ValueError(
            f"X_true has {a.shape[1]} features but X_model has {b.shape[1]}."
        )
    return float(np.max(np.abs(a - b)))


_ONE_OVER_E = float(np.exp(-1.0))


def decorrelation_time(
    X, *, dt=1.0, method="threshold", threshold=_ONE_OVER_E, max_lag=None, feature=None
):
    r"""Time over which each feature decorrelates.

    ``method="threshold"``: the first time the ACF falls below ``threshold``
    (1/e by default), linearly interpolated between lags; ``inf`` if it never
    does within ``max_lag``. ``method="integral"``: the integral of the ACF
    (trapezoid rule) from 0 up to its first zero crossing, or ``max_lag``
    if it has none (stopping at the first zero keeps the noisy tail out).
    Both give :math:`1/\theta` for an Ornstein-Uhlenbeck ACF
    :math:`e^{-\theta\tau}`.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features)
        Trajectory set; 2-D: one trajectory; 1-D: one scalar series.
    dt : float, default=1.0
        Sampling interval; the result is in its units.
    method : {"threshold", "integral"}, default="threshold"
        Definition (see above).
    threshold : float, default=1/e
        Level for ``method="threshold"``, in (0, 1).
    max_lag : int or None, default=None
        Largest lag examined, in steps; None uses ``n_steps // 2``.
    feature : int, sequence of int or None, default=None
        Column(s) to use.

    Returns
    -------
    times : ndarray of shape (n_features,)
        One decorrelation time per selected feature.

    See Also
    --------
    autocorrelation

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import decorrelation_time
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(100_000)
    >>> for t in range(1, x.size):  # AR(1) sampling an OU process, theta=1, dt=0.1
    ...     x[t] = np.exp(-0.1) * x[t - 1] + rng.normal()
    >>> np.round(decorrelation_time(x, dt=0.1), 1)  # exact: 1 / theta
    array([1.])
    """
    dt = check_positive_float(dt, "dt")
    method = check_option(method, "method", ("threshold", "integral"))
    if not isinstance(threshold, numbers.Real) or not 0.0 < float(threshold) < 1.0:
        raise ValueError(f"threshold must be a number in (0, 1), got {threshold!r}.")
    X = as_trajectories(X, "X")
    if max_lag is None:
        max_lag = max(X.shape[1] // 2, 1)
    acf = autocorrelation(X, max_lag, feature=feature)
    times = np.empty(acf.shape[1])
    for j in range(acf.shape[1]):
        c = acf[:, j]
        if method == "threshold":
            below = np.flatnonzero(c < threshold)
            if below.size == 0:
                times[j] = np.inf
                continue
            k = below[0]
            frac = (c[k - 1] - threshold) / (c[k - 1] - c[k])
            times[j] = (k - 1 + frac) * dt
        else:
            nonpos = np.flatnonzero(c <= 0)
            end = nonpos[0] if nonpos.size else c.size - 1
            times[j] = dt * (np.sum(c[: end + 1]) - 0.5 * (c[0] + c[end]))
    return times
