"""Probability forecasts of transition events by ensembles, and their scores.

The event is a transition between the two wells of a scalar slow variable
(:func:`transition_events`) within a lead window; an ensemble forecasts it
with the probability given by the fraction of its members that make one.
"""

import numpy as np
from sklearn.utils import Bunch

from .._validation import check_int
from ._forecast import check_forecasts
from ._transitions import transition_events

__all__ = [
    "transition_probabilities",
    "transition_brier_score",
    "transition_reliability",
]


def _makes_transition(X, thresholds, settle, feature):
    """Whether each trajectory of ``X`` has a transition event."""
    events = transition_events(X, thresholds, settle=settle, feature=feature)
    made = np.zeros(X.shape[0], dtype=bool)
    made[events[:, 0]] = True
    return made


def transition_probabilities(
    y_true, y_pred, thresholds=(-0.5, 0.5), *, window=None, settle=0, feature=None
):
    """Forecast probability and outcome of a transition within a lead window.

    For each forecast, the outcome is 1 when the verifying trajectory makes a
    transition (:func:`transition_events`: it enters the core of one well
    coming from the core of the other) within leads ``0 .. window``, else 0;
    the forecast probability is the fraction of members that make one. A
    path that starts inside the transition zone must first reach a core, so
    entering the first core is not a transition.

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; lead 0 is the initial condition. 2-D: one
        forecast; 1-D: one forecast of a scalar.
    y_pred : array-like of shape (n_forecasts, [n_members,] n_leads, n_features)
        Ensemble forecasts, or point forecasts shaped like ``y_true`` (their
        probabilities are 0 or 1).
    thresholds : float or (lower, upper), default=(-0.5, 0.5)
        The transition zone between the two wells, as in
        :func:`transition_events`.
    window : int or None, default=None
        Last lead (in steps) of the window; None uses every lead.
    settle : int, default=0
        Steps the path must stay on the new side of the midpoint, within the
        window, for the crossing to count (see :func:`transition_events`).
    feature : int or None, default=None
        Column holding the observable; None requires one feature.

    Returns
    -------
    probability : ndarray of shape (n_forecasts,)
        Fraction of members making a transition, in [0, 1].
    outcome : ndarray of shape (n_forecasts,)
        1.0 where the truth makes a transition, else 0.0.

    See Also
    --------
    transition_brier_score, transition_reliability
    transition_forecast_skill : Skill of forecasts started before known events.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import transition_probabilities
    >>> stay, jump = np.full(6, -1.0), np.repeat([-1.0, 1.0], 3)
    >>> truth = np.stack([jump, stay])[:, :, None]
    >>> members = np.stack([[jump, jump, stay, stay], [jump, stay, stay, stay]])
    >>> transition_probabilities(truth, members[..., None])
    (array([0.5 , 0.25]), array([1., 0.]))
    """
    y_true, pred = check_forecasts(y_true, y_pred)
    n_forecasts, n_members, n_leads, n_features = pred.shape
    if window is None:
        window = n_leads - 1
    window = check_int(window, "window", min_value=1, max_value=n_leads - 1)
    n = window + 1
    outcome = _makes_transition(y_true[:, :n], thresholds, settle, feature)
    members = _makes_transition(
        pred[:, :, :n].reshape(n_forecasts * n_members, n, n_features),
        thresholds,
        settle,
        feature,
    ).reshape(n_forecasts, n_members)
    return members.mean(axis=1), outcome.astype(np.float64)


