"""Statistics every reduced-order model is judged by, and scorers built on them.

Every metric takes trajectory sets of shape ``(n_trajectories, n_steps,
n_features)``; a 2-D array is one trajectory and a 1-D array the samples (or
time series) of one scalar.

- Marginal densities: :func:`marginal_pdf`, :func:`pdf_kl_divergence`
  (KL(true || model)), :func:`pdf_hellinger_distance`.
- Time correlations: :func:`autocorrelation`, :func:`acf_error`,
  :func:`decorrelation_time`.
- Metastable states: :func:`residence_times`, :func:`mean_residence_times`,
  :func:`transition_counts`, :func:`residence_time_error`.
- Transitions between two wells and their forecasts:
  :func:`transition_events`, :func:`transition_forecast_skill`.
- Ensembles: :func:`mean_std_error`; judged against the two-sample
  sampling floor: :func:`sampling_floor`, :func:`compare_with_sampling_floor`.
- Forecasts against lead time: :func:`forecast_rmse`,
  :func:`forecast_sign_skill`.
- Probabilistic (ensemble) forecasts: :func:`forecast_crps`,
  :func:`interval_coverage`, :func:`spread_skill_ratio`,
  :func:`rank_histogram`; of transition events:
  :func:`transition_probabilities`, :func:`transition_brier_score`,
  :func:`transition_reliability`.
- scikit-learn scorers ``scorer(estimator, X, y=None)``, higher is better,
  which sample the fitted model and compare its run with held-out ``X``:
  :func:`make_statistics_scorer`, :func:`make_forecast_scorer` and the
  ready-made :data:`pdf_kl_scorer`, :data:`pdf_hellinger_scorer`,
  :data:`acf_error_scorer`, :data:`residence_time_scorer`,
  :data:`mean_std_scorer`, :data:`forecast_skill_scorer`,
  :data:`forecast_rmse_scorer`, :data:`forecast_crps_scorer`.

Distances, errors, CRPS and Brier scores are lower-is-better: pass them to
:func:`sklearn.metrics.make_scorer` with ``greater_is_better=False``;
:func:`forecast_sign_skill` is higher-is-better.
"""

from ._autocorrelation import acf_error, autocorrelation, decorrelation_time
from ._ensemble_statistics import mean_std_error
from ._events import (
    transition_brier_score,
    transition_probabilities,
    transition_reliability,
)
from ._forecast import forecast_rmse, forecast_sign_skill
from ._pdf import marginal_pdf, pdf_hellinger_distance, pdf_kl_divergence
from ._probabilistic import (
    forecast_crps,
    interval_coverage,
    rank_histogram,
    spread_skill_ratio,
)
from ._residence import (
    mean_residence_times,
    residence_time_error,
    residence_times,
    transition_counts,
)
from ._sampling_floor import compare_with_sampling_floor, sampling_floor
from ._scorers import (
    ForecastScorer,
    StatisticsScorer,
    acf_error_scorer,
    forecast_crps_scorer,
    forecast_rmse_scorer,
    forecast_skill_scorer,
    make_forecast_scorer,
    make_statistics_scorer,
    mean_std_scorer,
    pdf_hellinger_scorer,
    pdf_kl_scorer,
    residence_time_scorer,
)
from ._transitions import transition_events, transition_forecast_skill

__all__ = [
    "ForecastScorer",
    "StatisticsScorer",
    "acf_error_scorer",
    "forecast_crps_scorer",
    "forecast_rmse_scorer",
    "forecast_skill_scorer",
    "make_forecast_scorer",
    "make_statistics_scorer",
    "mean_std_scorer",
    "pdf_hellinger_scorer",
    "pdf_kl_scorer",
    "residence_time_scorer",
    "acf_error",
    "autocorrelation",
    "decorrelation_time",
    "forecast_crps",
    "forecast_rmse",
    "forecast_sign_skill",
    "interval_coverage",
    "marginal_pdf",
    "mean_residence_times",
    "mean_std_error",
    "pdf_hellinger_distance",
    "pdf_kl_divergence",
    "rank_histogram",
    "residence_time_error",
    "residence_times",
    "sampling_floor",
    "compare_with_sampling_floor",
    "spread_skill_ratio",
    "transition_brier_score",
    "transition_counts",
    "transition_events",
    "transition_forecast_skill",
    "transition_probabilities",
    "transition_reliability",
]
