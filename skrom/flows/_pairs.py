"""Cut snapshot pairs ``(x_n, x_{n+lag})`` out of a trajectory set.

A flow-map model only ever sees pairs, so this is the one place where the
trajectory structure of the data is used during training.
"""

import numpy as np

__all__ = ["extract_pairs"]


def extract_pairs(X, lag, n_pairs_per_trajectory=None, rng=None):
    """Return the pairs ``(x_n, x_{n+lag})`` of a trajectory set.

    Parameters
    ----------
    X : ndarray of shape (n_trajectories, n_steps, n_features)
        Validated trajectory set with ``n_steps >= lag + 1``.
    lag : int
        Number of observation steps between the two states of a pair.
    n_pairs_per_trajectory : int or None, default=None
        ``None`` takes every consecutive pair, ``n_steps - lag`` per trajectory.
        An int takes that many pairs per trajectory at distinct random starting
        steps (all of them if fewer exist), as in the published method.
    rng : numpy.random.Generator, optional
        Draws the starting steps; needed only when ``n_pairs_per_trajectory`` is
        an int.

    Returns
    -------
    x_now : ndarray of shape (n_pairs, n_features)
    x_next : ndarray of shape (n_pairs, n_features)
    """
    n_traj, n_steps, n_features = X.shape
    n_starts = n_steps - lag
    if n_pairs_per_trajectory is None or n_pairs_per_trajectory >= n_starts:
        x_now = X[:, :n_starts].reshape(-1, n_features)
        x_next = X[:, lag:].reshape(-1, n_features)
        return x_now.copy(), x_next.copy()
    k = int(n_pairs_per_trajectory)
    # argsort of uniform keys draws k distinct starts per trajectory at once
    starts = np.argsort(rng.random((n_traj, n_starts)), axis=1)[:, :k]
    rows = np.repeat(np.arange(n_traj), k)
    cols = starts.ravel()
    return X[rows, cols].copy(), X[rows, cols + lag].copy()
