"""Transitions between metastable wells and the skill of forecasting them.

Used to judge :meth:`HybridLangevinROM.forecast` as Del Felice & Giorgini
(2025) do: for every observed transition, start a forecast ``lead`` steps
before the slow variable crosses the barrier and ask whether it ends in the
right well shortly after the crossing.
"""

import numpy as np

__all__ = ["transition_events", "transition_forecast_skill"]


def transition_events(X, thresholds=(-0.5, 0.5), *, settle=30, min_history=0):
    """Barrier crossings of a scalar slow variable that end in the other well.

    A transition is an entry into the core of a well (``x < thresholds[0]``
    or ``x > thresholds[1]``) coming from the other core; its time is the
    last zero crossing (the midpoint of the thresholds) before that entry.
    Only crossings that are still in the new well ``settle`` steps later and
    that have ``min_history`` steps of data before them are kept.

    Parameters
    ----------
    X : ndarray of shape (n_trajectories, n_steps, 1)
    thresholds : (float, float), default=(-0.5, 0.5)
    settle : int, default=30
        Steps after the crossing at which the new well is verified.
    min_history : int, default=0

    Returns
    -------
    events : ndarray of shape (n_events, 3), int
        Rows ``(trajectory, crossing step, sign of the new well)`` with the
        sign relative to the barrier's midpoint (+1 upper, -1 lower).
    """
    lo, hi = float(thresholds[0]), float(thresholds[1])
    mid = 0.5 * (lo + hi)
    events = []
    for i, x in enumerate(X[..., 0]):
        label = np.where(x > hi, 1, np.where(x < lo, -1, 0))
        entries = np.flatnonzero(label != 0)
        state = 0
        for t in entries:
            if label[t] == state:
                continue
            if state != 0:
                new = int(label[t])
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


def transition_forecast_skill(
    X, events, leads, forecast_end, *, settle=30, midpoint=0.0
):
    """Fraction of transitions whose new well is forecast, for each lead.

    Parameters
    ----------
    X : ndarray of shape (n_trajectories, n_steps, 1)
    events : ndarray of shape (n_events, 3)
        From :func:`transition_events` (with the same ``settle``).
    leads : sequence of int
        Steps between the forecast's start and the crossing.
    forecast_end : callable
        ``forecast_end(i, t0, n_steps, event_index)`` returns the forecast
        state(s) ``n_steps`` after step ``t0`` of trajectory ``i`` (a value
        or an array of ensemble members, whose majority is taken), using
        data up to and including ``t0`` only.
    settle : int, default=30
    midpoint : float, default=0.0

    Returns
    -------
    skill : ndarray of shape (len(leads),)
    """
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
