"""GridSearchCV over segments with multi-metric statistics scoring, per estimator.

Every dynamics model of skrom must go through the same workflow: one long
run cut by ``segment_trajectory``, ``TrajectorySegmentSplit`` as ``cv=``,
several statistics scorers at once with ``refit=``. Settings are tiny: this
checks the plumbing (shapes, sampling protocol, cloning, pickling of
scorers), not accuracy.
"""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skrom.metrics import (
    acf_error_scorer,
    forecast_skill_scorer,
    make_statistics_scorer,
    pdf_kl_scorer,
)
from skrom.metrics.tests.test_scorers import ou_paths
from skrom.model_selection import TrajectorySegmentSplit, segment_trajectory


def _sfml():
    from skrom.flows import SFMLFlow

    model = SFMLFlow(
        dt=0.1, max_epochs=3, n_transforms=2, hidden_layers=(8,), random_state=0
    )
    return model, {"lag": [1, 2]}, ou_paths(1, 900, seed=0)[0]


def _coarse():
    from skrom.coarse import CoarseSDE
    from skrom.datasets import make_burgers_1d

    model = CoarseSDE(
        n_coarse=10,
        window=6,
        max_epochs=2,
        batches_per_epoch=2,
        batch_size=4,
        random_state=0,
    )
    return (
        model,
        {"n_micro": [1, 2]},
        make_burgers_1d(1, 120, n_grid=100, random_state=0)[0],
    )


def _delay_node():
    from skrom.forcing import DelayNODEForcing

    model = DelayNODEForcing(
        dt=0.1,
        n_delays=3,
        hidden_layers=(8,),
        window=5,
        n_windows=16,
        max_epochs=2,
        random_state=0,
    )
    return model, {"n_delays": [2, 3]}, ou_paths(1, 1200, seed=1)[0]


def _langevin():
    from skrom.datasets import make_bistable_additive
    from skrom.score import KGMMScore, LangevinROM

    model = LangevinROM(
        score_estimator=KGMMScore(prob=1e-2, max_epochs=100, random_state=0),
        random_state=0,
    )
    # With sigma=0.05 one fold's model blows up in 1000-step forecasts at
    # these tiny settings (a model matter, reported; not a plumbing one).
    grid = {"score_estimator__sigma": [0.1, 0.2]}
    return model, grid, make_bistable_additive(1, 12000, random_state=0)[0]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


CASES = {
    "SFMLFlow": _sfml,
    "CoarseSDE": _coarse,
    "DelayNODEForcing": _delay_node,
    "LangevinROM": _langevin,
}
# KGMM training makes the Langevin search take ~15-50 s on 2 shared cores.
SLOW = {"LangevinROM"}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in CASES],
)
def test_grid_search_over_segments_with_multi_metric_refit(name):
    try:
        model, grid, run = CASES[name]()
    except ImportError as exc:  # an estimator family not in this build
        pytest.skip(f"{name} unavailable: {exc}")
    X = segment_trajectory(run, 6)
    if name == "DelayNODEForcing":
        # Its sample() starts from delay vectors, not states: let it draw them.
        scoring = {
            "kl": make_statistics_scorer("pdf_kl", x0_from_data=False),
            "acf": make_statistics_scorer("acf_error", x0_from_data=False),
        }
    else:
        scoring = {"kl": pdf_kl_scorer, "acf": acf_error_scorer}
        if X.shape[2] == 1:
            scoring["skill"] = forecast_skill_scorer
    search = GridSearchCV(
        model, grid, scoring=scoring, refit="kl", cv=TrajectorySegmentSplit(3, gap=1)
    ).fit(X)
    for key in scoring:
        scores = search.cv_results_[f"mean_test_{key}"]
        assert scores.shape == (2,) and np.all(np.isfinite(scores))
    assert search.best_index_ == int(np.argmax(search.cv_results_["mean_test_kl"]))
    assert np.isfinite(search.score(X))
