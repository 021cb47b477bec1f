"""Input checks shared by every skrom estimator and simulator.

Every check returns a fresh array (never a view of the caller's data), so no
estimator can mutate what it was given.
"""

import numbers

import numpy as np
from scipy.sparse import issparse

__all__ = [
    "check_trajectories",
    "check_real_array",
    "check_positive_float",
    "check_int",
    "check_option",
    "check_finite_result",
    "check_member_status",
    "SimulationBlowUpError",
]


class SimulationBlowUpError(FloatingPointError, ValueError):
    """A simulation produced NaN/inf or left its stated bound.

    Raised with the step and the ensemble member at which it happened.
    """


def _who(estimator):
    return f"{type(estimator).__name__}: " if estimator is not None else ""


def check_real_array(X, *, name="X", estimator=None):
    """Return ``X`` as a float64 copy, refusing sparse, complex and non-numeric data.

    An object array of numbers is converted, as scikit-learn's ``check_array``
    converts it. The messages keep the phrases that scikit-learn's estimator
    checks look for ("sparse", "Complex data not supported", numpy's own
    "argument must be a string or a real number").

    Parameters
    ----------
    X : array-like
        Any shape.
    name : str, default="X"
        Name used in error messages.
    estimator : object, optional
        Named in error messages.

    Returns
    -------
    X : ndarray of float64, a copy
    """
    who = _who(estimator)
    if issparse(X):
        raise TypeError(
            f"{who}{name} is a sparse matrix; sparse input is not supported. Pass a "
            f"dense array ({name}.toarray())."
        )
    try:
        arr = np.asarray(X)  # no copy yet where X is an array already
        # checked before the cast, which would silently drop the imaginary part
        if not np.iscomplexobj(arr):
            return arr.astype(np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{who}{name} must be a numeric array-like, got {type(X).__name__}: {exc}"
        ) from exc
    raise ValueError(f"{who}Complex data not supported in {name}; pass real values.")


def check_trajectories(
    X,
    *,
    min_steps=2,
    name="X",
    n_features=None,
    allow_nan=False,
    estimator=None,
    needed_for=None,
):
    """Validate a trajectory set and return it as a float64 3-D copy.

    The one validator of every estimator's data: besides the shape it refuses
    sparse, complex and non-numeric input (see :func:`check_real_array`), and
    its messages for empty data and a wrong feature count are worded as
    scikit-learn words them, so estimators pass ``check_estimator``.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features) or (n_steps, n_features)
        A 2-D array is read as a single trajectory.
    min_steps : int, default=2
        Fewest time steps each trajectory must have.
    name : str, default="X"
        Name used in error messages.
    n_features : int or None
        If given, the number of features the array must have (the number the
        fitted estimator saw).
    allow_nan : bool, default=False
        Whether NaN/inf are accepted.
    estimator : object, optional
        Named in error messages.
    needed_for : str, optional
        What the ``min_steps`` steps are needed for, completing the message
        "at least {min_steps} are needed for ...".

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_steps, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from skrom._validation import check_trajectories
    >>> check_trajectories(np.zeros((5, 2))).shape
    (1, 5, 2)
    >>> check_trajectories(np.zeros((5, 2)), n_features=3)
    Traceback (most recent call last):
        ...
    ValueError: X has 2 features, but 3 features are expected as input.
    """
    who = _who(estimator)
    arr = check_real_array(X, name=name, estimator=estimator)
    if arr.ndim == 1:
        raise ValueError(
            f"{who}{name} is 1-D with shape {arr.shape}. Reshape your data: a "
            "trajectory set has shape (n_trajectories, n_steps, n_features); use "
            f"{name}.reshape(1, -1, 1) (or {name}.reshape(-1, 1)) for one scalar "
            f"series, or {name}.reshape(1, -1) for one state of n_features values."
        )
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"{who}{name} must be 2-D (n_steps, n_features) or 3-D "
            f"(n_trajectories, n_steps, n_features); got {arr.ndim}-D with shape "
            f"{arr.shape}."
        )
    if arr.shape[-1] == 0:
        # scikit-learn's wording, with the shape as given
        raise ValueError(
            f"{who}{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 "
            "is required."
        )
    if arr.ndim == 2:
        arr = arr[None, :, :]
    if arr.shape[0] == 0:
        raise ValueError(
            f"{who}{name} has 0 trajectories (shape={arr.shape}) while a minimum of 1 "
            "is required."
        )
    if n_features is not None and arr.shape[2] != n_features:
        # scikit-learn's wording, which its estimator checks match
        expected = (
            f"{type(estimator).__name__} is expecting {n_features} features"
            if estimator is not None
            else f"{n_features} features are expected"
        )
        raise ValueError(
            f"{name} has {arr.shape[2]} features, but {expected} as input."
        )
    if arr.shape[1] < min_steps:
        reason = f" for {needed_for}" if needed_for else ""
        # "n_samples": a 2-D array's rows are its time steps, in sklearn's terms
        raise ValueError(
            f"{who}{name} has trajectories of {arr.shape[1]} steps; at least "
            f"{min_steps} are needed{reason} (n_samples = {arr.shape[1]} per "
            "trajectory)."
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


def _blow_up_message(what, bound, step, member):
    reason = "NaN/inf" if bound is None else f"NaN/inf or |x| > {bound:g}"
    return f"{what} blew up ({reason}) at step {step} of {member}."


def check_member_status(statuses, *, what, bound=None, member_name=None):
    """Raise :class:`SimulationBlowUpError` for the first member that blew up.

    The one place where the error of a simulation kernel that reports per
    member is raised.

    Parameters
    ----------
    statuses : sequence of int
        Per member, the step at which its path blew up, or a negative value
        if it did not.
    what : str
        The simulation, e.g. ``"LangevinROM simulation"``.
    bound : float or None
        The bound on ``|x|`` the kernel applied, if any.
    member_name : callable or None
        ``member_name(index) -> str`` names a member; None: ``"member {index}"``.
    """
    for member, status in enumerate(statuses):
        if status >= 0:
            name = f"member {member}" if member_name is None else member_name(member)
            raise SimulationBlowUpError(
                _blow_up_message(what, bound, int(status), name)
            )


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
        raise SimulationBlowUpError(
            _blow_up_message(what, bound, step, f"member {member}")
        )
    return paths
