"""scikit-learn scorers that judge a fitted model by the statistics of its runs.

Two kinds of scorer live here.

*Pairwise metrics.* :func:`pdf_kl_divergence`, :func:`pdf_hellinger_distance`,
:func:`acf_error` (with ``max_lag``) and :func:`residence_time_error` (with
``thresholds``) have the signature ``metric(y_true, y_pred, **kwargs) -> float``
and are lower-is-better, so ``sklearn.metrics.make_scorer(metric,
greater_is_better=False, **kwargs)`` turns them into scorers of an
estimator's ``predict`` output.

*Statistics scorers.* A fitted skrom model is judged by what it generates,
not by ``predict``. A :class:`StatisticsScorer` follows the scikit-learn
scorer protocol ``scorer(estimator, X, y=None) -> float`` (higher is better):
it calls ``estimator.sample(n_steps, x0=X[:, 0], n_paths=...,
random_state=...)`` from the held-out trajectories' initial states and
compares the generated run with ``X``. A :class:`ForecastScorer` starts short
ensemble forecasts from points along ``X`` and scores their skill against
lead time. Both are plain picklable objects, so they can be passed to
``GridSearchCV(scoring=...)``, alone or in a dict with ``refit=``.
"""

import inspect

import numpy as np

from .._validation import check_int, check_option, check_trajectories
from ._autocorrelation import acf_error, decorrelation_time
from ._ensemble_statistics import mean_std_error
from ._forecast import forecast_rmse, forecast_sign_skill
from ._pdf import pdf_hellinger_distance, pdf_kl_divergence
from ._probabilistic import forecast_crps
from ._residence import residence_time_error

__all__ = [
    "StatisticsScorer",
    "ForecastScorer",
    "make_statistics_scorer",
    "make_forecast_scorer",
    "pdf_kl_scorer",
    "pdf_hellinger_scorer",
    "acf_error_scorer",
    "residence_time_scorer",
    "mean_std_scorer",
    "forecast_skill_scorer",
    "forecast_rmse_scorer",
    "forecast_crps_scorer",
]


