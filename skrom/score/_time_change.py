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

__all__ = ["match_time_scale", "apply_time_change"]

N_PASSES = 3


def _decorrelation(X, dt, max_lag):
    from ..metrics import decorrelation_time

    return decorrelation_time(X, dt=dt, method="integral", max_lag=max_lag)


def match_time_scale(simulate, X, dt, *, who, n_passes=N_PASSES):
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

    Returns
    -------
    k : float
    """
    max_lag = max(X.shape[1] // 2, 1)
    tau_data = _decorrelation(X, dt, max_lag)
    if not np.all(np.isfinite(tau_data) & (tau_data > 0)):
        raise ValueError(
            f"{who}: diffusion='acf' needs data whose autocorrelation has a "
            f"positive, finite integral; got decorrelation times {tau_data}."
        )
    k = 1.0
    for _ in range(n_passes):
        tau_model = _decorrelation(simulate(k), dt, max_lag)
        if not np.all(np.isfinite(tau_model) & (tau_model > 0)):
            raise ValueError(
                f"{who}: diffusion='acf' could not measure the model's "
                f"decorrelation time (got {tau_model}); the data may be too "
                "short for it."
            )
        k *= float(np.exp(np.mean(np.log(tau_model / tau_data))))
    return k


def apply_time_change(model, X, seed, *, sim_steps, n_passes=N_PASSES, columns=None):
    """Scale a model's ``Phi`` by ``k`` and ``Sigma`` by ``sqrt(k)`` to match ``X``.

    ``model`` has ``drift_matrix_``, ``diffusion_matrix_``, ``dt`` and
    ``sample(n_steps, x0=, n_paths=, random_state=)``. It is simulated from
    the data's initial states in copies of the data's length, at least
    ``sim_steps`` steps in all, so that the model's ACF integral is sharper
    than the data's; ``k`` is stored as ``model.time_change_`` and returned.
    Only ``columns`` (default: all) are compared: known clock features keep
    their time scale whatever ``k``.
    """
    columns = np.arange(X.shape[2]) if columns is None else columns
    sigma, phi = model.diffusion_matrix_, model.drift_matrix_
    n_steps = X.shape[1]
    x0 = np.tile(X[:, 0], (-(-sim_steps // X[..., 0].size), 1))

    def scale(k):
        model.diffusion_matrix_ = np.sqrt(k) * sigma
        model.drift_matrix_ = k * phi

    def simulate(k):
        scale(k)
        return model.sample(n_steps, x0=x0, n_paths=x0.shape[0],
                            random_state=seed)[..., columns]

    k = match_time_scale(simulate, X[..., columns], float(model.dt),
                         who=type(model).__name__,
                         n_passes=n_passes)
    scale(k)
    model.time_change_ = k
    return k