def transition_brier_score(
    y_true, y_pred, thresholds=(-0.5, 0.5), *, window=None, settle=0, feature=None
):
    r"""Brier score of ensemble forecasts of a transition within a lead window.

    .. math::

        \mathrm{BS} = \frac1N \sum_{n=1}^N (p_n - o_n)^2

    with :math:`p_n` the fraction of members of forecast :math:`n` that make
    a transition and :math:`o_n \in \{0, 1\}` whether the truth makes one
    (:func:`transition_probabilities`). 0 is perfect; always forecasting the
    observed base rate :math:`\bar o` scores :math:`\bar o (1 - \bar o)`.

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; 2-D: one forecast; 1-D: one forecast of a
        scalar.
    y_pred : array-like of shape (n_forecasts, [n_members,] n_leads, n_features)
        Ensemble (or point) forecasts.
    thresholds : float or (lower, upper), default=(-0.5, 0.5)
        The transition zone between the two wells.
    window : int or None, default=None
        Last lead (in steps) of the window; None uses every lead.
    settle : int, default=0
        See :func:`transition_probabilities`.
    feature : int or None, default=None
        Column holding the observable; None requires one feature.

    Returns
    -------
    score : float
        In [0, 1]; lower is better.

    See Also
    --------
    transition_probabilities, transition_reliability

    References
    ----------
    G. W. Brier, "Verification of forecasts expressed in terms of
    probability", Mon. Wea. Rev. 78, 1-3 (1950).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import transition_brier_score
    >>> stay, jump = np.full(6, -1.0), np.repeat([-1.0, 1.0], 3)
    >>> truth = np.stack([jump, stay])[:, :, None]
    >>> members = np.stack([[jump, jump, stay, stay], [jump, stay, stay, stay]])
    >>> transition_brier_score(truth, members[..., None])  # (0.5^2 + 0.25^2) / 2
    0.15625
    """
    probability, outcome = transition_probabilities(
        y_true, y_pred, thresholds, window=window, settle=settle, feature=feature
    )
    return float(np.mean((probability - outcome) ** 2))


def transition_reliability(
    y_true,
    y_pred,
    thresholds=(-0.5, 0.5),
    *,
    n_bins=10,
    window=None,
    settle=0,
    feature=None,
):
    """Reliability table of ensemble forecasts of a transition: forecast vs observed.

    The forecast probabilities (:func:`transition_probabilities`) are put
    in ``n_bins`` equal bins of [0, 1] (the last one closed); for each bin
    the table holds the mean forecast probability, the observed frequency of
    the event and the number of forecasts. A reliable forecast has observed
    frequency equal to forecast probability in every bin (the diagonal of a
    reliability diagram). With ``m`` members the probabilities take only the
    values ``k / m``, so bins narrower than ``1 / m`` stay empty.

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; 2-D: one forecast; 1-D: one forecast of a
        scalar.
    y_pred : array-like of shape (n_forecasts, [n_members,] n_leads, n_features)
        Ensemble (or point) forecasts.
    thresholds : float or (lower, upper), default=(-0.5, 0.5)
        The transition zone between the two wells.
    n_bins : int, default=10
        Number of probability bins.
    window : int or None, default=None
        Last lead (in steps) of the window; None uses every lead.
    settle : int, default=0
        See :func:`transition_probabilities`.
    feature : int or None, default=None
        Column holding the observable; None requires one feature.

    Returns
    -------
    table : :class:`~sklearn.utils.Bunch`
        ``bin_edges`` (n_bins + 1,); ``mean_probability``,
        ``observed_frequency`` (NaN in empty bins) and ``counts`` (int), each
        of shape (n_bins,).

    See Also
    --------
    transition_brier_score
    skrom.plotting.plot_reliability_diagram : Draw the table.
    sklearn.calibration.calibration_curve : The same for classifiers.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import transition_reliability
    >>> stay, jump = np.full(6, -1.0), np.repeat([-1.0, 1.0], 3)
    >>> truth = np.stack([jump, stay])[:, :, None]
    >>> members = np.stack([[jump, jump, stay, stay], [jump, stay, stay, stay]])
    >>> table = transition_reliability(truth, members[..., None], n_bins=2)
    >>> table.counts, table.observed_frequency
    (array([1, 1]), array([0., 1.]))
    """
    n_bins = check_int(n_bins, "n_bins")
    probability, outcome = transition_probabilities(
        y_true, y_pred, thresholds, window=window, settle=settle, feature=feature
    )
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.minimum(
        np.searchsorted(edges, probability, side="right") - 1, n_bins - 1
    )
    counts = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_probability = np.bincount(which, probability, n_bins) / counts
        observed = np.bincount(which, outcome, n_bins) / counts
    return Bunch(
        bin_edges=edges,
        mean_probability=mean_probability,
        observed_frequency=observed,
        counts=counts.astype(np.int64),
    )
