"""Transitions between two metastable wells and the skill of forecasting them.

The protocol of Del Felice & Giorgini (2025): find every observed barrier
crossing that ends in the other well, start a forecast ``lead`` steps before
it, and ask whether the forecast ends in the right well shortly after the
crossing.
"""

import numbers

import numpy as np

from .._validation import check_int
from ._inputs import as_trajectories, require_scalar
from ._states import check_thresholds

__all__ = ["transition_events", "transition_forecast_skill"]


def _two_well_zone(thresholds):
    zones = check_thresholds(thresholds)
    if zones.shape[0] != 1:
        raise ValueError(
            "transition events are defined between two wells: thresholds must be "
            f"one zone (lower, upper) or a number; got {zones.shape[0]} zones."
        )
    return float(zones[0, 0]), float(zones[0, 1])


def transition_events(
    X, thresholds=(-0.5, 0.5), *, settle=30, min_history=0, feature=None
):
    """Barrier crossings of a scalar slow variable that end in the other well.

    A transition is an entry into the core of one well (``x < lower`` or
    ``x > upper``) coming from the core of the other; its step is that of
    the last crossing of the midpoint ``(lower + upper) / 2`` before the
    entry. A crossing is kept only if the path is still on the new side
    ``settle`` steps later and has ``min_history`` steps of data before it.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features)
        Trajectory set; 2-D: one trajectory; 1-D: one scalar series.
    thresholds : float or (lower, upper), default=(-0.5, 0.5)
        The transition zone between the two wells (a number ``t`` is the
        zone ``(t, t)``).
    settle : int, default=30
        Steps after the crossing at which the new well is checked; pass the
        same value to :func:`transition_forecast_skill`.
    min_history : int, default=0
        Data steps needed before a crossing, e.g. the longest forecast lead
        plus the history a forecast model conditions on.
    feature : int or None, default=None
        Column holding the observable; None requires one feature.

    Returns
    -------
    events : ndarray of shape (n_events, 3), dtype int64
        Rows ``(trajectory, crossing step, new well)``, the crossing step
        being the first step on the new side of the midpoint and the new
        well ``+1`` (upper) or ``-1`` (lower); ordered by trajectory, then
        time.

    See Also
    --------
    transition_forecast_skill : Skill of forecasts of these events.
    transition_counts : Transition counts between any number of states.

    References
    ----------
    G. Del Felice and L. T. Giorgini, "Integrating score-based generative
    modeling and neural ODEs for accurate representation of multiscale
    chaotic dynamics", arXiv:2511.03862 (2025).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import transition_events
    >>> x = np.repeat([-1.0, 1.0, -1.0], [100, 100, 100])
    >>> transition_events(x, (-0.5, 0.5), settle=30)
    array([[  0, 100,   1],
           [  0, 200,  -1]])
    """
    x_all = require_scalar(as_trajectories(X, "X"), feature, "X")
    lo, hi = _two_well_zone(thresholds)
    settle = check_int(settle, "settle", min_value=0)
    min_history = check_int(min_history, "min_history", min_value=0)
    mid = 0.5 * (lo + hi)
    events = []
    for i, x in enumerate(x_all):
        label = np.where(x > hi, 1, np.where(x < lo, -1, 0))
        state = 0
        for t in np.flatnonzero(label != 0):
            if label[t] == state:
                continue
            if state != 0:
                new = int(label[t])
                # walk back to the midpoint crossing that led into this core
                tc = t
                while tc > 0 and np.sign(x[tc - 1] - mid) == new:
                    tc -= 1
                if (
                    tc >= min_history
                    and tc + settle < len(x)
                    and np.sign(x[tc + settle] - mid) == new
                ):
                    events.append((i, tc, new))
            state = label[t]
    return np.array(events, dtype=np.int64).reshape(-1, 3)


