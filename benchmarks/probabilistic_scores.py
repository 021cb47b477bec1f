"""Closed-form checks and cost of the probabilistic forecast scores.

Prints, from one run:

- the fair and standard CRPS (``skrom.metrics.forecast_crps``) of Gaussian
  ensembles of 10^5 members against the CRPS of N(mu, s^2),
  ``s [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]``, z = (y - mu) / s;
- the bias of both estimators for small ensembles (mean over many
  ensembles) against the closed form;
- the coverage of central intervals of a calibrated ensemble
  (``interval_coverage``) against their nominal levels;
- the spread-skill ratio (``spread_skill_ratio``) of a calibrated ensemble
  of 5 members, which must be 1, and what it would be without the
  ``(m + 1) / m`` correction;
- the sampling floor of ``pdf_kl_divergence`` and ``pdf_hellinger_distance``:
  their median value between two independent samples of N(0, 1) of n
  points each, which is what a perfect model scores on a run of that size;
- the time of the CRPS by sorting, O(m log m), against the direct double
  sum over member pairs, O(m^2) (chunked so memory stays small), for growing
  ensembles; the O(m^2) time at 10^5 members is extrapolated from the
  largest measured size unless ``--full``.

Usage::

    python benchmarks/probabilistic_scores.py          # about ten seconds
    python benchmarks/probabilistic_scores.py --full   # also O(m^2) at 1e5: ~1 min
"""

import argparse
import time

import numpy as np
from scipy import stats

from skrom.metrics import (
    forecast_crps,
    interval_coverage,
    pdf_hellinger_distance,
    pdf_kl_divergence,
    spread_skill_ratio,
)


def gaussian_crps(y, mu, s):
    z = (y - mu) / s
    return s * (
        z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)
    )


