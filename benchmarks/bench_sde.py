"""Speed of the multiscale SDE simulators and of ``simulate_sde``.

Prints, from one run, Euler-Maruyama fine steps per second of the skew-product
system (``skrom.datasets.make_skew_product``: one Gaussian draw per step) for

- the numba kernel ``skrom.datasets._multiscale_sde._skew_product_kernel``;
- the same loop in C compiled with ``gcc -O3``, drawing from the *same*
  numpy generator (numpy's C ``random_standard_normal`` on the generator's
  ``bitgen_t``), called through ctypes; the two runs must agree bit for bit
  (skipped without gcc);
- the same loop run by the Python interpreter (the kernel's ``py_func``);
- a vectorised NumPy ensemble (all members advanced together; member-steps/s);
- :func:`skrom.datasets.simulate_sde` with the same model written as user
  ``numba.njit`` drift and diffusion functions (it draws one normal per state
  component, so two per step);

and the wall-clock speed-up of a joblib ensemble (``make_skew_product``) on 2
cores against 1 core.

Targets: numba within 1.2x of C, numba >= 100x Python, ensemble speed-up
>= 1.7x on 2 cores.

Usage::

    python benchmarks/bench_sde.py           # about half a minute
    python benchmarks/bench_sde.py --quick   # a few seconds, rough
"""

import argparse
import ctypes
import os
import sys
import tempfile
import time

import c_twin
import numba
import numpy as np
from joblib import parallel_config

from skrom.datasets import make_skew_product, simulate_sde
from skrom.datasets._multiscale_sde import _skew_product_kernel

EPS, A, LAM = 0.01, 1.0, 1.2
PARAMS = np.array([EPS, A, LAM])
H = 1e-4
SUBSTEPS = 100
STATE0 = np.array([1.5, 0.3])

C_SOURCE = r"""
#include <math.h>
#include "numpy/random/bitgen.h"
double random_standard_normal(bitgen_t *bitgen_state);

long skew_product_em(bitgen_t *rng, double x, double y, long n_steps,
                     long substeps, double h, double eps, double a, double lam,
                     double *out) {
    double decay = a / eps * h, noise = sqrt(2.0 * lam / eps * h);
    out[0] = x;
    out[1] = y;
    for (long n = 1; n < n_steps; ++n) {
        for (long k = 0; k < substeps; ++k) {
            double dw = random_standard_normal(rng);
            double x_new = x + (1.0 - y * y) * x * h;
            y = y - decay * y + noise * dw;
            x = x_new;
        }
        if (!(isfinite(x) && isfinite(y))) return n;
        out[2 * n] = x;
        out[2 * n + 1] = y;
    }
    return -1;
}
"""


@numba.njit
def _drift(x, t, out):
    out[0] = (1.0 - x[1] * x[1]) * x[0]
    out[1] = -A / EPS * x[1]


@numba.njit
def _diffusion(x, t, out):
    out[0] = 0.0
    out[1] = np.sqrt(2.0 * LAM / EPS)


def _best_time(fn, repeats):
    best, result = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def _kernel_run(kernel, n_obs):
    out = np.empty((n_obs, 2))
    kernel(STATE0, n_obs, SUBSTEPS, H, PARAMS, np.random.default_rng(0), out)
    return out


def bench_numba(n_obs, repeats):
    _kernel_run(_skew_product_kernel, 2)  # load the cache
    seconds, out = _best_time(lambda: _kernel_run(_skew_product_kernel, n_obs), repeats)
    return (n_obs - 1) * SUBSTEPS / seconds, out


def bench_python(n_obs):
    python_loop = _skew_product_kernel.py_func
    seconds, out = _best_time(lambda: _kernel_run(python_loop, n_obs), 1)
    return (n_obs - 1) * SUBSTEPS / seconds, out


def bench_numpy(n_members, n_fine):
    def run():
        rng = np.random.default_rng(0)
        x = np.full(n_members, STATE0[0])
        y = np.full(n_members, STATE0[1])
        decay, noise = A / EPS * H, np.sqrt(2.0 * LAM / EPS * H)
        for _ in range(n_fine):
            dw = rng.standard_normal(n_members)
            x, y = x + (1.0 - y * y) * x * H, y - decay * y + noise * dw
        return x

    seconds, _ = _best_time(run, 1)
    return n_members * n_fine / seconds


