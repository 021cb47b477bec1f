"""Metastable states of a scalar observable: cores separated by transition zones."""

import numbers

import numpy as np

__all__ = ["check_thresholds"]


def check_thresholds(thresholds):
    """Return the transition zones as an (n_states - 1, 2) array of (lower, upper).

    Accepts a number ``t`` (the zone ``(t, t)``), one zone ``(lower, upper)``,
    or an array of zones of shape (n_zones, 2); zones must be increasing and
    disjoint so that every state keeps a non-empty core.
    """
    if isinstance(thresholds, numbers.Real) and not isinstance(thresholds, bool):
        thresholds = [thresholds, thresholds]
    try:
        zones = np.array(thresholds, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"thresholds must be numbers, got {thresholds!r}.") from exc
    if zones.ndim == 1 and zones.size == 2:
        zones = zones[None, :]
    if zones.ndim != 2 or zones.shape[1] != 2 or zones.shape[0] < 1:
        raise ValueError(
            "thresholds must be a number, one transition zone (lower, upper), or "
            "an array of zones of shape (n_states - 1, 2); got shape "
            f"{np.shape(thresholds)}. For three states with boundaries a < b "
            "and no hysteresis, pass [(a, a), (b, b)]."
        )
    if not np.all(np.isfinite(zones)):
        raise ValueError("thresholds contain NaN or infinity.")
    if np.any(zones[:, 0] > zones[:, 1]) or np.any(zones[1:, 0] <= zones[:-1, 1]):
        raise ValueError(
            "thresholds must be increasing with lower <= upper in each zone and "
            "disjoint zones (every state needs a non-empty core); got "
            f"{zones.tolist()}."
        )
    return zones
