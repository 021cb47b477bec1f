"""Validation of known inputs ``U``: forcing, controls and parameters.

The one convention every estimator that takes inputs follows (see the user
guide page "Inputs"):

- ``fit(X, y=None, U=None)``: ``U`` of shape ``(n_trajectories, n_steps,
  n_inputs)``, the value of every input at every observation of ``X`` (a
  per-trajectory parameter is a column constant in time); with a 2-D ``X``
  (one trajectory) a 2-D ``U`` of shape ``(n_steps, n_inputs)``.
- ``sample(n_steps, x0=None, n_paths=1, random_state=None, U=None)``: the
  future inputs at the ``n_steps`` points of the paths, as an array of shape
  ``(n_steps, n_inputs)`` shared by every path or ``(n_paths, n_steps,
  n_inputs)``, or a callable ``U(t)`` of the time since ``x0`` returning
  ``(n_inputs,)`` or ``(n_paths, n_inputs)``.
- A model fitted with inputs needs them wherever it is used; one fitted
  without refuses them. ``n_inputs_in_`` is 0 for a model fitted without.

Because ``U``'s first axis is the trajectories', scikit-learn's metadata
routing (``set_fit_request(U=True)``) splits it with ``X`` in cross-validation.
"""

import numpy as np

from ._validation import _who, check_real_array

__all__ = ["check_fit_inputs", "check_sample_inputs", "check_inputs_presence"]


def _check_finite(U, name, estimator):
    if not np.all(np.isfinite(U)):
        where = ", ".join(str(int(i)) for i in np.argwhere(~np.isfinite(U))[0])
        raise ValueError(
            f"{_who(estimator)}{name} contains NaN or infinity at [{where}]."
        )


def check_inputs_presence(U, n_inputs, estimator):
    """Refuse inputs to a model fitted without, and their absence to one with.

    Parameters
    ----------
    U : object or None
        What the caller passed.
    n_inputs : int
        ``n_inputs_in_`` of the fitted model.
    estimator : object
        Named in the messages.
    """
    who = _who(estimator)
    if n_inputs == 0 and U is not None:
        raise ValueError(
            f"{who}inputs U were given, but the model was fitted without inputs; "
            "fit it with fit(X, U=...) to condition it on them, or leave U out."
        )
    if n_inputs > 0 and U is None:
        raise ValueError(
            f"{who}the model was fitted with {n_inputs} input(s) and needs their "
            "values here: pass U=..."
        )


def check_fit_inputs(U, X_shape, *, estimator=None, n_inputs=None, name="U"):
    """Validate training (or scoring) inputs aligned with a trajectory set.

    Parameters
    ----------
    U : array-like or None
        ``(n_trajectories, n_steps, n_inputs)``; ``(n_steps, n_inputs)`` for a
        single trajectory.
    X_shape : tuple
        Shape of the validated 3-D trajectory set ``X``.
    estimator : object, optional
        Named in the messages.
    n_inputs : int or None
        Inputs the fitted model takes (None at fit time: any number).
    name : str, default="U"

    Returns
    -------
    U : ndarray of shape (n_trajectories, n_steps, n_inputs), float64 copy, or None
    """
    if n_inputs is not None:
        check_inputs_presence(U, n_inputs, estimator)
    if U is None:
        return None
    who = _who(estimator)
    arr = check_real_array(U, name=name, estimator=estimator)
    n_traj, n_steps = X_shape[:2]
    if arr.ndim == 2 and n_traj == 1:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[:2] != (n_traj, n_steps) or arr.shape[2] == 0:
        raise ValueError(
            f"{who}{name} must have shape (n_trajectories, n_steps, n_inputs) = "
            f"({n_traj}, {n_steps}, n_inputs), one value of every input at every "
            f"observation of X (a parameter is a column constant in time); got "
            f"shape {arr.shape}."
        )
    if n_inputs is not None and arr.shape[2] != n_inputs:
        raise ValueError(
            f"{who}{name} has {arr.shape[2]} input(s), but the model was fitted "
            f"with {n_inputs}."
        )
    _check_finite(arr, name, estimator)
    return arr


def check_sample_inputs(U, n_steps, n_paths, n_inputs, time_step, *, estimator=None):
    """Validate the future inputs of ``sample`` and return one array of them.

    Parameters
    ----------
    U : array-like, callable or None
        ``(n_steps, n_inputs)`` shared by every path, ``(n_paths, n_steps,
        n_inputs)``, or ``U(t)`` returning ``(n_inputs,)`` or ``(n_paths,
        n_inputs)`` at the times ``t = k * time_step`` since ``x0``.
    n_steps, n_paths, n_inputs : int
        Points per path, paths, and the inputs of the fitted model
        (0: fitted without, and ``U`` must be None).
    time_step : float
        Time between consecutive points of a path.
    estimator : object, optional

    Returns
    -------
    U : ndarray of shape (n_paths, n_steps, n_inputs) or None
        A read-only broadcast view when one input path is shared.
    """
    check_inputs_presence(U, n_inputs, estimator)
    if U is None:
        return None
    who = _who(estimator)
    if callable(U):
        values = []
        for k in range(n_steps):
            t = k * time_step
            value = check_real_array(U(t), name=f"U({t:g})", estimator=estimator)
            if value.shape not in ((n_inputs,), (n_paths, n_inputs)):
                raise ValueError(
                    f"{who}U({t:g}) must return shape ({n_inputs},) or "
                    f"(n_paths={n_paths}, {n_inputs}); got {value.shape}."
                )
            values.append(np.broadcast_to(value, (n_paths, n_inputs)))
        arr = np.stack(values, axis=1) if values else np.empty((n_paths, 0, n_inputs))
    else:
        arr = check_real_array(U, name="U", estimator=estimator)
        if arr.shape == (n_steps, n_inputs):
            arr = np.broadcast_to(arr, (n_paths, n_steps, n_inputs))
        if arr.shape != (n_paths, n_steps, n_inputs):
            raise ValueError(
                f"{who}U must hold the inputs at the n_steps={n_steps} points of the "
                f"paths: shape ({n_steps}, {n_inputs}) for every path or "
                f"(n_paths={n_paths}, {n_steps}, {n_inputs}), or be a callable of "
                f"time; got shape {arr.shape}."
            )
    _check_finite(arr, "U", estimator)
    return arr
