"""Run ensemble members in parallel with joblib, reproducibly.

Member ``i`` always receives the generator built from child ``i`` of one
``SeedSequence``, and members are only grouped into chunks for scheduling, so
the output is bit-identical for any ``n_jobs`` and any joblib backend
(``loky``, ``threading``, ``dask`` on a ``distributed`` cluster...).
"""

import numbers

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs

from ._random import spawn_seeds

__all__ = ["run_ensemble", "check_n_jobs"]


def check_n_jobs(n_jobs):
    """Return ``n_jobs`` if joblib can use it: None or a nonzero int.

    Checked before any work starts, so a bad value is named here rather than
    deep inside joblib.
    """
    if n_jobs is None or (
        isinstance(n_jobs, numbers.Integral)
        and not isinstance(n_jobs, bool)
        and n_jobs != 0
    ):
        return n_jobs
    raise ValueError(
        "n_jobs must be None or a nonzero int (a positive number of workers, or "
        f"-1 for all cores, -2 for all but one, ...); got {n_jobs!r}."
    )


def _run_chunk(member_fn, seeds, indices, args):
    return [
        member_fn(np.random.default_rng(s), i, *args)
        for s, i in zip(seeds, indices, strict=False)
    ]


def run_ensemble(
    member_fn,
    n_members,
    *,
    random_state=None,
    n_jobs=None,
    backend=None,
    args=(),
    stack=True,
):
    """Run ``member_fn(rng, index, *args)`` for every member.

    Parameters
    ----------
    member_fn : callable
        Picklable function ``(rng: numpy.random.Generator, index: int, *args)``
        returning the member's result (usually an ndarray).
    n_members : int
        Number of members.
    random_state : None, int, SeedSequence or Generator
        Parent seed; member ``i`` gets its child ``i``.
    n_jobs : int or None
        Parallel workers, as in joblib (``-1`` = all cores). ``None`` means 1
        unless inside a :func:`joblib.parallel_config` context. Anything else
        than None or a nonzero int raises ``ValueError``.
    backend : str or None
        joblib backend; ``None`` uses the active :func:`joblib.parallel_config`
        (so ``with parallel_config("dask"):`` sends members to a cluster).
    args : tuple
        Extra positional arguments passed to every member.
    stack : bool, default=True
        Stack the results with :func:`numpy.stack`; otherwise return a list.
    """
    check_n_jobs(n_jobs)
    seeds = spawn_seeds(random_state, n_members)
    workers = effective_n_jobs(n_jobs) if n_jobs is not None else 1
    if n_jobs is None and backend is None:
        # let an enclosing parallel_config decide the worker count
        workers = max(1, effective_n_jobs(None))
    if workers == 1 and backend is None:
        results = _run_chunk(member_fn, seeds, range(n_members), args)
    else:
        # a few chunks per worker balances load without one task per member
        n_chunks = min(n_members, 4 * workers)
        bounds = np.linspace(0, n_members, n_chunks + 1).astype(int)
        chunks = Parallel(n_jobs=n_jobs, backend=backend)(
            delayed(_run_chunk)(member_fn, seeds[a:b], range(a, b), args)
            for a, b in zip(bounds[:-1], bounds[1:], strict=False)
            if b > a
        )
        results = [r for chunk in chunks for r in chunk]
    return np.stack(results) if stack else results
