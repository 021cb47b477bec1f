"""Metastable states: residence times and transitions between them.

States are cores of a scalar observable separated by transition zones. A
path is assigned to the last core it visited (milestoning), so noise that
flickers across a threshold without reaching the next core is not counted
as a transition.
"""

import numpy as np

from .._validation import check_option, check_positive_float
from ._inputs import as_trajectories, require_scalar
from ._states import check_thresholds

__all__ = [
    "residence_times",
    "mean_residence_times",
    "transition_counts",
    "residence_time_error",
]


def _core_labels(x, zones):
    """Core index of each point, -1 inside a transition zone.

    State 0 is ``x < zones[0, 0]``, state i is ``zones[i-1, 1] < x < zones[i, 0]``,
    the last state is ``x > zones[-1, 1]``. Points on a boundary are in the zone.
    """
    upper_idx = np.searchsorted(zones[:, 1], x, side="left")  # zones whose upper < x
    lower_idx = np.searchsorted(zones[:, 0], x, side="right")  # zones whose lower <= x
    return np.where(upper_idx == lower_idx, upper_idx, -1)


def _milestones(labels):
    """Last core visited at each time (-1 before the first core visit)."""
    idx = np.where(labels >= 0, np.arange(labels.size), -1)
    idx = np.maximum.accumulate(idx)
    return np.where(idx >= 0, labels[np.maximum(idx, 0)], -1)


def _episodes(x, zones):
    """Entry steps into cores and the state entered, for one trajectory."""
    state = _milestones(_core_labels(x, zones))
    change = np.flatnonzero(state[1:] != state[:-1]) + 1
    start = np.flatnonzero(state >= 0)
    if start.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    # The first milestone is where the observation starts, not an entry:
    # it is kept as the start of a censored episode.
    entries = np.concatenate([[start[0]], change[change > start[0]]])
    return entries, state[entries]


def _prepare(X, thresholds, dt, feature, name="X"):
    x = require_scalar(as_trajectories(X, name), feature, name)
    return x, check_thresholds(thresholds), check_positive_float(dt, "dt")


def residence_times(X, thresholds, *, dt=1.0, feature=None):
    """Durations of completed visits to each metastable state.

    States are cores of a scalar observable. With transition zones
    ``(lower_i, upper_i)``, state 0 is ``x < lower_0``, state ``i`` is
    ``upper_{i-1} < x < lower_i`` and the last state is ``x > upper_{-1}``
    (for a double well with minima at +-1: ``thresholds=(-0.5, 0.5)``).
    A path belongs to the last core it visited, so a transition is counted
    only when the path reaches the next state's core (hysteresis). A
    residence lasts from the entry into a core to the entry into a different
    core. The first visit of each trajectory (begun before the observation)
    and the last (unfinished) are censored and left out.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features)
        Trajectory set; trajectories are analysed separately and pooled.
        2-D: one trajectory; 1-D: one scalar series.
    thresholds : float, (lower, upper) or array-like of shape (n_states - 1, 2)
        Transition zones between consecutive states: ``(lower, upper)``
        makes two states, ``x < lower`` and ``x > upper``; a number ``t``
        is the zone ``(t, t)`` (two states, no hysteresis); rows of
        increasing, disjoint zones make more states.
    dt : float, default=1.0
        Sampling interval; residence times are in its units.
    feature : int or None, default=None
        Column holding the observable; None requires one feature.

    Returns
    -------
    times : list of ndarray
        ``times[i]`` holds the residence times in state ``i`` (possibly empty),
        a multiple of ``dt``.

    See Also
    --------
    mean_residence_times, transition_counts, residence_time_error

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import residence_times
    >>> x = np.repeat([-1.0, 1.0, -1.0, 1.0, -1.0], [5, 3, 4, 2, 6])
    >>> [t.tolist() for t in residence_times(x, (-0.5, 0.5), dt=0.5)]
    [[2.0], [1.5, 1.0]]
    """
    x, zones, dt = _prepare(X, thresholds, dt, feature)
    n_states = zones.shape[0] + 1
    out = [[] for _ in range(n_states)]
    for row in x:
        entries, states = _episodes(row, zones)
        # Drop the first (censored) visit; the last has no exit, so no duration.
        durations = np.diff(entries)[1:]
        visited = states[1:-1]
        for i in range(n_states):
            out[i].append(durations[visited == i])
    return [dt * np.concatenate(parts).astype(np.float64) for parts in out]


