"""KGMM in eight dimensions, and the cost of the response functions.

On stochastically forced Lorenz-96 (``n = 8``, ``F = 8``, ``sigma = 1``,
observed every 0.05):

1. ``KGMMScore`` fitted on 1e6 states (10 runs of 1e5; ``sigma=0.2``,
   ``prob=1e-4``, about 7400 cells, as the response needs in 8-D; ``--prob
   1e-3`` for the default resolution): wall time of ``fit``
   and of its stages (partition, noise passes, network), the number of
   cells and passes, and the peak resident memory of the process
   (``ru_maxrss``: data, torch and everything else included).
   Target: under 2 minutes and 2 GB on 2 cores.
2. ``score_response`` of the state to a constant forcing of site 0 over 3
   decorrelation times from the same 1e6 states (the score evaluated at
   every state), without and with Stein calibration, and
   ``gaussian_response``; relative L2 errors against the ensemble.
3. ``ensemble_response`` with 16,000 members over the same lags.
4. The score error where the exact score is known: Lorenz-96 with ``F = 0``
   and the same noise has the invariant density ``N(0, sigma^2 / 2 I)``
   (the advection conserves energy and has no divergence), so the score is
   ``-2 x / sigma^2``. ``KGMMScore`` with its defaults (``sigma=0.05``,
   ``prob=1e-3``) on 1e6 states (observed every 0.5, nearly independent) in
   4 and 8 dimensions: fit time, cells, relative L2 error of the score on
   the data and its slope on the exact score (1: unbiased; below: too
   weak), peak resident memory so far.

Times are wall-clock on ``--n-jobs`` workers (torch on one thread, as
everywhere in skrom's benchmarks); on a shared machine they carry its load.

Usage::

    python benchmarks/bench_response.py            # 1e6 states
    python benchmarks/bench_response.py --quick    # 1e5 states, fewer members
    python benchmarks/bench_response.py --profile  # cProfile of the fit, top 15
    python benchmarks/bench_response.py --score-error-only  # part 4 alone
"""

import argparse
import cProfile
import logging
import pstats
import resource
import sys
import time

import numpy as np
import torch

from skrom.datasets import make_lorenz96
from skrom.metrics import decorrelation_time
from skrom.response import (
    Lorenz96Simulator,
    ensemble_response,
    gaussian_response,
    score_response,
)
from skrom.score import KGMMScore

SYSTEM = dict(dt=0.05, noise=1.0)


