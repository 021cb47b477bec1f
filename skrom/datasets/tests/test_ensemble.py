"""Ensembles are bit-identical for any n_jobs and joblib backend.

Tests :func:`skrom._ensemble.run_ensemble` directly and through a simulator.
"""

import threading
import time

import numpy as np
import pytest
from joblib import parallel_config

from skrom._ensemble import run_ensemble
from skrom._validation import SimulationBlowUpError
from skrom.datasets import make_bistable_additive, make_tristable


def _random_walk(rng, index, n_steps, scale):
    # depends on the member's generator and on its index, like a simulator member
    return np.cumsum(rng.standard_normal(n_steps) * scale) + index


def _where_member_ran(rng, index):
    try:
        from distributed import get_worker

        get_worker()
        on_dask = 1.0
    except (ImportError, ValueError):
        on_dask = 0.0
    return np.array([rng.random(), on_dask])


def _failing_member(rng, index):
    if index == 3:
        raise SimulationBlowUpError(f"blew up at step 7 of member {index}.")
    return rng.random(2)


@pytest.fixture(scope="module")
def reference_walks():
    return run_ensemble(_random_walk, 7, random_state=42, n_jobs=1, args=(50, 0.5))


@pytest.mark.parametrize("n_jobs", [1, 2, -1])
def test_run_ensemble_identical_across_n_jobs(reference_walks, n_jobs):
    out = run_ensemble(_random_walk, 7, random_state=42, n_jobs=n_jobs, args=(50, 0.5))
    assert out.shape == (7, 50)
    np.testing.assert_array_equal(out, reference_walks)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_run_ensemble_identical_across_backends(reference_walks, backend):
    out = run_ensemble(
        _random_walk, 7, random_state=42, n_jobs=2, backend=backend, args=(50, 0.5)
    )
    np.testing.assert_array_equal(out, reference_walks)
    with parallel_config(backend, n_jobs=2):
        out = run_ensemble(_random_walk, 7, random_state=42, args=(50, 0.5))
    np.testing.assert_array_equal(out, reference_walks)


def test_run_ensemble_members_independent_of_ensemble_size(reference_walks):
    more = run_ensemble(_random_walk, 10, random_state=42, n_jobs=2, args=(50, 0.5))
    np.testing.assert_array_equal(more[:7], reference_walks)
    # members are distinct streams
    increments = np.diff(reference_walks, axis=1)
    assert abs(np.corrcoef(increments[0], increments[1])[0, 1]) < 0.5
    assert not np.array_equal(increments[0], increments[1])


def test_run_ensemble_seed_types_and_list_output(reference_walks):
    out = run_ensemble(
        _random_walk,
        7,
        random_state=np.random.SeedSequence(42),
        args=(50, 0.5),
        stack=False,
    )
    assert isinstance(out, list) and len(out) == 7
    np.testing.assert_array_equal(np.stack(out), reference_walks)
    other = run_ensemble(_random_walk, 7, random_state=43, args=(50, 0.5))
    assert not np.array_equal(other, reference_walks)


def test_run_ensemble_error_in_worker_propagates():
    for n_jobs in (1, 2):
        with pytest.raises(SimulationBlowUpError, match="member 3"):
            run_ensemble(_failing_member, 6, random_state=0, n_jobs=n_jobs)


def test_simulator_identical_across_n_jobs_and_backends():
    kw = dict(n_trajectories=5, n_steps=400, random_state=123)
    reference = make_bistable_additive(n_jobs=1, **kw)
    for n_jobs in (2, -1):
        np.testing.assert_array_equal(
            make_bistable_additive(n_jobs=n_jobs, **kw), reference
        )
    for backend in ("loky", "threading"):
        with parallel_config(backend, n_jobs=2):
            np.testing.assert_array_equal(make_bistable_additive(**kw), reference)
    # also with an explicit x0 and for the non-autonomous system
    kw = dict(n_trajectories=3, n_steps=200, x0=[0.0, 0.5, -0.5], random_state=5)
    np.testing.assert_array_equal(
        make_tristable(n_jobs=2, **kw), make_tristable(n_jobs=1, **kw)
    )


def test_simulator_blow_up_reported_from_workers():
    with pytest.raises(SimulationBlowUpError, match=r"member \d"):
        make_bistable_additive(
            n_trajectories=4, n_steps=50, eps=0.02, n_jobs=2, random_state=0
        )


def test_threads_share_members_without_changing_results():
    # members spread over two threads still reproduce the serial run exactly
    seen = set()
    lock = threading.Lock()

    def member(rng, index):
        with lock:
            seen.add(threading.get_ident())
        time.sleep(0.02)  # long enough that the second thread picks up work
        return rng.random(3)

    serial = run_ensemble(member, 8, random_state=1, n_jobs=1)
    threaded = run_ensemble(member, 8, random_state=1, n_jobs=2, backend="threading")
    np.testing.assert_array_equal(serial, threaded)
    assert len(seen) >= 2


def test_dask_backend_on_local_cluster(reference_walks):
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    kw = dict(n_trajectories=4, n_steps=300, random_state=9)
    reference_sim = make_bistable_additive(n_jobs=1, **kw)
    where_serial = run_ensemble(_where_member_ran, 6, random_state=3)
    assert np.all(where_serial[:, 1] == 0)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        parallel_config("dask"),
    ):
        walks = run_ensemble(_random_walk, 7, random_state=42, args=(50, 0.5))
        where = run_ensemble(_where_member_ran, 6, random_state=3)
        sim = make_bistable_additive(**kw)
    np.testing.assert_array_equal(walks, reference_walks)
    np.testing.assert_array_equal(sim, reference_sim)
    # the members really ran on the cluster's workers, with the same draws
    assert np.all(where[:, 1] == 1)
    np.testing.assert_array_equal(where[:, 0], where_serial[:, 0])