def mean_residence_times(X, thresholds, *, dt=1.0, feature=None, method="complete"):
    """Mean residence time in each metastable state.

    ``method="complete"`` averages the completed visits of
    :func:`residence_times`. Leaving out the censored first and last visit
    of each trajectory biases this mean low when visits are not short
    compared with the trajectories (long visits are the likeliest to be cut).
    ``method="rate"`` divides the total time spent in the state, censored
    visits included, by the number of exits from it: the maximum-likelihood
    mean of exponentially distributed residence times under censoring,
    defined as soon as the state was left once, so it suits short
    trajectories such as cross-validation segments.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features)
        Trajectory set; 2-D: one trajectory; 1-D: one scalar series.
    thresholds : float, (lower, upper) or array-like of shape (n_states - 1, 2)
        Transition zones, see :func:`residence_times`.
    dt : float, default=1.0
        Sampling interval.
    feature : int or None, default=None
        Column holding the observable.
    method : {"complete", "rate"}, default="complete"
        Estimator (see above).

    Returns
    -------
    means : ndarray of shape (n_states,)
        Mean residence times; NaN for a state with no completed visit
        (``"complete"``) or never left (``"rate"``).

    See Also
    --------
    residence_times

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import mean_residence_times
    >>> x = np.repeat([-1.0, 1.0, -1.0, 1.0, -1.0], [5, 3, 4, 2, 6])
    >>> mean_residence_times(x, 0.0)
    array([4. , 2.5])
    >>> mean_residence_times(x, 0.0, method="rate")  # (5 + 4 + 5) / 2 exits
    array([7. , 2.5])
    """
    check_option(method, "method", ("complete", "rate"))
    if method == "complete":
        times = residence_times(X, thresholds, dt=dt, feature=feature)
        return np.array([t.mean() if t.size else np.nan for t in times])
    x, zones, dt = _prepare(X, thresholds, dt, feature)
    n_states = zones.shape[0] + 1
    spent = np.zeros(n_states)
    exits = np.zeros(n_states)
    for row in x:
        entries, states = _episodes(row, zones)
        if entries.size == 0:
            continue
        # n_steps samples span n_steps - 1 intervals; the last visit runs
        # to the last sample.
        ends = np.append(entries[1:], row.size - 1)
        np.add.at(spent, states, ends - entries)
        np.add.at(exits, states[:-1], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(exits > 0, dt * spent / np.maximum(exits, 1), np.nan)


def transition_counts(X, thresholds, *, feature=None):
    """Number of transitions between each pair of metastable states.

    A transition from ``i`` to ``j`` is counted when a path that last
    visited core ``i`` enters core ``j`` (see :func:`residence_times`); it
    may skip intermediate states' cores only if it never enters them.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features)
        Trajectory set; 2-D: one trajectory; 1-D: one scalar series.
    thresholds : float, (lower, upper) or array-like of shape (n_states - 1, 2)
        Transition zones, see :func:`residence_times`.
    feature : int or None, default=None
        Column holding the observable.

    Returns
    -------
    counts : ndarray of shape (n_states, n_states), dtype int
        ``counts[i, j]`` transitions from state ``i`` to ``j``; zero diagonal.

    See Also
    --------
    residence_times

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import transition_counts
    >>> x = np.array([-1, 0.2, -1, 1, 0.1, 1, -1.0])
    >>> transition_counts(x, (-0.5, 0.5))
    array([[0, 1],
           [1, 0]])
    """
    x, zones, _ = _prepare(X, thresholds, 1.0, feature)
    n_states = zones.shape[0] + 1
    counts = np.zeros((n_states, n_states), dtype=np.int64)
    for row in x:
        _, states = _episodes(row, zones)
        np.add.at(counts, (states[:-1], states[1:]), 1)
    return counts


def residence_time_error(
    X_true, X_model, thresholds, *, dt=1.0, feature=None, method="complete"
):
    """Largest relative error of the mean residence times over the states.

    ``max_i |tau_model_i - tau_true_i| / tau_true_i`` with
    :func:`mean_residence_times`. A state whose model mean is undefined
    (never completed a visit, or never left with ``method="rate"``) gives
    ``inf``.

    Parameters
    ----------
    X_true, X_model : array-like of shape (n_trajectories, n_steps, n_features)
        Reference and model data (2-D: one trajectory; 1-D: one scalar
        series).
    thresholds : float, (lower, upper) or array-like of shape (n_states - 1, 2)
        Transition zones, see :func:`residence_times`.
    dt : float, default=1.0
        Sampling interval (it cancels in the ratio unless the sets differ).
    feature : int or None, default=None
        Column holding the observable.
    method : {"complete", "rate"}, default="complete"
        Mean residence time estimator, see :func:`mean_residence_times`.

    Returns
    -------
    error : float
        Non-negative; lower is better (``greater_is_better=False`` for
        :func:`sklearn.metrics.make_scorer`).

    Raises
    ------
    ValueError
        If ``X_true`` has no completed visit to some state (its mean
        residence time is unknown, so nothing can be compared).

    See Also
    --------
    mean_residence_times

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import residence_time_error
    >>> x = np.repeat([-1.0, 1.0, -1.0, 1.0, -1.0], [5, 4, 4, 4, 6])
    >>> y = np.repeat([-1.0, 1.0, -1.0, 1.0, -1.0], [5, 4, 6, 4, 6])
    >>> residence_time_error(x, y, 0.0)
    0.5
    """
    true = mean_residence_times(
        X_true, thresholds, dt=dt, feature=feature, method=method
    )
    missing = np.flatnonzero(np.isnan(true))
    if missing.size:
        raise ValueError(
            f"X_true has no completed visit to state(s) {missing.tolist()}; its "
            "mean residence times are undefined. Use longer trajectories or other "
            "thresholds."
        )
    model = mean_residence_times(
        X_model, thresholds, dt=dt, feature=feature, method=method
    )
    if np.any(np.isnan(model)):
        return float("inf")
    return float(np.max(np.abs(model - true) / true))
