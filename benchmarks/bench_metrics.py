"""Speed and accuracy of the metrics' kernels against their baselines.

Prints, from one run:

- linear binning of samples onto a grid (the core of the KDE in
  ``skrom.metrics.marginal_pdf``): samples per second of the numba kernel
  ``skrom.metrics._binning.linear_binning``, the same loop in pure Python
  (its ``py_func``), a vectorised NumPy version (``np.bincount``) and the same
  loop in C compiled with ``gcc -O3`` and called through ctypes (skipped
  without gcc);
- the binned KDE against the direct kernel sum of
  ``scipy.stats.gaussian_kde`` at the same bandwidth: time and largest
  density difference;
- the FFT autocorrelation against the direct sum over lags.

Target: numba within 1.2x of C.

Usage::

    python benchmarks/bench_metrics.py           # about half a minute
    python benchmarks/bench_metrics.py --quick   # a few seconds, rough
"""

import argparse
import ctypes
import sys
import tempfile
import time

import c_twin
import numpy as np
from scipy.stats import gaussian_kde

from skrom.metrics import autocorrelation, marginal_pdf
from skrom.metrics._binning import linear_binning

C_SOURCE = r"""
void linear_binning(const double *samples, long n, double start, double delta,
                    long n_points, double *weights) {
    long last = n_points - 1;
    double inv = 1.0 / delta;
    for (long i = 0; i < n_points; ++i) weights[i] = 0.0;
    for (long k = 0; k < n; ++k) {
        double u = (samples[k] - start) * inv;
        if (u < 0.0 || u > last) continue;
        long left = (long)u;
        if (left >= last) left = last - 1;
        double w = u - left;
        weights[left] += 1.0 - w;
        weights[left + 1] += w;
    }
}
"""


def best_time(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def numpy_binning(samples, start, delta, n_points):
    u = (samples - start) / delta
    u = u[(u >= 0) & (u <= n_points - 1)]
    left = np.minimum(np.floor(u).astype(np.int64), n_points - 2)
    w = u - left
    out = np.bincount(left, weights=1.0 - w, minlength=n_points)
    return out + np.bincount(left + 1, weights=w, minlength=n_points)


def c_binning(tmp):
    so, _ = c_twin.build(C_SOURCE, tmp, flags=["-O3"])
    if so is None:
        return None
    dptr = ctypes.POINTER(ctypes.c_double)
    so.linear_binning.argtypes = [
        dptr,
        ctypes.c_long,
        ctypes.c_double,
        ctypes.c_double,
        ctypes.c_long,
        dptr,
    ]

    def run(samples, start, delta, n_points):
        out = np.empty(n_points)
        so.linear_binning(
            samples.ctypes.data_as(dptr),
            samples.size,
            start,
            delta,
            n_points,
            out.ctypes.data_as(dptr),
        )
        return out

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n, repeats = (10**6, 3) if args.quick else (10**7, 5)
    rng = np.random.default_rng(0)
    samples = rng.normal(size=n)
    grid = (-5.0, 10.0 / 511, 512)

    print(f"Linear binning of {n:.0e} samples onto {grid[2]} points")
    linear_binning(samples[:10], *grid)  # compile (or load the cache)
    ref = linear_binning(samples, *grid)
    rows = [
        ("numba kernel", best_time(lambda: linear_binning(samples, *grid), repeats))
    ]
    n_py = min(n, 2 * 10**5)
    t_py = best_time(lambda: linear_binning.py_func(samples[:n_py], *grid), 1)
    rows.append(("pure Python, same loop", t_py * n / n_py))
    np.testing.assert_allclose(numpy_binning(samples, *grid), ref, atol=1e-6)
    rows.append(
        ("NumPy bincount", best_time(lambda: numpy_binning(samples, *grid), repeats))
    )
    with tempfile.TemporaryDirectory() as tmp:
        c_fn = c_binning(tmp)
        if c_fn is not None:
            np.testing.assert_allclose(c_fn(samples, *grid), ref, atol=1e-6)
            rows.append(
                (
                    "C, gcc -O3, same loop",
                    best_time(lambda: c_fn(samples, *grid), repeats),
                )
            )
    numba_t = rows[0][1]
    for name, t in rows:
        print(
            f"  {name:26s} {n / t:12.3e} samples/s   numba speed-up {t / numba_t:7.2f}x"
        )
    if c_fn is not None:
        ratio = numba_t / rows[-1][1]
        verdict = "OK" if ratio <= 1.2 else "MISSED"
        print(f"  numba time / C time = {ratio:.2f} (target <= 1.2: {verdict})")

    m = 10**4 if args.quick else 10**5
    x = rng.normal(size=m)
    print(f"\nKDE of {m:.0e} samples on 512 points, bandwidth 0.1")
    t_binned = best_time(lambda: marginal_pdf(x, bandwidth=0.1), repeats)
    g, dens = marginal_pdf(x, bandwidth=0.1)
    kde = gaussian_kde(x, bw_method=0.1 / x.std(ddof=1))
    t_direct = best_time(lambda: kde(g), 1)
    diff = np.max(np.abs(dens - kde(g)))
    print(f"  binned KDE        {t_binned * 1e3:9.2f} ms")
    ratio = t_direct / t_binned
    print(f"  scipy gaussian_kde {t_direct * 1e3:8.2f} ms   ratio {ratio:.0f}x")
    print(f"  largest density difference {diff:.2e} (peak {dens.max():.3f})")

    X = rng.normal(size=(20, 5000, 1)).cumsum(axis=1)
    lags = 200
    print(f"\nACF of 20 x 5000 steps up to lag {lags}")

    def direct():
        c = X - X.mean()
        return [np.sum(c[:, : 5000 - k] * c[:, k:]) for k in range(lags + 1)]

    t_fft = best_time(lambda: autocorrelation(X, lags), repeats)
    t_dir = best_time(direct, 1)
    print(
        f"  FFT {t_fft * 1e3:8.2f} ms   direct sum {t_dir * 1e3:8.2f} ms   "
        f"ratio {t_dir / t_fft:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
