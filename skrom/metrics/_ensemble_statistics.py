"""Errors of the ensemble mean and standard deviation over time."""

import numpy as np
from sklearn.utils import Bunch

from ._inputs import as_trajectories, select_features

__all__ = ["mean_std_error"]


def mean_std_error(X_true, X_model, *, feature=None):
    r"""Errors of the ensemble mean and standard deviation along time.

    The statistic used to judge stochastic flow maps (Chen & Xiu, 2024):
    both ensembles usually start from the same initial condition, and at
    every time :math:`t` their mean and standard deviation over the
    ensemble members are compared. The errors are made relative to the
    truth's spread,

    .. math::
        e_\mu = \max_{t, j}
            \frac{|\mu^\mathrm{model}_{t,j} - \mu^\mathrm{true}_{t,j}|}{s_j},
        \qquad
        e_\sigma = \max_{t, j}
            \frac{|\sigma^\mathrm{model}_{t,j} - \sigma^\mathrm{true}_{t,j}|}{s_j},

    where :math:`s_j` is the root mean square over time of the truth's
    standard deviation of feature :math:`j` (a time-averaged scale instead of
    :math:`\sigma^\mathrm{true}_{t,j}` itself, which is zero at the shared
    initial condition).

    Parameters
    ----------
    X_true, X_model : array-like of shape (n_trajectories, n_steps, n_features)
        Ensembles with at least two members each, the same number of steps
        and features (numbers of members may differ). A 2-D array is one
        member and is rejected.
    feature : int, sequence of int or None, default=None
        Column(s) to compare; None compares every feature.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With keys ``mean_error`` and ``std_error`` (floats, lower is better,
        the maxima above), ``mean_error_t`` and ``std_error_t`` (ndarrays of
        shape (n_steps, n_features), the relative errors at each time), and
        ``mean_true``, ``mean_model``, ``std_true``, ``std_model`` (ndarrays
        of shape (n_steps, n_features); standard deviations with ``ddof=1``).

    Raises
    ------
    ValueError
        If an ensemble has fewer than two members, the step counts differ, or
        the truth has no spread in some feature.

    References
    ----------
    .. [1] Y. Chen and D. Xiu, "Learning stochastic dynamical system via
       flow map operator", J. Comput. Phys. 508 (2024); and arXiv 2408.14821
       (multiscale SDEs).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import mean_std_error
    >>> rng = np.random.default_rng(0)
    >>> true = rng.normal(size=(500, 10, 1))
    >>> res = mean_std_error(true, true + 0.5)  # a shift by half a standard deviation
    >>> round(res.mean_error, 1), round(res.std_error, 6)
    (0.5, 0.0)
    """
    X_true = select_features(as_trajectories(X_true, "X_true"), feature, "X_true")
    X_model = select_features(as_trajectories(X_model, "X_model"), feature, "X_model")
    for name, arr in (("X_true", X_true), ("X_model", X_model)):
        if arr.shape[0] < 2:
            raise ValueError(
                f"{name} has {arr.shape[0]} trajectory; an ensemble of at least two "
                "is needed to estimate a standard deviation."
            )
    if X_true.shape[1:] != X_model.shape[1:]:
        raise ValueError(
            f"X_true has (n_steps, n_features) = {X_true.shape[1:]} but X_model has "
            f"{X_model.shape[1:]}; they must match."
        )
    mean_true, mean_model = X_true.mean(axis=0), X_model.mean(axis=0)
    std_true, std_model = X_true.std(axis=0, ddof=1), X_model.std(axis=0, ddof=1)
    scale = np.sqrt(np.mean(std_true**2, axis=0))
    flat = np.flatnonzero(scale <= 1e-300)
    if flat.size:
        raise ValueError(
            f"X_true has no spread in feature(s) {flat.tolist()}: the relative "
            "errors are undefined."
        )
    mean_error_t = np.abs(mean_model - mean_true) / scale
    std_error_t = np.abs(std_model - std_true) / scale
    return Bunch(
        mean_error=float(mean_error_t.max()),
        std_error=float(std_error_t.max()),
        mean_error_t=mean_error_t,
        std_error_t=std_error_t,
        mean_true=mean_true,
        mean_model=mean_model,
        std_true=std_true,
        std_model=std_model,
    )
