"""Match a model's decorrelation time to the data's by a change of time.

For a Langevin model ``dx = Phi s(x) dt + Sigma sqrt(2) dW`` the substitution
``Phi -> k Phi`` (``Sigma -> sqrt(k) Sigma``) is the same process run ``k``
times faster: the invariant density is untouched and every time scale is
divided by ``k``. Choosing ``k`` so that the model's autocorrelation has the
data's integral fixes the time scales that a short-time estimate of ``Sigma``
gets wrong when the data are driven by a correlated (chaotic) forcing instead
of white noise. The ACF integral stops at the first zero of the ACF, which
moves with ``k``, so the ratio is refined by a few fixed-point passes.
"""

import numpy as np

__all__ = ["match_time_scale", "time_change_factor", "check_time_change"]

N_PASSES = 3
# bounds of the secant slope d log(time scale) / d log(1 / k): time scales
# that hardly move with k would otherwise send k far off on sampling noise
_MIN_SLOPE, _MAX_SLOPE = 0.25, 2.0


def _decorrelation(X, dt, max_lag):
    from ..metrics import decorrelation_time

    return decorrelation_time(X, dt=dt, method="integral", max_lag=max_lag)


def _residence(X, dt, thresholds):
    from ..metrics import transition_counts

    # pooled over the states (time per transition): a rarely visited state
    # has few visits in a run as long as the data, and its own mean would
    # set k on sampling noise
    n = transition_counts(X, thresholds, feature=0).sum()
    return np.array([dt * (X.shape[1] - 1) * X.shape[0] / n if n else np.nan])


