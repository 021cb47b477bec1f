"""Probabilistic scores of ensemble forecasts against lead time.

Every function takes the verifying trajectories ``y_true`` of shape
``(n_forecasts, n_leads, n_features)`` and ensemble forecasts ``y_pred`` of
shape ``(n_forecasts, n_members, n_leads, n_features)``, as
:func:`forecast_rmse` does (lead 0 is the initial condition).
"""

import numbers

import numpy as np

from .._random import as_seed_sequence
from .._validation import check_int
from ._forecast import check_forecasts, lead_times
from ._inputs import select_features

__all__ = [
    "forecast_crps",
    "interval_coverage",
    "spread_skill_ratio",
    "rank_histogram",
]


def _ensemble_forecasts(y_true, y_pred, feature, min_members, what):
    """Return y_true (F, L, d) and y_pred (F, M, L, d) with the chosen features."""
    y_true, pred = check_forecasts(y_true, y_pred)
    n_forecasts, n_members, n_leads, n_features = pred.shape
    if n_members < min_members:
        raise ValueError(
            f"{what} needs ensemble forecasts of at least {min_members} members, "
            "shaped (n_forecasts, n_members, n_leads, n_features); got "
            f"{n_members} member(s) from y_pred of shape {np.shape(y_pred)}."
        )
    y_true = select_features(y_true, feature, "y_true")
    pred = select_features(
        pred.reshape(n_forecasts * n_members, n_leads, n_features), feature, "y_pred"
    ).reshape(n_forecasts, n_members, n_leads, -1)
    return y_true, pred


def _pair_distance_sum(members):
    """``sum_i sum_j |x_i - x_j|`` over the last axis, by sorting: O(m log m).

    For sorted members ``x_(1) <= ... <= x_(m)`` the double sum equals
    ``2 sum_i (2 i - m - 1) x_(i)``.
    """
    m = members.shape[-1]
    weights = 2.0 * np.arange(1, m + 1) - m - 1.0
    return 2.0 * (np.sort(members, axis=-1) @ weights)


def ensemble_crps(truth, members, *, fair=True):
    """CRPS of the ensembles ``members[..., :]`` (last axis) at ``truth[...]``."""
    m = members.shape[-1]
    mae = np.mean(np.abs(members - truth[..., None]), axis=-1)
    norm = 2.0 * m * (m - 1) if fair else 2.0 * m * m
    return mae - _pair_distance_sum(members) / norm