def peak_rss_mb():
    # kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _StageTimer(logging.Handler):
    """Times between KGMMScore's INFO messages: one per stage of ``fit``."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.marks = []

    def emit(self, record):
        self.marks.append((time.perf_counter(), record.getMessage().split(":")[1]))


def score_error_rows(n_states, n_jobs):
    """Part 4: KGMM's score error on F = 0 Lorenz-96, where it is exact."""
    noise = SYSTEM["noise"]
    print(f"F = 0 (exact score -2 x / sigma^2), {n_states:.0e} states, defaults:")
    for n in (4, 8):
        X = make_lorenz96(
            10,
            n_states // 10,
            dt=0.5,
            n_variables=n,
            forcing=0.0,
            noise=noise,
            random_state=0,
            n_jobs=n_jobs,
        )
        t0 = time.perf_counter()
        est = KGMMScore(random_state=0, n_jobs=n_jobs).fit(X)
        t_fit = time.perf_counter() - t0
        states = X.reshape(-1, n)
        exact = -2.0 * states / noise**2
        learned = est.predict(states)
        error = np.linalg.norm(learned - exact) / np.linalg.norm(exact)
        slope = np.sum(learned * exact) / np.sum(exact * exact)
        print(
            f"  n = {n}: fit {t_fit:5.1f} s, {est.n_clusters_} cells; score "
            f"relative L2 error {error:.3f}, slope {slope:.3f}; peak RSS "
            f"{peak_rss_mb():.0f} MB"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1e5 states")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--sigma", type=float, default=0.2)
    parser.add_argument(
        "--prob", type=float, default=None, help="default 1e-4 (1e-3 with --quick)"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--score-error-only", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    n_traj, n_members = (1, 500) if args.quick else (10, 16_000)
    if args.score_error_only:
        score_error_rows(n_traj * 100_000, args.n_jobs)
        return 0
    if args.prob is None:
        args.prob = 1e-3 if args.quick else 1e-4

    t0 = time.perf_counter()
    X = make_lorenz96(n_traj, 100_000, random_state=0, n_jobs=args.n_jobs, **SYSTEM)
    print(
        f"data: {X.shape[0] * X.shape[1]:.0e} states x 8 in "
        f"{time.perf_counter() - t0:.1f} s; peak RSS {peak_rss_mb():.0f} MB"
    )

    timer = _StageTimer()
    log = logging.getLogger("skrom")
    log.addHandler(timer)
    log.setLevel(logging.INFO)
    est = KGMMScore(
        sigma=args.sigma, prob=args.prob, random_state=0, n_jobs=args.n_jobs
    )
    profile = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if profile:
        profile.enable()
    est.fit(X)
    if profile:
        profile.disable()
    t_fit = time.perf_counter() - t0
    log.removeHandler(timer)
    print(
        f"KGMMScore.fit: {t_fit:.1f} s ({est.n_clusters_} cells, {est.n_passes_} "
        f"passes); peak RSS {peak_rss_mb():.0f} MB  [target 120 s, 2048 MB]"
    )
    marks = [(t0, "checks, standardisation")] + timer.marks + [(t0 + t_fit, "end")]
    for (a, what), (b, _) in zip(marks[:-1], marks[1:], strict=True):
        print(f"  {b - a:7.1f} s {what.strip()[:60]}")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(15)

    tau = float(np.max(decorrelation_time(X, dt=SYSTEM["dt"], max_lag=200)))
    max_lag = int(np.ceil(3.0 * tau / SYSTEM["dt"]))
    u = np.eye(8)[0]
    t0 = time.perf_counter()
    learned = score_response(X, est, u, max_lag=max_lag, dt=SYSTEM["dt"])
    t_score = time.perf_counter() - t0
    calibrated = score_response(
        X, est, u, max_lag=max_lag, dt=SYSTEM["dt"], calibrate=True
    )
    t0 = time.perf_counter()
    gaussian = gaussian_response(X, u, max_lag=max_lag, dt=SYSTEM["dt"])
    t_gauss = time.perf_counter() - t0
    states = X.reshape(-1, 8)
    starts = states[np.random.default_rng(1).choice(len(states), n_members)]
    t0 = time.perf_counter()
    ref = ensemble_response(
        Lorenz96Simulator(**SYSTEM),
        starts,
        u,
        n_steps=max_lag + 1,
        amplitude=0.1,
        random_state=0,
        n_jobs=args.n_jobs,
    )
    t_ens = time.perf_counter() - t0

    def err(a):
        return np.linalg.norm(a - ref.response) / np.linalg.norm(ref.response)

    se = np.linalg.norm(ref.stderr) / np.linalg.norm(ref.response)
    print(f"lags: {max_lag + 1} (3 decorrelation times, tau = {tau:.2f})")
    print(
        f"score_response:    {t_score:6.1f} s  relative L2 error {err(learned.response):.3f}"
    )
    print(
        f"  calibrate=True:          relative L2 error {err(calibrated.response):.3f}"
    )
    print(
        f"gaussian_response: {t_gauss:6.1f} s  relative L2 error {err(gaussian.response):.3f}"
    )
    print(
        f"ensemble_response: {t_ens:6.1f} s  ({n_members} members, "
        f"relative standard error {se:.3f})"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    score_error_rows(n_traj * 100_000, args.n_jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