def quadratic_crps(y, x):
    """Standard CRPS by the direct double sum over pairs, in chunks of 2e6 pairs."""
    m = x.size
    chunk = max(2_000_000 // m, 1)
    pair = 0.0
    for i in range(0, m, chunk):
        pair += np.abs(x[i : i + chunk, None] - x[None, :]).sum()
    return np.mean(np.abs(x - y)) - pair / (2.0 * m * m)


def best_time(fn, *args, repeats=3, **kwargs):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best


def crps_checks(rng):
    print("CRPS of N(mu, s^2) at y, 1e5 members")
    print(
        f"{'mu':>5} {'s':>5} {'y':>5} {'exact':>8} {'fair':>8} {'standard':>8} "
        f"{'rel. err':>8}"
    )
    cases = [(0.0, 1.0, 0.0), (0.0, 1.0, 2.0), (1.0, 0.5, 2.5), (-2.0, 2.0, -2.0)]
    for mu, s, y in cases:
        members = (mu + s * rng.standard_normal(100_000)).reshape(1, -1, 1, 1)
        truth = np.full((1, 1, 1), y)
        fair = forecast_crps(truth, members)[1][0]
        std = forecast_crps(truth, members, fair=False)[1][0]
        exact = gaussian_crps(y, mu, s)
        err = max(abs(fair - exact), abs(std - exact)) / exact
        print(
            f"{mu:5.1f} {s:5.1f} {y:5.1f} {exact:8.4f} {fair:8.4f} {std:8.4f} "
            f"{err:8.2%}"
        )
    print()
    print("Small ensembles from N(0, 1) verified at y = 0.5: mean over 20 000")
    exact = gaussian_crps(0.5, 0.0, 1.0)
    print(f"{'m':>4} {'exact':>8} {'fair':>8} {'standard':>8} {'E|X-X`|/2m':>10}")
    for m in (2, 4, 10, 50):
        pred = rng.standard_normal((20_000, m, 1, 1))
        truth = np.full((20_000, 1, 1), 0.5)
        fair = forecast_crps(truth, pred)[1][0]
        std = forecast_crps(truth, pred, fair=False)[1][0]
        print(
            f"{m:4d} {exact:8.4f} {fair:8.4f} {std:8.4f} "
            f"{2 / np.sqrt(np.pi) / (2 * m):10.4f}"
        )
    print()


def coverage_checks(rng):
    n, m = 2000, 2000
    y = stats.norm.ppf((np.arange(n) + 0.5) / n)
    truth = rng.permutation(y).reshape(n, 1, 1)
    pred = rng.standard_normal((n, m, 1, 1))
    levels = [0.5, 0.8, 0.9, 0.95]
    _, cov = interval_coverage(truth, pred, levels)
    print(f"Coverage of a calibrated ensemble ({n} outcomes x {m} members)")
    print("level    " + " ".join(f"{a:6.2f}" for a in levels))
    print("coverage " + " ".join(f"{c:6.3f}" for c in cov[:, 0]))
    print()


def spread_skill_checks(rng):
    n, m = 20_000, 5
    centre = rng.normal(size=(n, 1, 1, 1))
    truth = (centre + rng.standard_normal((n, 1, 1, 1)))[:, 0]
    pred = centre + rng.standard_normal((n, m, 1, 1))
    ratio = spread_skill_ratio(truth, pred)[1][0]
    print(
        f"Spread-skill ratio, calibrated, m = {m}: {ratio:.3f} (exact 1); "
        f"without the (m+1)/m factor: {ratio * np.sqrt(m / (m + 1)):.3f}"
    )
    print()


def density_floors(rng):
    print("Sampling floor: median over 5 pairs of independent N(0, 1) samples")
    print(f"{'n':>8} {'KL (kde)':>9} {'KL (hist)':>9} {'Hellinger':>9}")
    for n in (300, 1_000, 10_000, 100_000):
        kde, hist, hel = [], [], []
        for _ in range(5):
            a, b = rng.standard_normal(n), rng.standard_normal(n)
            kde.append(pdf_kl_divergence(a, b))
            hist.append(pdf_kl_divergence(a, b, method="hist"))
            hel.append(pdf_hellinger_distance(a, b))
        print(
            f"{n:8d} {np.median(kde):9.4f} {np.median(hist):9.4f} {np.median(hel):9.4f}"
        )
    print()


def cost(rng, full):
    print("Cost of one CRPS (one point), seconds: sorting vs direct O(m^2) sum")
    print(f"{'m':>7} {'sorting':>10} {'O(m^2)':>10} {'ratio':>8} {'|diff|':>9}")
    sizes = [1_000, 10_000, 100_000] if full else [1_000, 3_000, 10_000]
    last = None
    for m in sizes:
        x = rng.standard_normal(m)
        pred = x.reshape(1, m, 1, 1)
        truth = np.full((1, 1, 1), 0.3)
        t_sort = best_time(forecast_crps, truth, pred, fair=False)
        t_quad = best_time(quadratic_crps, 0.3, x, repeats=1 if m > 1e4 else 3)
        diff = abs(
            forecast_crps(truth, pred, fair=False)[1][0] - quadratic_crps(0.3, x)
        )
        print(
            f"{m:7d} {t_sort:10.2e} {t_quad:10.2e} {t_quad / t_sort:8.0f} {diff:9.1e}"
        )
        last = (m, t_quad)
    if not full:
        m = 100_000
        x = rng.standard_normal(m)
        pred = x.reshape(1, m, 1, 1)
        t_sort = best_time(forecast_crps, np.full((1, 1, 1), 0.3), pred)
        t_quad = last[1] * (m / last[0]) ** 2
        print(
            f"{m:7d} {t_sort:10.2e} {t_quad:10.2e} {t_quad / t_sort:8.0f}   "
            "(O(m^2) extrapolated as m^2)"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full", action="store_true", help="time the O(m^2) sum at 1e5 members too"
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    crps_checks(rng)
    coverage_checks(rng)
    spread_skill_checks(rng)
    density_floors(rng)
    cost(rng, args.full)


if __name__ == "__main__":
    main()
