"""Delay embedding of a (residual) series and the choice of its lag.

The lag follows Del Felice & Giorgini (2025): a fraction (about 1/4) of the
time at which the series' autocorrelation first falls below 0.2, so that the
delay vector spans roughly one decorrelation time of the fast forcing.
"""

import numpy as np

from ..metrics import autocorrelation

__all__ = [
    "decorrelation_lag",
    "delay_embed",
    "embedding_span",
]


def decorrelation_lag(Y, threshold=0.2, max_lag=None):
    """First lag (in steps) at which every feature's ACF is below ``threshold``.

    The ACF is :func:`skrom.metrics.autocorrelation` (pooled over
    trajectories, each lag divided by its number of pairs). A constant
    feature counts as decorrelated at every lag. Returns ``max_lag`` (at
    most ``n_steps - 1``) when the ACF never falls that low within the data.
    """
    n_steps = Y.shape[1]
    if max_lag is None:
        max_lag = max(1, n_steps // 2)
    max_lag = int(min(max_lag, n_steps - 1))
    centred = Y - Y.mean(axis=(0, 1))
    # the same test for a constant feature as autocorrelation's, which raises
    varying = np.flatnonzero(np.mean(centred**2, axis=(0, 1)) > 1e-300)
    if varying.size == 0:
        return min(1, max_lag)
    acf = autocorrelation(Y, max_lag, feature=varying)
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
