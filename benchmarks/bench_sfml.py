"""Training time and generation speed of ``SFMLFlow`` on the paper's systems.

For every multiscale system of Chen & Xiu (2024) at its published epsilon:

- simulate the training data (bursts of T = 1 from the authors' box of
  initial states, observed every dt = 0.01: 40,000 by default, 10,000 as
  published with ``--paper-data``) and the truth (20,000 paths from the
  published initial state up to the test horizon);
- fit :class:`skrom.flows.SFMLFlow` with the settings below, timing ``fit``;
- generate as many paths as the truth has, to the horizon, and report the
  errors of the mean and standard deviation over time relative to the
  truth's spread
  (:func:`skrom.metrics.mean_std_error`), against the 5% tolerance;
- report generation throughput in path-steps per second: the batched
  ``sample`` against the full multiscale simulation (fine Euler-Maruyama
  steps of slow and fast variables, the baseline a learned model replaces)
  and against advancing one path at a time through the same flow.

Target: each fit reaches the tolerances in under 5 minutes on 2 CPU cores.
Why more data and paths than the paper: with 10,000 bursts the data fix the
drift near the stationary state only to about 0.03 of the spread in the
long-run mean, and two independent 10,000-path truths already differ by up
to 0.06 (see the slow tests in skrom/flows/tests/test_sfml.py).

Usage::

    python benchmarks/bench_sfml.py                      # all five systems
    python benchmarks/bench_sfml.py --systems exp_ou triad
    python benchmarks/bench_sfml.py --paper-data         # 10,000 bursts, 10,000 paths
    python benchmarks/bench_sfml.py --quick              # small data, seconds
"""

import argparse
import time

import torch

from skrom.datasets import (
    make_duan,
    make_exp_ou,
    make_multiscale_oscillator,
    make_skew_product,
    make_triad,
)
from skrom.flows import SFMLFlow
from skrom.metrics import mean_std_error

# system -> (simulator, published eps, test horizon, SFMLFlow settings); the
# same settings as the slow tests in skrom/flows/tests/test_sfml.py
COMMON = dict(n_pairs_per_trajectory=20, batch_size=4096, max_epochs=20, patience=20)
SYSTEMS = {
    "skew_product": (make_skew_product, 0.01, 4.0, dict(lag=20, **COMMON)),
    "exp_ou": (make_exp_ou, 0.001, 4.0, dict(lag=20, **COMMON)),
    "triad": (make_triad, 0.1, 10.0, dict(lag=20, **COMMON)),
    "duan": (make_duan, 0.001, 8.0, dict(lag=5, **COMMON)),
    "oscillator": (make_multiscale_oscillator, 0.001, 20.0, dict(lag=5, **COMMON)),
}
DT = 0.01
TOL = 0.05


def run_system(name, n_train, n_test, horizon_scale, n_threads):
    make, eps, horizon, settings = SYSTEMS[name]
    horizon *= horizon_scale
    lag = settings.get("lag", 1)
    n_steps = int(round(horizon / DT)) + 1
    t0 = time.perf_counter()
    X_train = make(
        n_train, 101, DT, eps=eps, x0_range="paper", random_state=0, n_jobs=n_threads
    )
    t_train_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    X_true = make(n_test, n_steps, DT, eps=eps, random_state=1, n_jobs=n_threads)
    t_truth = time.perf_counter() - t0
    X_true = X_true[:, ::lag]

    model = SFMLFlow(dt=DT, random_state=0, n_jobs=n_threads, **settings)
    t0 = time.perf_counter()
    model.fit(X_train)
    t_fit = time.perf_counter() - t0

    t0 = time.perf_counter()
    paths = model.sample(
        X_true.shape[1], x0=X_true[:, 0], n_paths=n_test, random_state=1
    )
    t_sample = time.perf_counter() - t0
    err = mean_std_error(X_true, paths)

    # one path at a time through the same flow, on a few paths
    n_loop, n_loop_steps = 20, min(50, X_true.shape[1])
    t0 = time.perf_counter()
    for i in range(n_loop):
        model.sample(n_loop_steps, x0=X_true[i, 0], n_paths=1, random_state=i)
    t_loop = time.perf_counter() - t0

    model_rate = n_test * (X_true.shape[1] - 1) / t_sample
    truth_rate = n_test * (X_true.shape[1] - 1) / t_truth  # observation steps
    loop_rate = n_loop * (n_loop_steps - 1) / t_loop
    ok = err.mean_error < TOL and err.std_error < TOL
    print(f"\n== {name} (eps={eps:g}, horizon T={horizon:g}, lag={lag}) ==")
    print(f"data: training {X_train.shape} simulated in {t_train_data:.1f} s")
    print(
        f"fit: {t_fit:.1f} s, {model.n_epochs_} epochs, {model.n_pairs_} pairs, "
        f"best val log-lik {max(model.history_['val_log_likelihood']):.4f}"
    )
    print(
        f"mean error {err.mean_error:.4f}, std error {err.std_error:.4f} "
        f"(tolerance {TOL}) -> {'PASS' if ok else 'FAIL'}; "
        f"fit under 5 min: {'yes' if t_fit < 300 else 'no'}"
    )
    print(
        f"generation: {model_rate:,.0f} path-steps/s batched; "
        f"{loop_rate:,.0f} one path at a time (x{model_rate / loop_rate:.0f}); "
        f"full multiscale simulation {truth_rate:,.0f} "
        f"(x{model_rate / truth_rate:.1f})"
    )
    return dict(
        name=name,
        fit=t_fit,
        mean_error=err.mean_error,
        std_error=err.std_error,
        ok=ok,
        rate=model_rate,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--systems", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS)
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1,000 bursts, 1,000 truth paths, a quarter horizon",
    )
    parser.add_argument(
        "--paper-data",
        action="store_true",
        help="10,000 bursts and 10,000 truth paths, as published",
    )
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.quick:
        n_train, n_test, scale = 1000, 1000, 0.25
    elif args.paper_data:
        n_train, n_test, scale = 10_000, 10_000, 1.0
    else:
        n_train, n_test, scale = 40_000, 20_000, 1.0
    rows = [run_system(s, n_train, n_test, scale, args.threads) for s in args.systems]
    print("\nsummary: system, fit seconds, mean error, std error, within 5%")
    for r in rows:
        print(
            f"  {r['name']:<13} {r['fit']:7.1f} {r['mean_error']:.4f} "
            f"{r['std_error']:.4f} {r['ok']}"
        )


if __name__ == "__main__":
    main()