def _acf_error_default_lag(X_true, X_model, max_lag=None, **kwargs):
    """:func:`acf_error` with ``max_lag=None`` meaning a quarter of the shorter run."""
    if max_lag is None:
        n_steps = min(np.shape(X_true)[-2], np.shape(X_model)[-2])
        max_lag = max(n_steps // 4, 1)
    return acf_error(X_true, X_model, max_lag, **kwargs)


def _mean_error(X_true, X_model, **kwargs):
    """Largest relative error of the ensemble mean (see :func:`mean_std_error`)."""
    return mean_std_error(X_true, X_model, **kwargs).mean_error


def _mean_std_sum(X_true, X_model, **kwargs):
    """Sum of the relative mean and std errors (see :func:`mean_std_error`)."""
    res = mean_std_error(X_true, X_model, **kwargs)
    return res.mean_error + res.std_error


_METRICS = {
    "pdf_kl": pdf_kl_divergence,
    "pdf_hellinger": pdf_hellinger_distance,
    "acf_error": _acf_error_default_lag,
    "residence_time_error": residence_time_error,
    "mean_error": _mean_error,
    "mean_std_error": _mean_std_sum,
}


# forecast skill per lead, and the sign that makes it higher-is-better
_FORECAST_METRICS = {
    "sign_skill": (forecast_sign_skill, 1),
    "rmse": (forecast_rmse, -1),
    "crps": (forecast_crps, -1),
}


# metrics of the marginal density only: they apply to independent draws too
_DENSITY_METRICS = ("pdf_kl", "pdf_hellinger")


def _draws_samples(estimator):
    """Whether ``estimator.sample`` draws independent samples, not trajectories.

    A density model such as :class:`~skrom.score.KGMMScore` has
    ``sample(n_samples, ...)`` returning ``(n_samples, n_features)``; a
    trajectory model has ``sample(n_steps, x0=, n_paths=, random_state=)``.
    """
    try:
        params = inspect.signature(estimator.sample).parameters
    except (AttributeError, TypeError, ValueError):
        return False
    return "n_paths" not in params and "n_samples" in params


def _density_draws(estimator, metric, n_steps, n_paths, random_state, n_features):
    """Independent draws of a density model, shaped as ``n_paths`` paths."""
    name = type(estimator).__name__
    if isinstance(metric, str) and metric not in _DENSITY_METRICS:
        raise ValueError(
            f"{name}.sample draws independent samples from a density, not "
            f"trajectories, so the {metric!r} metric (which needs time order) does "
            f"not apply; use one of {list(_DENSITY_METRICS)}."
        )
    n = n_steps * n_paths
    draws = np.asarray(estimator.sample(n, random_state=random_state))
    if draws.shape != (n, n_features):
        raise ValueError(
            f"{name}.sample returned shape {draws.shape}; expected (n_samples, "
            f"n_features) = {(n, n_features)}."
        )
    # the density metrics pool the points: the split into paths is immaterial
    return draws.reshape(n_paths, n_steps, n_features)


def _sample(estimator, n_steps, x0, n_paths, random_state, n_features):
    """Call ``estimator.sample`` and check the shape of what comes back."""
    if _draws_samples(estimator):
        raise ValueError(
            f"{type(estimator).__name__}.sample draws independent samples from a "
            "density, not trajectories: it cannot be scored by forecasts or by "
            "time statistics; use pdf_kl_scorer or pdf_hellinger_scorer."
        )
    paths = np.asarray(
        estimator.sample(n_steps, x0=x0, n_paths=n_paths, random_state=random_state)
    )
    if paths.shape != (n_paths, n_steps, n_features):
        raise ValueError(
            f"{type(estimator).__name__}.sample returned shape {paths.shape}; "
            f"expected (n_paths, n_steps, n_features) = "
            f"{(n_paths, n_steps, n_features)}."
        )
    return paths


def _resolve_stride(estimator, data_stride):
    """Held-out steps per model step: explicit, or ``time_step_ / dt`` when "auto"."""
    if data_stride != "auto":
        return data_stride
    time_step = getattr(estimator, "time_step_", None)
    dt = getattr(estimator, "dt", None)
    if time_step is None or dt is None:
        return 1
    ratio = float(time_step) / float(dt)
    stride = int(round(ratio))
    if stride < 1 or abs(ratio - stride) > 1e-6 * ratio:
        raise ValueError(
            f"{type(estimator).__name__} steps by time_step_={time_step:g}, which is "
            f"not a whole multiple of its dt={dt:g}; pass data_stride explicitly."
        )
    return stride


class _RunScorer:
    """What the scorers of generated runs share: a repr of their settings."""

    def __repr__(self):
        """``Class(metric, <non-default settings>, <metric kwargs>)``."""
        params = inspect.signature(type(self).__init__).parameters
        metric = self.metric
        parts = [
            repr(metric)
            if isinstance(metric, str)
            else getattr(metric, "__name__", repr(metric))
        ]
        parts += [
            f"{k}={getattr(self, k)!r}"
            for k, p in params.items()
            if p.kind is p.KEYWORD_ONLY
            and k != "metric_kwargs"
            and getattr(self, k) != p.default
        ]
        parts += [f"{k}={v!r}" for k, v in self.metric_kwargs.items()]
        return f"{type(self).__name__}({', '.join(parts)})"


class StatisticsScorer(_RunScorer):
    """Score a generative model by a statistic of its simulated trajectories.

    Calling ``scorer(estimator, X)`` generates
    ``estimator.sample(n_steps, x0=x0, n_paths=n_paths, random_state=random_state)``
    with ``x0`` the first states of the held-out trajectories ``X`` (cycled
    when ``n_paths`` exceeds their number) and returns
    ``sign * metric(X, paths, **metric_kwargs)``. The fixed ``random_state``
    gives every candidate of a grid search the same random numbers, so
    scores differ by the model, not by the draw.

    A density model, whose ``sample(n_samples, ...)`` draws independent
    points (:class:`~skrom.score.KGMMScore`), is scored on
    ``n_steps * n_paths`` draws by the density metrics (``"pdf_kl"``,
    ``"pdf_hellinger"``, or a callable); the metrics that need time order
    raise ``ValueError`` for it.

    Build instances with :func:`make_statistics_scorer`.

    Parameters
    ----------
    metric : str or callable
        A metric name of :func:`make_statistics_scorer` or
        ``metric(X_true, X_model, **metric_kwargs) -> float``.
    n_steps : int or None
        Length of each generated path; None uses the held-out length.
    n_paths : int or None
        Number of generated paths; None uses the number of held-out
        trajectories.
    random_state : int, SeedSequence or None
        Passed to ``sample``.
    sign : {1, -1}
        -1 for lower-is-better metrics, so the score is higher-is-better.
    x0_from_data : bool
        Start the paths at the held-out initial states (True) or let the
        estimator choose (``x0=None``).
    data_stride : int or "auto"
        Keep every ``data_stride``-th held-out step, for models whose time
        step is a multiple of the data's sampling interval; "auto" reads it
        from the estimator (see :func:`make_statistics_scorer`).
    metric_kwargs : dict
        Extra keyword arguments of ``metric``.

    See Also
    --------
    make_statistics_scorer, ForecastScorer
    """

    def __init__(
        self,
        metric,
        *,
        n_steps=None,
        n_paths=None,
        random_state=0,
        sign=-1,
        x0_from_data=True,
        data_stride="auto",
        metric_kwargs=None,
    ):
        self.metric = metric
        self.n_steps = n_steps
        self.n_paths = n_paths
        self.random_state = random_state
        self.sign = sign
        self.x0_from_data = x0_from_data
        self.data_stride = data_stride
        self.metric_kwargs = {} if metric_kwargs is None else dict(metric_kwargs)

    def __call__(self, estimator, X, y=None):
        """Return the higher-is-better score of ``estimator`` on held-out ``X``."""
        stride = _resolve_stride(estimator, self.data_stride)
        X = check_trajectories(X, min_steps=2, name="X")[:, ::stride]
        if X.shape[1] < 2:
            raise ValueError(
                f"X keeps {X.shape[1]} step after taking every {stride}-th; "
                "longer held-out trajectories are needed."
            )
        n_steps = X.shape[1] if self.n_steps is None else self.n_steps
        n_paths = X.shape[0] if self.n_paths is None else self.n_paths
        if _draws_samples(estimator):
            paths = _density_draws(
                estimator, self.metric, n_steps, n_paths, self.random_state, X.shape[2]
            )
        else:
            x0 = X[np.arange(n_paths) % X.shape[0], 0] if self.x0_from_data else None
            paths = _sample(
                estimator, n_steps, x0, n_paths, self.random_state, X.shape[2]
            )
        metric = _METRICS[self.metric] if isinstance(self.metric, str) else self.metric
        return float(self.sign * metric(X, paths, **self.metric_kwargs))


def make_statistics_scorer(
    metric,
    *,
    n_steps=None,
    n_paths=None,
    random_state=0,
    greater_is_better=None,
    x0_from_data=True,
    data_stride="auto",
    **metric_kwargs,
):
    """Build a scorer that compares a model's simulated run with held-out data.

    Parameters
    ----------
    metric : str or callable
        ``"pdf_kl"`` (:func:`pdf_kl_divergence`), ``"pdf_hellinger"``
        (:func:`pdf_hellinger_distance`), ``"acf_error"`` (:func:`acf_error`;
        ``max_lag`` defaults to a quarter of the shorter run),
        ``"residence_time_error"`` (:func:`residence_time_error`, needs
        ``thresholds``), ``"mean_error"`` or ``"mean_std_error"`` (the
        relative mean error, or the sum of the mean and std errors, of
        :func:`mean_std_error`; they need ``n_paths`` >= 2), or a picklable
        callable ``metric(X_true, X_model, **metric_kwargs) -> float``.
    n_steps : int or None, default=None
        Points per generated path; None uses the held-out trajectory length
        (after ``data_stride``).
    n_paths : int or None, default=None
        Number of generated paths; None uses one per held-out trajectory.
    random_state : int, SeedSequence or None, default=0
        Passed to ``estimator.sample``; fixed by default so that all
        candidates of a search see the same random numbers.
    greater_is_better : bool or None, default=None
        Whether larger metric values are better; None means False for the
        named metrics (all are distances/errors) and for callables.
    x0_from_data : bool, default=True
        Start the generated paths at the held-out initial states
        ``X[:, 0]``; False passes ``x0=None``.
    data_stride : int or "auto", default="auto"
        Keep every ``data_stride``-th held-out step before comparing, for
        models that step by a multiple of the data's sampling interval.
        "auto" uses the fitted estimator's ``time_step_ / dt`` when it has
        both (e.g. :class:`~skrom.flows.SFMLFlow` with ``lag > 1``), else 1,
        so a search over such a lag compares every candidate at its own
        time step.
    **metric_kwargs
        Passed to the metric (e.g. ``max_lag``, ``thresholds``, ``feature``,
        ``method``).

    Returns
    -------
    scorer : StatisticsScorer
        Callable ``scorer(estimator, X, y=None) -> float``, higher is better.

    See Also
    --------
    make_forecast_scorer : Scorers of short ensemble forecasts.

    Notes
    -----
    A model whose simulation blows up raises
    :class:`~skrom.exceptions.SimulationBlowUpError` (a ``ValueError``)
    from ``sample``; the scorer lets it through, so
    ``GridSearchCV(..., error_score=np.nan)`` records NaN for that candidate
    and goes on, while the default ``error_score="raise"`` stops the search.

    Examples
    --------
    >>> from skrom.metrics import make_statistics_scorer
    >>> make_statistics_scorer("acf_error", max_lag=20, n_paths=4)
    StatisticsScorer('acf_error', n_paths=4, max_lag=20)
    """
    if isinstance(metric, str):
        check_option(metric, "metric", tuple(_METRICS))
    elif not callable(metric):
        raise TypeError(
            f"metric must be a name or a callable, got {type(metric).__name__}."
        )
    for name, value in (("n_steps", n_steps), ("n_paths", n_paths)):
        if value is not None:
            check_int(value, name, min_value=2 if name == "n_steps" else 1)
    if data_stride != "auto":
        check_int(data_stride, "data_stride")
    return StatisticsScorer(
        metric,
        n_steps=n_steps,
        n_paths=n_paths,
        random_state=random_state,
        sign=1 if greater_is_better else -1,
        x0_from_data=bool(x0_from_data),
        data_stride=data_stride,
        metric_kwargs=metric_kwargs,
    )


class ForecastScorer(_RunScorer):
    """Score a generative model by the skill of ensemble forecasts.

    Calling ``scorer(estimator, X)`` takes start points every
    ``start_stride`` steps along each held-out trajectory (at most
    ``max_starts`` of them, evenly spaced), runs ``n_members`` paths of
    ``n_leads`` points from each with one ``estimator.sample`` call, and
    returns the mean over leads ``1 .. n_leads - 1`` of
    :func:`forecast_sign_skill` (``metric="sign_skill"``), or minus that of
    :func:`forecast_rmse` (``metric="rmse"``) or :func:`forecast_crps`
    (``metric="crps"``).

    Build instances with :func:`make_forecast_scorer`.

    Parameters
    ----------
    metric : {"sign_skill", "rmse", "crps"}
        Skill measure.
    n_leads : int or None
        Points per forecast including the start; None: one decorrelation
        time of the held-out data plus one, at most half its length.
    n_members : int
        Ensemble members per start point.
    start_stride : int or None
        Steps between start points; None uses ``n_leads``.
    max_starts : int
        Cap on the number of start points.
    random_state : int, SeedSequence or None
        Passed to ``sample``.
    data_stride : int or "auto"
        Held-out steps per model step (see :func:`make_statistics_scorer`);
        each of the ``data_stride`` offsets becomes a trajectory.
    metric_kwargs : dict
        Extra keyword arguments of the metric (``thresholds``, ``feature``).

    See Also
    --------
    make_forecast_scorer, StatisticsScorer
    """

    def __init__(
        self,
        metric="sign_skill",
        *,
        n_leads=None,
        n_members=10,
        start_stride=None,
        max_starts=100,
        random_state=0,
        data_stride="auto",
        metric_kwargs=None,
    ):
        self.metric = metric
        self.data_stride = data_stride
        self.n_leads = n_leads
        self.n_members = n_members
        self.start_stride = start_stride
        self.max_starts = max_starts
        self.random_state = random_state
        self.metric_kwargs = {} if metric_kwargs is None else dict(metric_kwargs)

    def __call__(self, estimator, X, y=None):
        """Return the higher-is-better forecast score of ``estimator`` on ``X``."""
        X = check_trajectories(X, min_steps=3, name="X")
        k = _resolve_stride(estimator, self.data_stride)
        if k > 1:
            # Every offset of a strided trajectory is a trajectory at the
            # model's time step, so no held-out data is thrown away.
            n_traj, n_steps, n_features = X.shape
            n_keep = n_steps // k
            X = (
                X[:, : n_keep * k]
                .reshape(n_traj, n_keep, k, n_features)
                .transpose(0, 2, 1, 3)
                .reshape(n_traj * k, n_keep, n_features)
            )
        n_traj, n_steps, n_features = X.shape
        n_leads = self._default_leads(X) if self.n_leads is None else self.n_leads
        if n_leads > n_steps:
            raise ValueError(
                f"n_leads={n_leads} exceeds the {n_steps} steps of the held-out "
                "trajectories."
            )
        stride = n_leads if self.start_stride is None else self.start_stride
        t0 = np.arange(0, n_steps - n_leads + 1, stride)
        starts = [(r, t) for r in range(n_traj) for t in t0]
        if len(starts) > self.max_starts:
            keep = np.linspace(0, len(starts) - 1, self.max_starts).round().astype(int)
            starts = [starts[i] for i in keep]
        truth = np.stack([X[r, t : t + n_leads] for r, t in starts])
        x0 = np.repeat(truth[:, 0], self.n_members, axis=0)
        paths = _sample(
            estimator, n_leads, x0, x0.shape[0], self.random_state, n_features
        )
        paths = paths.reshape(len(starts), self.n_members, n_leads, n_features)
        metric, sign = _FORECAST_METRICS[self.metric]
        _, skill = metric(truth, paths, **self.metric_kwargs)
        return float(sign * np.mean(skill[1:]))

    def _default_leads(self, X):
        """One decorrelation time (1/e) of the data plus one, at most half of it."""
        half = max(X.shape[1] // 2, 2)
        feature = self.metric_kwargs.get("feature")
        try:
            tau = np.max(decorrelation_time(X, max_lag=half - 1, feature=feature))
        except ValueError:  # a constant feature: no time scale to go by
            return half
        return int(min(max(np.ceil(tau) + 1, 2), half))


def make_forecast_scorer(
    metric="sign_skill",
    *,
    n_leads=None,
    n_members=10,
    start_stride=None,
    max_starts=100,
    random_state=0,
    data_stride="auto",
    **metric_kwargs,
):
    """Build a scorer of ensemble forecasts started along held-out trajectories.

    Parameters
    ----------
    metric : {"sign_skill", "rmse", "crps"}, default="sign_skill"
        Mean over leads ``1 .. n_leads - 1`` of :func:`forecast_sign_skill`
        (fraction of forecasts in the right state; higher is better), of
        :func:`forecast_rmse` of the ensemble mean (negated) or of
        :func:`forecast_crps` (negated; the fair CRPS unless ``fair=False``
        is passed, so it needs ``n_members >= 2``).
    n_leads : int or None, default=None
        Points per forecast including the start; None uses one
        decorrelation time of the held-out data (the first lag where its
        ACF falls below 1/e, see :func:`decorrelation_time`) plus one, at
        most half the held-out length: beyond that, forecasts of any model
        carry little information.
    n_members : int, default=10
        Ensemble members per start point.
    start_stride : int or None, default=None
        Steps between start points; None uses ``n_leads`` (disjoint
        verification windows).
    max_starts : int, default=100
        Cap on start points (evenly thinned), to bound the cost.
    random_state : int, SeedSequence or None, default=0
        Passed to ``estimator.sample``.
    data_stride : int or "auto", default="auto"
        Held-out steps per model step, as in :func:`make_statistics_scorer`;
        the held-out trajectories are cut into ``data_stride`` interleaved
        ones at the model's time step.
    **metric_kwargs
        Passed to the metric (``thresholds``, ``feature``, ``fair``).

    Returns
    -------
    scorer : ForecastScorer
        Callable ``scorer(estimator, X, y=None) -> float``, higher is better.

    See Also
    --------
    make_statistics_scorer, forecast_sign_skill, forecast_rmse

    Examples
    --------
    >>> from skrom.metrics import make_forecast_scorer
    >>> make_forecast_scorer(n_leads=30, thresholds=0.0)
    ForecastScorer('sign_skill', n_leads=30, thresholds=0.0)
    """
    check_option(metric, "metric", tuple(_FORECAST_METRICS))
    if n_leads is not None:
        check_int(n_leads, "n_leads", min_value=2)
    if start_stride is not None:
        check_int(start_stride, "start_stride")
    fair_crps = metric == "crps" and metric_kwargs.get("fair", True)
    check_int(n_members, "n_members", min_value=2 if fair_crps else 1)
    check_int(max_starts, "max_starts")
    if data_stride != "auto":
        check_int(data_stride, "data_stride")
    return ForecastScorer(
        metric,
        n_leads=n_leads,
        n_members=n_members,
        start_stride=start_stride,
        max_starts=max_starts,
        random_state=random_state,
        data_stride=data_stride,
        metric_kwargs=metric_kwargs,
    )


#: Negative KL divergence between the marginal PDFs of the held-out data and
#: a model run of the same size started from the held-out initial states.
pdf_kl_scorer = make_statistics_scorer("pdf_kl")
#: Negative Hellinger distance between the marginal PDFs.
pdf_hellinger_scorer = make_statistics_scorer("pdf_hellinger")
#: Negative largest ACF difference up to a quarter of the held-out length.
acf_error_scorer = make_statistics_scorer("acf_error")
#: Negative largest relative error of the mean residence times in the wells
#: ``x < -0.5`` and ``x > 0.5`` of the skrom double-well benchmarks (first
#: feature), estimated as time spent / exits so that short held-out segments
#: with censored visits still count; build your own with
#: ``make_statistics_scorer("residence_time_error", thresholds=...)``.
residence_time_scorer = make_statistics_scorer(
    "residence_time_error", thresholds=(-0.5, 0.5), feature=0, method="rate"
)
#: Negative sum of the relative ensemble mean and std errors.
mean_std_scorer = make_statistics_scorer("mean_std_error")
#: Mean fraction of 10-member forecasts that end in the right well (sign of
#: the first feature), over leads up to one decorrelation time of the data.
forecast_skill_scorer = make_forecast_scorer("sign_skill", thresholds=0.0, feature=0)
#: Negative mean RMSE of 10-member ensemble-mean forecasts.
forecast_rmse_scorer = make_forecast_scorer("rmse")
#: Negative mean fair CRPS of 10-member ensemble forecasts (all features).
forecast_crps_scorer = make_forecast_scorer("crps")