def match_time_scale(simulate, X, dt, *, who, n_passes=N_PASSES, thresholds=None):
    """Factor ``k`` that makes ``simulate(k)`` decorrelate as ``X`` does.

    Parameters
    ----------
    simulate : callable
        ``simulate(k)`` returns trajectories of the model with time scales
        divided by ``k``, of the same shape as ``X``.
    X : ndarray of shape (n_trajectories, n_steps, n_features)
        The data.
    dt : float
        Sampling interval.
    who : str
        Estimator name for the error messages.
    n_passes : int
        Fixed-point passes.
    thresholds : None or array-like
        None: match the ACF integral of every column. Otherwise transition
        zones of the first column (see :func:`skrom.metrics.residence_times`):
        match the mean time per transition between the states they define.

    Returns
    -------
    k : float
    """
    if thresholds is None:
        max_lag = max(X.shape[1] // 2, 1)

        def timescale(Y):
            return _decorrelation(Y, dt, max_lag)

        what, option = "decorrelation times", "'acf'"
    else:

        def timescale(Y):
            return _residence(Y, dt, thresholds)

        what, option = "mean residence times", "'residence'"
    tau_data = timescale(X)
    if not np.all(np.isfinite(tau_data) & (tau_data > 0)):
        hint = (
            "autocorrelation with a positive, finite integral"
            if thresholds is None
            else f"transitions out of every state of thresholds={thresholds!r}"
        )
        raise ValueError(
            f"{who}: diffusion={option} needs data with an {hint}; got {what} "
            f"{tau_data}."
        )
    log_k, slope, last = 0.0, 1.0, None
    for _ in range(n_passes):
        tau_model = timescale(simulate(float(np.exp(log_k))))
        if not np.all(np.isfinite(tau_model) & (tau_model > 0)):
            raise ValueError(
                f"{who}: diffusion={option} could not measure the model's "
                f"{what} (got {tau_model}); the data may be too short for it, "
                "or the model never leaves a state."
            )
        gap = float(np.mean(np.log(tau_model / tau_data)))
        if thresholds is not None and last is not None and log_k != last[0]:
            # a pure change of time has slope 1; a clock that paces the
            # hopping (stochastic resonance) flattens it, and the plain
            # fixed point would then stop short. Not for the ACF integral:
            # a clocked model's is nearly flat in k (tristable: 0.15), and
            # matching it exactly drives k far off (7 instead of 2.6, the
            # hopping 2.5 times too fast)
            slope = float(
                np.clip((last[1] - gap) / (log_k - last[0]), _MIN_SLOPE, _MAX_SLOPE)
            )
        last = (log_k, gap)
        log_k += gap / slope
    return float(np.exp(log_k))


def time_change_factor(
    run,
    X,
    dt,
    *,
    who,
    option,
    sim_steps,
    n_passes=N_PASSES,
    columns=None,
    thresholds=None,
    first_sim_steps=None,
):
    """Factor ``k`` by which a model's ``Phi`` (``Sigma`` by ``sqrt(k)``) is scaled.

    A pure function: ``run(k, n_steps, x0)`` returns paths of the model with
    ``Phi`` scaled by ``k`` and ``Sigma`` by ``sqrt(k)`` from the starts
    ``x0`` (shape ``(n_paths, n_features)``), without changing the model
    (typically a scaled copy of its kernel bundle, run by the function its
    ``sample`` uses). The model is run from the data's initial states in
    copies of the data's length, at least ``sim_steps`` steps in all, so that
    its ACF integral is sharper than the data's. Only ``columns`` (default:
    all) are compared: known clock features keep their time scale whatever
    ``k``. With ``thresholds`` the mean time per transition between the
    states of the first of ``columns`` is matched instead of the ACF
    integrals (see :func:`match_time_scale`).

    ``first_sim_steps`` (default: ``sim_steps``) shortens the first pass:
    it only seeds the fixed point, so its estimate may be rougher. Its
    starts are the first of the later passes' (same seeds, for a runner
    that seeds path ``i`` by its index).

    Raises
    ------
    SimulationBlowUpError, ValueError
        A run blew up or a time scale could not be measured; raised again
        with a message that names the calibration of ``diffusion=option``
        and what to change, the original chained.
    """
    from .._validation import SimulationBlowUpError

    columns = np.arange(X.shape[2]) if columns is None else columns
    x0 = np.tile(X[:, 0], (-(-sim_steps // X[..., 0].size), 1))
    n_first = x0.shape[0]
    if first_sim_steps is not None:
        n_first = min(n_first, -(-first_sim_steps // X.shape[1]))
    passes = []

    def simulate(k):
        starts = x0 if passes else x0[:n_first]
        passes.append(k)
        return run(k, X.shape[1], starts)[..., columns]

    try:
        return match_time_scale(
            simulate,
            X[..., columns],
            dt,
            who=who,
            n_passes=n_passes,
            thresholds=thresholds,
        )
    except (SimulationBlowUpError, ValueError) as exc:
        kind = (
            SimulationBlowUpError
            if isinstance(exc, SimulationBlowUpError)
            else ValueError
        )
        raise kind(
            f"{who}.fit: the time-scale calibration of diffusion={option!r} "
            f"failed, while simulating the model to match its time scale to the "
            f"data's: {exc} Fit with diffusion='estimated' (no calibration), a "
            "smaller integration step (dt), or longer or more strongly "
            "correlated data."
        ) from exc


def check_time_change(diffusion, state_thresholds, other_options):
    """Validate a ``diffusion`` option and the thresholds that ``"residence"`` needs.

    Parameters
    ----------
    diffusion : str or array-like
        The estimator's ``diffusion``; arrays pass unchecked here.
    state_thresholds : None or array-like
        The estimator's ``state_thresholds``.
    other_options : tuple of str
        The string options besides ``"acf"`` and ``"residence"``.

    Returns
    -------
    thresholds : ndarray of shape (n_states - 1, 2) or None
        The checked zones when ``diffusion="residence"``, else None.
    """
    from ..metrics._states import check_thresholds

    options = other_options + ("acf", "residence")
    if isinstance(diffusion, str) and diffusion not in options:
        names = ", ".join(repr(o) for o in options)
        raise ValueError(
            f"diffusion must be one of {names} or an array, got {diffusion!r}."
        )
    if not (isinstance(diffusion, str) and diffusion == "residence"):
        return None
    if state_thresholds is None:
        raise ValueError(
            "diffusion='residence' matches the mean residence times in the states "
            "of state_thresholds, which is None; pass the transition zones, e.g. "
            "state_thresholds=(-0.5, 0.5) for two wells."
        )
    return check_thresholds(state_thresholds)
