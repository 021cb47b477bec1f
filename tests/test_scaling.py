"""Scaling out: the same results on a dask cluster as with ``n_jobs=1``.

What the user guide's "Scaling out" page promises, run on a
``dask.distributed.LocalCluster`` (two thread workers) through joblib's dask
backend: a simulator ensemble, an estimator's ``sample`` ensemble and a
``GridSearchCV`` give bit-identical results to a serial run. The ensemble
runner itself and :func:`~skrom.datasets.make_bistable_additive` on a cluster
are tested in ``skrom/datasets/tests/test_ensemble.py``; this file adds
what a user runs on top of them.
"""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV

from skrom.datasets import make_multiscale_oscillator, make_tristable
from skrom.model_selection import TrajectorySegmentSplit, segment_trajectory
from skrom.score import KGMMScore, LangevinROM

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST_SCORE = dict(
    prob=0.05, max_passes=3, max_epochs=30, hidden_layers=(16,), lbfgs_iter=50
)
GRID = {"score_estimator__sigma": [0.05, 0.1, 0.2]}


def _search(X, n_jobs):
    search = GridSearchCV(
        LangevinROM(
            score_estimator=KGMMScore(**FAST_SCORE),
            dt=0.01,
            diffusion="estimated",
            random_state=0,
        ),
        GRID,
        cv=TrajectorySegmentSplit(n_splits=2, gap=1),
        n_jobs=n_jobs,
    )
    return search.fit(X)


@pytest.fixture(scope="module")
def segments():
    run = make_tristable(1, 8000, random_state=3)[0]
    return segment_trajectory(run, 5)


@pytest.fixture(scope="module")
def serial(segments):
    """Everything computed once with ``n_jobs=1``."""
    sims = dict(
        tristable=make_tristable(4, 300, random_state=9, n_jobs=1),
        oscillator=make_multiscale_oscillator(4, 200, random_state=9, n_jobs=1),
    )
    search = _search(segments, n_jobs=1)
    paths = search.best_estimator_.sample(200, n_paths=6, random_state=2)
    return sims, search, paths


@pytest.fixture(scope="module")
def on_cluster(segments):
    """The same on a local dask cluster of two thread workers."""
    with (
        distributed.LocalCluster(
            n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        parallel_config("dask"),
    ):
        sims = dict(
            tristable=make_tristable(4, 300, random_state=9),
            oscillator=make_multiscale_oscillator(4, 200, random_state=9),
        )
        search = _search(segments, n_jobs=None)
        model = search.best_estimator_
        paths = model.sample(200, n_paths=6, random_state=2)
        # the work really went through the scheduler: the kinds of task it saw
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: sorted(dask_scheduler.task_prefixes)
        )
    return sims, search, paths, prefixes


def test_simulator_ensembles_identical_on_cluster(serial, on_cluster):
    for name, reference in serial[0].items():
        np.testing.assert_array_equal(on_cluster[0][name], reference, err_msg=name)


def test_grid_search_identical_on_cluster(serial, on_cluster):
    ref, dask = serial[1], on_cluster[1]
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(dask.cv_results_[key], ref.cv_results_[key])
    assert dask.best_params_ == ref.best_params_
    np.testing.assert_array_equal(
        dask.best_estimator_.drift_matrix_, ref.best_estimator_.drift_matrix_
    )


def test_estimator_sample_identical_on_cluster(serial, on_cluster):
    np.testing.assert_array_equal(on_cluster[2], serial[2])


def test_work_ran_on_the_cluster(on_cluster):
    # joblib's dask backend submits batches of calls as tasks
    assert any(p.startswith("batch_of") for p in on_cluster[3]), on_cluster[3]
