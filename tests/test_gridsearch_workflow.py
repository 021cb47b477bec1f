"""One model-selection workflow for every skrom estimator.

For each of ``KGMMScore``, ``LangevinROM``, ``DelayNODEForcing``,
``HybridLangevinROM``, ``SFMLFlow`` and ``CoarseSDE``: one long run is cut by
:func:`~skrom.model_selection.segment_trajectory`, searched by
``GridSearchCV`` with :class:`~skrom.model_selection.TrajectorySegmentSplit`
(with a gap) as ``cv=`` and several scorers at once with ``refit=``. The
settings are tiny: this checks that the pieces fit together (cloning of
nested parameters, the scorers' sampling protocol, refitting), not accuracy,
which each estimator's own tests judge.
"""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skrom.metrics import (
    acf_error_scorer,
    forecast_skill_scorer,
    make_forecast_scorer,
    make_statistics_scorer,
    pdf_kl_scorer,
)
from skrom.model_selection import TrajectorySegmentSplit, segment_trajectory

torch = pytest.importorskip("torch")

FAST_SCORE = dict(
    prob=0.05, max_passes=3, max_epochs=30, hidden_layers=(16,), lbfgs_iter=50
)
FAST_FORCING = dict(
    n_delays=2, hidden_layers=(8,), window=3, n_windows=16, max_epochs=1, batch_size=8
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ----------------------------------------------------------------- scorers
def own_score(estimator, X, y=None):
    """The estimator's own ``score`` (its documented held-out criterion)."""
    return estimator.score(X)


def stein_identity_score(estimator, X, y=None):
    """Minus the violation of Stein's identity ``E_p[s(x) x^T] = -I``.

    It holds for the true score ``s = grad log p`` of any density with light
    tails, so a learned score that fits the held-out samples keeps it small.
    """
    x = X.reshape(-1, X.shape[-1])
    s = estimator.predict(x)
    m = (s[:, :, None] * x[:, None, :]).mean(axis=0)
    return -float(np.abs(m + np.eye(x.shape[1])).max())


def field_error(X_true, X_model):
    """Relative L2 error of fields started from the same initial snapshots."""
    return float(np.linalg.norm(X_model - X_true) / np.linalg.norm(X_true))


# -------------------------------------------------------------------- data
def _bistable(n_steps):
    from skrom.datasets import make_bistable_additive

    return make_bistable_additive(1, n_steps, random_state=0)[0]


def _ar1(n_steps, seed=0, dt=0.1):
    """Ornstein-Uhlenbeck path sampled exactly every ``dt``."""
    rng = np.random.default_rng(seed)
    a = np.exp(-dt)
    x = np.empty(n_steps)
    x[0] = rng.normal()
    noise = rng.normal(scale=np.sqrt(1 - a**2), size=n_steps)
    for t in range(1, n_steps):
        x[t] = a * x[t - 1] + noise[t]
    return x[:, None]


# ------------------------------------------------------------------- cases
def _kgmm():
    from skrom.score import KGMMScore

    return dict(
        model=KGMMScore(random_state=0, **FAST_SCORE),
        grid={"sigma": [0.05, 0.1]},
        run=_bistable(6000),
        scoring={"own": own_score, "stein": stein_identity_score},
        refit="own",
        sample=lambda m: m.sample(5, random_state=0),
        sample_shape=(5, 1),
    )


def _langevin():
    from skrom.score import KGMMScore, LangevinROM

    return dict(
        model=LangevinROM(score_estimator=KGMMScore(**FAST_SCORE), random_state=0),
        grid={"score_estimator__sigma": [0.05, 0.1]},
        run=_bistable(6000),
        scoring={
            "kl": pdf_kl_scorer,
            "acf": acf_error_scorer,
            "skill": forecast_skill_scorer,
            "own": own_score,
        },
        refit="kl",
    )


def _delay_node():
    from skrom.forcing import DelayNODEForcing

    params = dict(FAST_FORCING, n_delays=3)
    # Its sample() starts from delay vectors, not states: it draws them itself.
    return dict(
        model=DelayNODEForcing(dt=0.1, random_state=0, **params),
        grid={"n_delays": [2, 3]},
        run=_ar1(1200),
        scoring={
            "kl": make_statistics_scorer("pdf_kl", x0_from_data=False),
            "acf": make_statistics_scorer("acf_error", x0_from_data=False),
            "own": own_score,
        },
        refit="own",
    )


def _hybrid():
    from skrom.forcing import DelayNODEForcing
    from skrom.hybrid import HybridLangevinROM
    from skrom.score import KGMMScore

    return dict(
        model=HybridLangevinROM(
            score_estimator=KGMMScore(**FAST_SCORE),
            forcing=DelayNODEForcing(**FAST_FORCING),
            random_state=0,
        ),
        grid={"forcing__n_delays": [2, 3]},
        run=_bistable(6000),
        # A forcing network trained for one epoch drifts off the
        # driver's attractor and its runs leave the wells after a few
        # hundred steps (SimulationBlowUpError; its own score is then
        # -inf), so the scorers run it for 100 steps only.
        scoring={
            "kl": make_statistics_scorer("pdf_kl", n_steps=100),
            "acf": make_statistics_scorer("acf_error", n_steps=100, max_lag=20),
            "skill": make_forecast_scorer(n_leads=50, thresholds=0.0),
        },
        refit="kl",
    )


def _sfml():
    from skrom.flows import SFMLFlow

    return dict(
        model=SFMLFlow(dt=0.1, max_epochs=3, hidden_layers=(8,), random_state=0),
        grid={"n_transforms": [1, 2]},
        run=_ar1(900, seed=1),
        scoring={"kl": pdf_kl_scorer, "acf": acf_error_scorer, "own": own_score},
        refit="kl",
    )


def _coarse():
    from skrom.coarse import CoarseSDE
    from skrom.datasets import make_burgers_1d

    run = make_burgers_1d(1, 61, n_grid=100, random_state=0)[0]
    return dict(
        model=CoarseSDE(
            n_coarse=10,
            window=4,
            hidden_layers=(8,),
            n_quadrature=4,
            max_epochs=2,
            batches_per_epoch=2,
            batch_size=4,
            dt=0.01,
            random_state=0,
        ),
        grid={"n_micro": [0, 2]},
        run=run,
        scoring={"own": own_score, "field": make_statistics_scorer(field_error)},
        refit="own",
    )


CASES = {
    "KGMMScore": _kgmm,
    "LangevinROM": _langevin,
    "DelayNODEForcing": _delay_node,
    "HybridLangevinROM": _hybrid,
    "SFMLFlow": _sfml,
    "CoarseSDE": _coarse,
}


@pytest.mark.parametrize("name", list(CASES))
def test_grid_search_over_segments_with_multi_metric_refit(name):
    case = CASES[name]()
    X = segment_trajectory(case["run"], 6)
    cv = TrajectorySegmentSplit(3, gap=1)
    grid, scoring = case["grid"], case["scoring"]
    search = GridSearchCV(
        case["model"], grid, scoring=scoring, refit=case["refit"], cv=cv
    ).fit(X)

    ((key, candidates),) = grid.items()
    assert search.best_params_[key] in candidates
    assert search.best_estimator_.get_params()[key] == search.best_params_[key]
    for metric in scoring:
        means = search.cv_results_[f"mean_test_{metric}"]
        assert means.shape == (len(candidates),)
        assert np.all(np.isfinite(means)), (metric, means)
    # refit= chose the candidate ranked first by its metric
    refit_means = search.cv_results_[f"mean_test_{case['refit']}"]
    assert search.best_index_ == int(np.argmax(refit_means))

    best = search.best_estimator_
    if "sample" in case:
        drawn = case["sample"](best)
        assert drawn.shape == case["sample_shape"]
    else:
        x0 = None if name == "DelayNODEForcing" else X[0, 0]
        drawn = best.sample(5, x0=x0, n_paths=2, random_state=0)
        assert drawn.shape == (2, 5, X.shape[2])
    assert np.all(np.isfinite(drawn))
