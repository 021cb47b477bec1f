"""Delay embedding of a (residual) series and the choice of its lag.

The lag follows Del Felice & Giorgini (2025): a fraction (about 1/4) of the
time at which the series' autocorrelation first falls below 0.2, so that the
delay vector spans roughly one decorrelation time of the fast forcing.
"""

import numpy as np

__all__ = [
    "pooled_autocorrelation",
    "decorrelation_lag",
    "delay_embed",
    "embedding_span",
]


def pooled_autocorrelation(Y, max_lag):
    """Autocorrelation of each feature, pooled over trajectories.

    Parameters
    ----------
    Y : ndarray of shape (n_trajectories, n_steps, n_features)
    max_lag : int
        Largest lag returned (clipped to ``n_steps - 1``).

    Returns
    -------
    acf : ndarray of shape (max_lag + 1, n_features)
        ``acf[0] == 1``; lags in units of the sampling interval.
    """
    n_traj, n_steps, n_feat = Y.shape
    max_lag = int(min(max_lag, n_steps - 1))
    centred = Y - Y.mean(axis=(0, 1))
    # zero-padding to >= 2 n_steps makes the FFT product a linear, not circular,
    # correlation
    n_fft = 1 << int(np.ceil(np.log2(2 * n_steps)))
    spec = np.fft.rfft(centred, n=n_fft, axis=1)
    cov = np.fft.irfft(spec * np.conj(spec), n=n_fft, axis=1)[:, : max_lag + 1]
    cov = cov.sum(axis=0) / (n_traj * (n_steps - np.arange(max_lag + 1)))[:, None]
    var = cov[0].copy()
    var[var <= 0] = 1.0
    return cov / var


def decorrelation_lag(Y, threshold=0.2, max_lag=None):
    """First lag (in steps) at which every feature's ACF is below ``threshold``.

    Returns ``max_lag`` when the ACF never falls that low within the data.
    """
    n_steps = Y.shape[1]
    if max_lag is None:
        max_lag = max(1, n_steps // 2)
    acf = pooled_autocorrelation(Y, max_lag)
    below = np.all(acf < threshold, axis=1)
    below[0] = False
    hits = np.flatnonzero(below)
    return int(hits[0]) if hits.size else int(acf.shape[0] - 1)


def embedding_span(lag, n_delays):
    """Number of past steps a delay vector reaches back: ``(n_delays - 1) * lag``."""
    return (n_delays - 1) * lag


def delay_embed(Y, lag, n_delays):
    """Delay vectors ``z_t = (y_t, y_{t-lag}, ..., y_{t-(n_delays-1) lag})``.

    Parameters
    ----------
    Y : ndarray of shape (n_trajectories, n_steps, n_features)
    lag : int
        Delay in sampling steps.
    n_delays : int
        Number of delayed copies (embedding dimension per feature).

    Returns
    -------
    Z : ndarray of shape (n_trajectories, n_valid, n_delays * n_features)
        ``n_valid = n_steps - (n_delays - 1) * lag``. Blocks of
        ``n_features`` columns, newest first: ``Z[:, t, :n_features]``
        is ``Y[:, t + (n_delays - 1) * lag]``.
    """
    span = embedding_span(lag, n_delays)
    n_valid = Y.shape[1] - span
    blocks = [Y[:, span - j * lag : span - j * lag + n_valid] for j in range(n_delays)]
    return np.ascontiguousarray(np.concatenate(blocks, axis=2))