def bench_c(n_obs, repeats):
    with tempfile.TemporaryDirectory() as tmp:
        clib, why = c_twin.build(C_SOURCE, tmp, flags=["-O3"], numpy_random=True)
        if clib is None:
            return None, why
        fn = clib.skew_product_em
        fn.restype = ctypes.c_long
        fn.argtypes = [
            ctypes.c_void_p,
            ctypes.c_double,
            ctypes.c_double,
            ctypes.c_long,
            ctypes.c_long,
            ctypes.c_double,
            ctypes.c_double,
            ctypes.c_double,
            ctypes.c_double,
            ctypes.c_void_p,
        ]

        def run():
            bit_gen = np.random.PCG64(np.random.SeedSequence(0))
            out = np.empty((n_obs, 2))
            status = fn(
                bit_gen.ctypes.bit_generator.value,
                STATE0[0],
                STATE0[1],
                n_obs,
                SUBSTEPS,
                H,
                EPS,
                A,
                LAM,
                out.ctypes.data,
            )
            assert status == -1
            return out

        seconds, out = _best_time(run, repeats)
    return (n_obs - 1) * SUBSTEPS / seconds, out


def bench_generic(n_obs, repeats):
    kw = dict(dt=H * SUBSTEPS, substeps=SUBSTEPS, random_state=0)
    simulate_sde(_drift, _diffusion, STATE0, 2, **kw)  # compile

    def run():
        return simulate_sde(_drift, _diffusion, STATE0, n_obs, **kw)

    seconds, _ = _best_time(run, repeats)
    return (n_obs - 1) * SUBSTEPS / seconds


def bench_ensemble(n_members, n_obs, repeats):
    kw = dict(n_trajectories=n_members, n_steps=n_obs, random_state=0)
    make_skew_product(n_trajectories=2, n_steps=3, n_jobs=2)  # start the workers
    times, results = {}, {}
    for label, n_jobs, backend in (
        ("1 core", 1, "loky"),
        ("2 cores, loky", 2, "loky"),
        ("2 cores, threading", 2, "threading"),
    ):
        with parallel_config(backend=backend):
            times[label], results[label] = _best_time(
                lambda n_jobs=n_jobs: make_skew_product(n_jobs=n_jobs, **kw), repeats
            )
    identical = all(np.array_equal(r, results["1 core"]) for r in results.values())
    return times, identical


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short, rough run")
    opts = parser.parse_args(argv)
    scale = 0.1 if opts.quick else 1.0
    repeats = 2 if opts.quick else 5

    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, numba "
        f"{numba.__version__}, cpus visible: {os.cpu_count()}, load average: "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    n_obs = int(2e5 * scale) + 1  # 2e7 fine steps
    numba_rate, numba_out = bench_numba(n_obs, repeats)
    c_rate, c_out = bench_c(n_obs, repeats)
    py_rate, _ = bench_python(int(2e3 * scale) + 1)
    np_rate = bench_numpy(1000, int(2e4 * scale))
    generic_rate = bench_generic(n_obs, repeats)

    print()
    print(f"Euler-Maruyama on the skew product (x, y), h = {H:g}, eps = {EPS:g}")
    print(f"{'implementation':<44}{'steps/s':>14}{'numba / it':>12}")
    rows = [("numba kernel (1 thread)", numba_rate)]
    if c_rate is not None:
        rows.append(("C, gcc -O3, same loop and generator", c_rate))
    rows += [
        ("pure Python, same loop", py_rate),
        ("NumPy, 1000 members vectorised", np_rate),
        ("simulate_sde, user njit drift/diffusion", generic_rate),
    ]
    for name, rate in rows:
        print(f"{name:<44}{rate:>14.3e}{numba_rate / rate:>12.2f}")
    if c_rate is None:
        print(f"C baseline skipped: {c_out}")
    else:
        same = np.array_equal(numba_out, c_out)
        print(f"numba and C paths bit-identical: {same}")
    print("(NumPy rate counts member-steps; simulate_sde draws 2 normals per step)")

    n_members, ens_obs = 16, int(1e5 * scale) + 1
    times, identical = bench_ensemble(n_members, ens_obs, max(1, repeats // 2))
    print()
    print(
        f"joblib ensemble: make_skew_product, {n_members} trajectories x "
        f"{(ens_obs - 1) * SUBSTEPS:.1e} fine steps (workers started first)"
    )
    print(f"{'workers':<44}{'seconds':>14}{'speed-up':>12}")
    for label, seconds in times.items():
        print(f"{label:<44}{seconds:>14.3f}{times['1 core'] / seconds:>12.2f}")
    print(f"outputs bit-identical across runs: {identical}")

    def verdict(ok):
        return "ok" if ok else "MISSED"

    print()
    print("targets:")
    if c_rate is not None:
        vs_c = c_rate / numba_rate
        print(f"  C / numba <= 1.2         : {vs_c:8.2f}  {verdict(vs_c <= 1.2)}")
    vs_python = numba_rate / py_rate
    print(f"  numba / Python >= 100    : {vs_python:8.0f}  {verdict(vs_python >= 100)}")
    speed_up = times["1 core"] / times["2 cores, loky"]
    print(f"  2-core speed-up >= 1.7   : {speed_up:8.2f}  {verdict(speed_up >= 1.7)}")
    print("  (speed-ups need 2 idle cores: compare the load average printed above)")


if __name__ == "__main__":
    main()
