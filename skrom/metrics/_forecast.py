"""Skill of forecasts against lead time."""

import numpy as np

from .._validation import check_positive_float
from ._inputs import as_trajectories, require_scalar, select_features
from ._states import check_thresholds

__all__ = ["forecast_rmse", "forecast_sign_skill", "check_forecasts", "lead_times"]


def check_forecasts(y_true, y_pred):
    """Return y_true (F, L, d) and y_pred (F, M, L, d) (M = 1 for a point forecast)."""
    y_true = as_trajectories(y_true, "y_true")
    if np.ndim(y_pred) == 4:
        if hasattr(y_pred, "dtype") and y_pred.dtype == object:
            raise TypeError("y_pred has dtype object; pass a numeric array.")
        pred = np.array(y_pred, dtype=np.float64)
        if not np.all(np.isfinite(pred)):
            raise ValueError("y_pred contains NaN or infinity.")
    else:
        pred = as_trajectories(y_pred, "y_pred")[:, None]
    expected = (y_true.shape[0], y_true.shape[1], y_true.shape[2])
    got = (pred.shape[0], pred.shape[2], pred.shape[3])
    if expected != got or pred.shape[1] < 1:
        raise ValueError(
            "y_pred must have the shape of y_true (n_forecasts, n_leads, n_features) "
            "= {0}, or (n_forecasts, n_members, n_leads, n_features) for ensemble "
            "forecasts; got {1}.".format(y_true.shape, np.shape(y_pred))
        )
    return y_true, pred


def lead_times(n_leads, dt):
    """Return ``dt * arange(n_leads)``; ``dt=None`` counts leads in steps."""
    dt = 1.0 if dt is None else check_positive_float(dt, "dt")
    return dt * np.arange(n_leads, dtype=np.float64)


def forecast_rmse(y_true, y_pred, *, dt=None, feature=None):
    """Root mean square forecast error at each lead time.

    For ensemble forecasts the error is that of the ensemble mean. The
    squared errors are averaged over forecasts and features.

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; lead 0 is the initial condition (as in
        ``sample``, whose first point is ``x0``). 2-D: one forecast; 1-D:
        one forecast of a scalar.
    y_pred : array-like of shape (n_forecasts, [n_members,] n_leads, n_features)
        Point forecasts shaped like ``y_true``, or 4-D ensemble forecasts.
    dt : float or None, default=None
        Sampling interval; None gives lead times in steps.
    feature : int, sequence of int or None, default=None
        Column(s) to use; None uses every feature.

    Returns
    -------
    lead_times : ndarray of shape (n_leads,)
        ``dt * arange(n_leads)``.
    rmse : ndarray of shape (n_leads,)
        RMSE at each lead; lower is better.

    See Also
    --------
    forecast_sign_skill : Fraction of forecasts in the right state.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import forecast_rmse
    >>> truth = np.zeros((4, 3, 1))
    >>> pred = truth + np.array([0.0, 1.0, 2.0])[None, :, None]
    >>> forecast_rmse(truth, pred, dt=0.5)
    (array([0. , 0.5, 1. ]), array([0., 1., 2.]))
    """
    y_true, pred = check_forecasts(y_true, y_pred)
    y_true = select_features(y_true, feature, "y_true")
    mean = select_features(pred.mean(axis=1), feature, "y_pred")
    rmse = np.sqrt(np.mean((mean - y_true) ** 2, axis=(0, 2)))
    return lead_times(y_true.shape[1], dt), rmse


def forecast_sign_skill(y_true, y_pred, *, thresholds=0.0, dt=None, feature=None):
    """Fraction of forecasts that put the system in the right state, per lead time.

    The scalar observable is cut into states at the midpoints of the
    transition zones ``thresholds`` (as in :func:`residence_times`;
    ``thresholds=0.0`` or ``(-0.5, 0.5)``: the sign, i.e. the well of a
    symmetric double well); a point on a cut belongs to the upper state. An
    ensemble forecast predicts the state most of its members are in (a tie
    goes to the lower state). The skill is the fraction of forecasts whose
    predicted state equals the true one. Used to judge transition forecasts
    (Del Felice & Giorgini, 2025).

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; lead 0 is the initial condition. 2-D: one
        forecast; 1-D: one forecast of a scalar.
    y_pred : array-like of shape (n_forecasts, [n_members,] n_leads, n_features)
        Point forecasts shaped like ``y_true``, or 4-D ensemble forecasts.
    thresholds : float or array-like, default=0.0
        Transition zones between consecutive states: a number, one zone
        ``(lower, upper)`` or an array of shape (n_states - 1, 2), see
        :func:`residence_times`; each zone is cut at its midpoint.
    dt : float or None, default=None
        Sampling interval; None gives lead times in steps.
    feature : int or None, default=None
        Column holding the observable; None requires one feature.

    Returns
    -------
    lead_times : ndarray of shape (n_leads,)
        ``dt * arange(n_leads)``.
    skill : ndarray of shape (n_leads,)
        Fraction in [0, 1] of correct state forecasts; higher is better.
        Two equiprobable states forecast at random score 0.5.

    See Also
    --------
    forecast_rmse

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import forecast_sign_skill
    >>> truth = np.array([[1.0, 1.0, -1.0], [-1.0, -1.0, -1.0]])[:, :, None]
    >>> pred = np.array([[1.0, 0.5, 0.5], [-1.0, -1.0, -1.0]])[:, :, None]
    >>> forecast_sign_skill(truth, pred)[1]
    array([1. , 1. , 0.5])
    """
    y_true, pred = check_forecasts(y_true, y_pred)
    zones = check_thresholds(thresholds)
    bounds = zones.mean(axis=1)
    truth = require_scalar(y_true, feature, "y_true")
    n_forecasts, n_members, n_leads, n_features = pred.shape
    members = require_scalar(
        pred.reshape(n_forecasts * n_members, n_leads, n_features), feature, "y_pred"
    ).reshape(n_forecasts, n_members, n_leads)
    true_state = np.searchsorted(bounds, truth, side="right")
    member_state = np.searchsorted(bounds, members, side="right")
    votes = np.stack(
        [(member_state == s).sum(axis=1) for s in range(bounds.size + 1)], axis=0
    )
    pred_state = np.argmax(votes, axis=0)
    skill = np.mean(pred_state == true_state, axis=0)
    return lead_times(n_leads, dt), skill
