"""Input checks shared by every skrom estimator and simulator.

Every check returns a fresh array (never a view of the caller's data), so no
estimator can mutate what it was given.
"""

import numbers

import numpy as np

__all__ = [
    "check_trajectories",
    "check_positive_float",
    "check_int",
    "check_option",
    "check_finite_result",
    "SimulationBlowUpError",
]


class SimulationBlowUpError(FloatingPointError, ValueError):
    """A simulation produced NaN/inf or left its stated bound.

    Raised with the step and the ensemble member at which it happened.
    """


def check_trajectories(X, *, min_steps=2, name="X", n_features=None,
                       allow_nan=False, estimator=None):
    """Validate a trajectory set and return it as a float64 3-D copy.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features) or (n_steps, n_features)
        A 2-D array is read as a single trajectory.
    min_steps : int, default=2
        Fewest time steps each trajectory must have.
    name : str, default="X"
        Name used in error messages.
    n_features : int or None
        If given, the number of features the array must have.
    allow_nan : bool, default=False
        Whether NaN/inf are accepted.
    estimator : object, optional
        Named in error messages.

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_steps, n_features)
    """
    who = f"{type(estimator).__name__}: " if estimator is not None else ""
    if hasattr(X, "dtype") and X.dtype == object:
        raise TypeError(f"{who}{name} has dtype object; pass a numeric array.")
    try:
        arr = np.array(X, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{who}{name} must be a numeric array-like, got {type(X).__name__}: {exc}"
        ) from exc
    if arr.ndim == 1:
        raise ValueError(
            f"{who}{name} is 1-D with shape {arr.shape}. A trajectory set has shape "
            "(n_trajectories, n_steps, n_features); reshape one scalar series with "
            f"{name}.reshape(1, -1, 1), or a single trajectory with {name}.reshape(-1, 1)."
        )
    if arr.ndim == 2:
        arr = arr[None, :, :]
    if arr.ndim != 3:
        raise ValueError(
            f"{who}{name} must be 2-D (n_steps, n_features) or 3-D "
            f"(n_trajectories, n_steps, n_features); got {arr.ndim}-D with shape {arr.shape}."
        )
    if arr.shape[0] < 1 or arr.shape[2] < 1:
        raise ValueError(
            f"{who}{name} has shape {arr.shape}: it needs at least one trajectory "
            "and one feature."
        )
    if arr.shape[1] < min_steps:
        raise ValueError(
            f"{who}{name} has trajectories of {arr.shape[1]} steps; at least "
            f"{min_steps} are needed."
        )
    if n_features is not None and arr.shape[2] != n_features:
        raise ValueError(
            f"{who}{name} has {arr.shape[2]} features, but {n_features} were expected "
            "(the number seen in fit)."
        )
    if not allow_nan and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{who}{name} contains NaN or infinity (first at trajectory {bad[0]}, "
            f"step {bad[1]}, feature {bad[2]})."
        )
    return arr


def check_positive_float(value, name, *, allow_zero=False, upper=None):
    """Return ``value`` as a float after checking it is finite and positive."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value}.")
    if upper is not None and value > upper:
        raise ValueError(f"{name} must be <= {upper}, got {value}.")
    return value


def check_int(value, name, *, min_value=1, max_value=None):
    """Return ``value`` as an int after checking its type and range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    value = int(value)
    if value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}.")
    if max_value is not None and value > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {value}.")
    return value


def check_option(value, name, options):
    """Check that ``value`` is one of ``options``."""
    if value not in options:
        raise ValueError(
            f"{name} must be one of {sorted(map(str, options))}, got {value!r}."
        )
    return value


def check_finite_result(paths, *, what="simulation", bound=None, time_axis=1):
    """Raise :class:`SimulationBlowUpError` if ``paths`` holds NaN/inf or exceeds ``bound``.

    ``paths`` has shape (n_members, n_steps, ...); the error names the first
    member and step at which the run went wrong.
    """
    bad = ~np.isfinite(paths)
    if bound is not None:
        bad |= np.abs(paths) > bound
    if np.any(bad):
        idx = np.argwhere(bad)
        order = np.lexsort((idx[:, 0], idx[:, time_axis]))
        member, step = idx[order[0], 0], idx[order[0], time_axis]
        reason = "NaN/inf" if bound is None else f"NaN/inf or |value| > {bound:g}"
        raise SimulationBlowUpError(
            f"{what} blew up: {reason} at step {step} of member {member}."
        )
    return paths