def _check_events(events, n_trajectories, n_steps, settle):
    arr = np.asarray(events)
    if arr.size == 0:
        return np.empty((0, 3), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 3 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            "events must be an integer array of shape (n_events, 3) as returned by "
            f"transition_events; got shape {arr.shape} and dtype {arr.dtype}."
        )
    bad = (
        (arr[:, 0] < 0)
        | (arr[:, 0] >= n_trajectories)
        | (arr[:, 1] + settle >= n_steps)
        | ~np.isin(arr[:, 2], (-1, 1))
    )
    if np.any(bad):
        e = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"event {e} {arr[e].tolist()} does not fit X of {n_trajectories} "
            f"trajectories and {n_steps} steps with settle={settle} (or its well "
            "is not +1 or -1); pass the events found on this X."
        )
    return arr.astype(np.int64)


def transition_forecast_skill(
    X, events, leads, forecast_end, *, settle=30, midpoint=0.0
):
    """Fraction of transitions whose new well is forecast, for each lead.

    For every event ``(i, tc, new)`` and lead ``L`` the forecast starts at
    step ``t0 = tc - L`` of trajectory ``i`` and runs ``L + settle`` steps,
    to the step where :func:`transition_events` checked the new well. It is
    a hit when the forecast ends on the side ``new`` of ``midpoint``; an
    ensemble forecast votes (each member counts by its side), and a tie
    counts as the lower well, as in :func:`forecast_sign_skill`.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features)
        The trajectory set the events were found on; used to check that every
        forecast starts within the data (``tc - L >= 0``).
    events : ndarray of shape (n_events, 3)
        From :func:`transition_events` on ``X`` with the same ``settle``.
    leads : sequence of int
        Steps between the start of the forecast and the crossing, each
        ``>= 0`` and at most the crossing step of every event (choose
        ``min_history`` in :func:`transition_events` accordingly).
    forecast_end : callable
        ``forecast_end(i, t0, n_steps, event_index)`` returns the forecast
        state ``n_steps`` steps after step ``t0`` of trajectory ``i`` (a
        number, or an array of ensemble members), using data up to and
        including step ``t0`` only; ``event_index`` can seed its random
        draws.
    settle : int, default=30
        As in :func:`transition_events`.
    midpoint : float, default=0.0
        Boundary between the wells, the midpoint of the thresholds given to
        :func:`transition_events`.

    Returns
    -------
    skill : ndarray of shape (n_leads,)
        Fraction in [0, 1] of events forecast in the right well (0 when
        there is no event); higher is better.

    See Also
    --------
    transition_events : The events.
    forecast_sign_skill : Well skill of forecasts from arbitrary starts.

    References
    ----------
    G. Del Felice and L. T. Giorgini, arXiv:2511.03862 (2025).

    Examples
    --------
    A forecast that always says "upper well" is right for the first of two
    transitions:

    >>> import numpy as np
    >>> from skrom.metrics import transition_events, transition_forecast_skill
    >>> x = np.repeat([-1.0, 1.0, -1.0], [100, 100, 100])
    >>> events = transition_events(x, settle=30)
    >>> transition_forecast_skill(x, events, [5, 10], lambda i, t0, n, e: 1.0)
    array([0.5, 0.5])
    """
    X = as_trajectories(X, "X")
    settle = check_int(settle, "settle", min_value=0)
    events = _check_events(events, X.shape[0], X.shape[1], settle)
    leads = [check_int(lead, "lead", min_value=0) for lead in np.atleast_1d(leads)]
    if not callable(forecast_end):
        raise TypeError(
            "forecast_end must be a callable forecast_end(i, t0, n_steps, "
            f"event_index); got {type(forecast_end).__name__}."
        )
    if not isinstance(midpoint, numbers.Real) or not np.isfinite(midpoint):
        raise ValueError(f"midpoint must be a finite number, got {midpoint!r}.")
    if events.shape[0] and leads and max(leads) > events[:, 1].min():
        raise ValueError(
            f"lead {max(leads)} starts before the data for the event at step "
            f"{int(events[:, 1].min())}; drop shorter-history events with "
            "transition_events(..., min_history=max(leads)) or shorten the leads."
        )
    skill = np.zeros(len(leads))
    for a, lead in enumerate(leads):
        hits = 0
        for e, (i, tc, new) in enumerate(events):
            end = np.atleast_1d(
                forecast_end(int(i), int(tc - lead), int(lead + settle), e)
            )
            vote = np.sum(np.sign(end - midpoint))
            hits += (1 if vote > 0 else -1) == new
        skill[a] = hits / max(len(events), 1)
    return skill