def forecast_crps(y_true, y_pred, *, fair=True, dt=None, feature=None):
    r"""Continuous ranked probability score of ensemble forecasts, per lead time.

    The CRPS of a forecast distribution :math:`F` at the outcome :math:`y` is
    :math:`\int (F(x) - 1\{x \ge y\})^2 dx = E|X - y| - \tfrac12 E|X - X'|`
    with :math:`X, X'` independent draws of :math:`F` (Gneiting & Raftery,
    2007). For an ensemble :math:`x_1, \dots, x_m`:

    .. math::

        \mathrm{CRPS} = \frac1m \sum_i |x_i - y|
        - \frac{1}{2 m (m - 1)} \sum_{i, j} |x_i - x_j|
        \quad\text{(fair)},\qquad
        \frac{1}{2 m^2} \sum_{i, j} |x_i - x_j| \quad\text{(standard)}.

    The standard form is the CRPS of the empirical distribution of the
    members; it penalises small ensembles, since its expected value exceeds
    that of the distribution the members are drawn from by
    :math:`E|X - X'| / (2m)`. The fair form (Ferro, 2014) is unbiased for
    members drawn independently from :math:`F`, so ensembles of different
    sizes can be compared. The double sum is computed by sorting,
    :math:`\sum_{i,j} |x_i - x_j| = 2 \sum_i (2i - m - 1) x_{(i)}`, in
    :math:`O(m \log m)` per point. The score is averaged over forecasts and
    features.

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; lead 0 is the initial condition. 2-D: one
        forecast; 1-D: one forecast of a scalar.
    y_pred : array-like of shape (n_forecasts, n_members, n_leads, n_features)
        Ensemble forecasts; a 3-D array shaped like ``y_true`` is a point
        forecast (one member), for which the standard CRPS is the mean
        absolute error.
    fair : bool, default=True
        Use the fair (unbiased) estimator, which needs at least two members;
        False gives the standard one.
    dt : float or None, default=None
        Sampling interval; None gives lead times in steps.
    feature : int, sequence of int or None, default=None
        Column(s) to use; None uses every feature.

    Returns
    -------
    lead_times : ndarray of shape (n_leads,)
        ``dt * arange(n_leads)``.
    crps : ndarray of shape (n_leads,)
        Mean CRPS at each lead, in the units of the data; lower is better.

    See Also
    --------
    forecast_rmse : Error of the ensemble mean.
    spread_skill_ratio, interval_coverage, rank_histogram

    References
    ----------
    T. Gneiting and A. E. Raftery, "Strictly proper scoring rules,
    prediction, and estimation", J. Amer. Statist. Assoc. 102, 359-378
    (2007).

    C. A. T. Ferro, "Fair scores for ensemble forecasts", Q. J. R. Meteorol.
    Soc. 140, 1917-1923 (2014).

    Examples
    --------
    Two members at -1 and 1, outcome 0:

    >>> import numpy as np
    >>> from skrom.metrics import forecast_crps
    >>> truth = np.zeros((1, 1, 1))
    >>> members = np.array([-1.0, 1.0]).reshape(1, 2, 1, 1)
    >>> forecast_crps(truth, members)[1]  # 1 - 4 / (2 * 2 * 1)
    array([0.])
    >>> forecast_crps(truth, members, fair=False)[1]  # 1 - 4 / (2 * 2 * 2)
    array([0.5])
    """
    fair = bool(fair)
    y_true, pred = _ensemble_forecasts(
        y_true, y_pred, feature, 2 if fair else 1, "the fair CRPS" if fair else "CRPS"
    )
    crps = ensemble_crps(y_true, np.moveaxis(pred, 1, -1), fair=fair)
    return lead_times(y_true.shape[1], dt), crps.mean(axis=(0, 2))


def _check_levels(levels):
    """Return the nominal levels as a 1-D float array, each in (0, 1)."""
    try:
        arr = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"levels must be numbers in (0, 1), got {levels!r}.") from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"levels must be a number or a 1-D sequence, got {levels!r}.")
    if not np.all((arr > 0.0) & (arr < 1.0)):
        raise ValueError(
            "levels are nominal probabilities of central intervals and must lie "
            f"strictly between 0 and 1; got {arr.tolist()}."
        )
    return arr


