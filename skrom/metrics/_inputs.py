"""Coercion of metric inputs to trajectory sets and feature selection.

Metrics accept more shapes than estimators do: a 1-D array is read as the
samples (or the time series) of one scalar, because comparing two scalar
series is the most common use of a metric.
"""

import numbers

import numpy as np

from .._validation import check_real_array, check_trajectories

__all__ = ["as_trajectories", "select_features", "require_scalar"]


def as_trajectories(X, name="X", *, min_steps=1):
    """Return ``X`` as a float64 3-D copy ``(n_trajectories, n_steps, n_features)``.

    A 1-D array becomes one scalar trajectory ``(1, n, 1)``; a 2-D array one
    trajectory; NaN/inf are rejected with their position. The checks are the
    estimators' (:func:`skrom._validation.check_trajectories`): numeric object
    arrays are converted, sparse, complex and non-numeric data refused.
    """
    if np.ndim(X) == 1:
        X = np.reshape(check_real_array(X, name=name), (1, -1, 1))
    return check_trajectories(X, min_steps=min_steps, name=name)


def select_features(X, feature, name="X"):
    """Keep the column(s) ``feature`` of a 3-D array (all when None)."""
    if feature is None:
        return X
    n_features = X.shape[2]
    cols = np.atleast_1d(np.asarray(feature))
    integers = all(
        isinstance(c, numbers.Integral) and not isinstance(c, bool)
        for c in cols.tolist()
    )
    if cols.ndim != 1 or cols.size == 0 or not integers:
        raise TypeError(
            f"feature must be None, an int or a sequence of ints; got {feature!r}."
        )
    if np.any(cols < -n_features) or np.any(cols >= n_features):
        raise ValueError(
            f"feature={feature!r} is out of range for {name} with "
            f"{n_features} features."
        )
    return X[:, :, cols]


def require_scalar(X, feature, name="X"):
    """Return the single observable ``(n_trajectories, n_steps)`` chosen by ``feature``.

    Metrics defined on a scalar observable (metastable states, wells) need
    exactly one feature: ``feature=None`` is only accepted when there is one.
    """
    if feature is None:
        if X.shape[2] != 1:
            raise ValueError(
                f"{name} has {X.shape[2]} features; pass feature=<column index> to "
                "choose the scalar observable this metric is defined on."
            )
        return X[:, :, 0]
    if not isinstance(feature, numbers.Integral) or isinstance(feature, bool):
        raise TypeError(f"feature must be None or an int here; got {feature!r}.")
    return select_features(X, int(feature), name)[:, :, 0]