def interval_coverage(y_true, y_pred, levels=0.9, *, dt=None, feature=None):
    r"""Fraction of outcomes inside the ensemble's central prediction intervals.

    The central interval at level :math:`\alpha` runs from the
    :math:`(1 - \alpha)/2` to the :math:`(1 + \alpha)/2` quantile of the
    members (:func:`numpy.quantile`, linear interpolation between order
    statistics). A calibrated ensemble covers the outcome with probability
    :math:`\alpha`; lower coverage means an over-confident (under-dispersed)
    ensemble, higher an under-confident one. The fraction is taken over
    forecasts and features.

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; 2-D: one forecast; 1-D: one forecast of a
        scalar.
    y_pred : array-like of shape (n_forecasts, n_members, n_leads, n_features)
        Ensemble forecasts, at least two members.
    levels : float or sequence of float, default=0.9
        Nominal levels, each in (0, 1).
    dt : float or None, default=None
        Sampling interval; None gives lead times in steps.
    feature : int, sequence of int or None, default=None
        Column(s) to use; None uses every feature.

    Returns
    -------
    lead_times : ndarray of shape (n_leads,)
        ``dt * arange(n_leads)``.
    coverage : ndarray of shape (n_leads,) or (n_levels, n_leads)
        Observed coverage in [0, 1]; one row per level when ``levels`` is a
        sequence. Closest to the level is best.

    See Also
    --------
    rank_histogram : The full picture of calibration.
    spread_skill_ratio

    References
    ----------
    T. Gneiting, F. Balabdaoui and A. E. Raftery, "Probabilistic forecasts,
    calibration and sharpness", J. R. Stat. Soc. B 69, 243-268 (2007).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import interval_coverage
    >>> members = np.linspace(-1.0, 1.0, 101).reshape(1, 101, 1, 1)
    >>> truth = np.array([[[0.2]], [[0.9]]])
    >>> interval_coverage(truth, np.repeat(members, 2, axis=0), [0.5, 0.95])[1]
    array([[0.5],
           [1. ]])
    """
    arr = _check_levels(levels)
    y_true, pred = _ensemble_forecasts(y_true, y_pred, feature, 2, "interval_coverage")
    quantiles = np.concatenate([(1.0 - arr) / 2.0, (1.0 + arr) / 2.0])
    bounds = np.quantile(pred, quantiles, axis=1)
    lower, upper = bounds[: arr.size], bounds[arr.size :]
    inside = (lower <= y_true) & (y_true <= upper)
    coverage = inside.mean(axis=(1, 3))
    if np.ndim(levels) == 0:
        coverage = coverage[0]
    return lead_times(y_true.shape[1], dt), coverage


def spread_skill_ratio(y_true, y_pred, *, dt=None, feature=None):
    r"""Ensemble spread over the RMSE of the ensemble mean, per lead time.

    .. math::

        r = \sqrt{\frac{m + 1}{m}}\,
        \frac{\sqrt{\overline{s^2}}}{\sqrt{\overline{(\bar x - y)^2}}}

    with :math:`s^2` the unbiased variance of the :math:`m` members,
    :math:`\bar x` their mean, and the bars averages over forecasts and
    features. For members and outcome drawn from the same distribution,
    :math:`E(\bar x - y)^2 = \frac{m+1}{m} E s^2`, so the factor makes
    :math:`r = 1` for a calibrated ensemble of any size (Fortin et al.,
    2014); :math:`r < 1` is an under-dispersed (over-confident) ensemble.

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; 2-D: one forecast; 1-D: one forecast of a
        scalar.
    y_pred : array-like of shape (n_forecasts, n_members, n_leads, n_features)
        Ensemble forecasts, at least two members.
    dt : float or None, default=None
        Sampling interval; None gives lead times in steps.
    feature : int, sequence of int or None, default=None
        Column(s) to use; None uses every feature.

    Returns
    -------
    lead_times : ndarray of shape (n_leads,)
        ``dt * arange(n_leads)``.
    ratio : ndarray of shape (n_leads,)
        Spread-skill ratio; 1 is best. NaN where the ensemble mean has no
        error (lead 0 of forecasts started from the truth).

    See Also
    --------
    forecast_rmse, interval_coverage

    References
    ----------
    V. Fortin, M. Abaza, F. Anctil and R. Turcotte, "Why should ensemble
    spread match the RMSE of the ensemble mean?", J. Hydrometeor. 15,
    1708-1713 (2014).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import spread_skill_ratio
    >>> members = np.array([-1.0, 1.0]).reshape(1, 2, 1, 1)
    >>> truth = np.array([[[np.sqrt(3.0)]]])  # variance 2, error^2 3, (m+1)/m 3/2
    >>> spread_skill_ratio(truth, members)[1]
    array([1.])
    """
    y_true, pred = _ensemble_forecasts(y_true, y_pred, feature, 2, "spread_skill_ratio")
    m = pred.shape[1]
    spread = np.sqrt(np.mean(pred.var(axis=1, ddof=1), axis=(0, 2)))
    rmse = np.sqrt(np.mean((pred.mean(axis=1) - y_true) ** 2, axis=(0, 2)))
    ratio = np.full_like(rmse, np.nan)
    np.divide(np.sqrt((m + 1.0) / m) * spread, rmse, out=ratio, where=rmse > 0)
    return lead_times(y_true.shape[1], dt), ratio


def _lead_indices(leads, n_leads):
    """Lead indices to pool: all but lead 0 by default (lead 0 is the start)."""
    if leads is None:
        return np.arange(1, n_leads) if n_leads > 1 else np.arange(1)
    if isinstance(leads, numbers.Integral):
        leads = [leads]
    idx = [
        check_int(lead, "lead", min_value=0, max_value=n_leads - 1)
        for lead in np.asarray(leads).ravel().tolist()
    ]
    if not idx:
        raise ValueError("leads is empty; pass None to pool every lead after 0.")
    return np.array(idx)


def rank_histogram(y_true, y_pred, *, leads=None, feature=None, random_state=None):
    r"""Rank histogram (Talagrand diagram) of the outcomes among the members.

    The rank of an outcome :math:`y` among :math:`m` members is the number of
    members below it, in :math:`0, \dots, m`. When members and outcome are
    exchangeable draws (a calibrated ensemble) every rank is equally likely,
    so the histogram is flat; a U shape is an under-dispersed ensemble (the
    outcome too often outside it), a dome an over-dispersed one, a slope a
    biased one. Members equal to the outcome (ties, e.g. at lead 0 or for
    discrete data) would pile up at the lowest rank; each tie is instead
    broken at random, the rank drawn uniformly among the tied positions
    (Hamill, 2001).

    Parameters
    ----------
    y_true : array-like of shape (n_forecasts, n_leads, n_features)
        Verifying trajectories; 2-D: one forecast; 1-D: one forecast of a
        scalar.
    y_pred : array-like of shape (n_forecasts, n_members, n_leads, n_features)
        Ensemble forecasts, at least two members.
    leads : int, sequence of int or None, default=None
        Lead indices to pool; None pools every lead after 0 (lead 0 is the
        shared initial condition, all ties), or lead 0 if it is the only one.
    feature : int, sequence of int or None, default=None
        Column(s) to pool; None pools every feature.
    random_state : int, SeedSequence, Generator or None, default=None
        Seed of the tie-breaking draws.

    Returns
    -------
    counts : ndarray of shape (n_members + 1,), dtype int64
        ``counts[k]``: how many outcomes have rank ``k``, over forecasts,
        the chosen leads and features.

    See Also
    --------
    interval_coverage, spread_skill_ratio
    skrom.plotting.plot_rank_histogram : Draw it.

    References
    ----------
    T. M. Hamill, "Interpretation of rank histograms for verifying ensemble
    forecasts", Mon. Wea. Rev. 129, 550-560 (2001).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import rank_histogram
    >>> members = np.array([0.0, 1.0, 2.0]).reshape(1, 3, 1, 1)
    >>> truth = np.array([[[-1.0]], [[0.5]], [[5.0]]])
    >>> rank_histogram(truth, np.repeat(members, 3, axis=0))
    array([1, 1, 0, 1])
    """
    y_true, pred = _ensemble_forecasts(y_true, y_pred, feature, 2, "rank_histogram")
    idx = _lead_indices(leads, y_true.shape[1])
    truth = y_true[:, None, idx]
    members = pred[:, :, idx]
    below = np.sum(members < truth, axis=1)
    ties = np.sum(members == truth, axis=1)
    rng = np.random.default_rng(as_seed_sequence(random_state))
    ranks = below + rng.integers(0, ties + 1)
    return np.bincount(ranks.ravel(), minlength=pred.shape[1] + 1).astype(np.int64)
