"""KGMM against denoising score matching, and the speed of Langevin sampling.

Prints, from one run on one core (torch and numba single-threaded; times are
CPU times of this process, ``time.process_time``, so that other jobs on a
shared machine do not distort them):

1. Score learning on the same samples of the double-well density
   ``p(x) ~ exp(-(x^2 - 1)^2)`` (exact score ``-4 x (x^2 - 1)``) with the same
   network (MLP 128-64, swish) and the same noise level (``sigma = 0.05`` in
   standardised units):

   - ``KGMMScore`` with its defaults: fit time and relative L2 score error
     over the bulk (density above 1% of its peak);
   - denoising score matching (DSM, Vincent 2011): the network trained by
     Adam on minibatches of the samples with fresh noise, loss
     ``|sigma s(y + sigma z) + z|^2``; its error is checked every few hundred
     steps, and the time at which it first reaches KGMM's error is reported
     (or, if it never does within 40 times KGMM's time, its best error).

   Target: KGMM at least 10x faster at equal or lower error.

2. Langevin sampling (``LangevinROM.sample``) of 1e7 Euler-Maruyama steps
   of a 1-D model (score read from the cubic table) on one core, and the
   cost per step of a 2-D model (network evaluated at every step).

   Target: 1e7 steps well under a second. Also the cost per step of one
   dynamic feature with a clock pair (drift read from the ``(x, phase)``
   tables) against the same model with its network evaluated every step.

Usage::

    python benchmarks/bench_kgmm.py           # 1e6 samples, a few minutes
    python benchmarks/bench_kgmm.py --quick   # 1e5 samples, about a minute
"""

import argparse
import time

import numpy as np
import torch

from skrom._torch import make_mlp, to_tensor
from skrom.score import KGMMScore, LangevinROM
from skrom.score._langevin_kernels import NO_CLOCK_TABLES


def double_well_samples(n, seed):
    grid = np.linspace(-3.0, 3.0, 200_001)
    cdf = np.cumsum(np.exp(-((grid**2 - 1.0) ** 2)))
    cdf /= cdf[-1]
    return np.interp(np.random.default_rng(seed).random(n), cdf, grid)[:, None]


def bulk_error_fn():
    grid = np.linspace(-3.0, 3.0, 1201)
    dens = np.exp(-((grid**2 - 1.0) ** 2))
    x = grid[dens > 0.01 * dens.max()]
    true = -4.0 * x * (x**2 - 1.0)

    def error(score_values):
        return float(np.sqrt(np.sum((score_values - true) ** 2) / np.sum(true**2)))

    return x[:, None], error


def run_dsm(
    X,
    sigma,
    budget_s,
    target,
    x_eval,
    error,
    batch_size=4096,
    lr=1e-3,
    check_every=250,
    seed=0,
):
    """Train the same MLP by denoising score matching; stop at ``target`` error."""
    torch.manual_seed(seed)
    mean, scale = X.mean(0), X.std(0)
    Y = to_tensor((X - mean) / scale)
    xe = to_tensor((x_eval - mean) / scale)
    net = make_mlp(1, (128, 64), 1, activation="swish")
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    n = Y.shape[0]
    best = np.inf
    step = 0
    start = time.process_time()
    while True:
        idx = torch.randint(0, n, (batch_size,))
        z = torch.randn(batch_size, 1, dtype=Y.dtype)
        out = net(Y[idx] + sigma * z)  # the score in standardised units
        loss = ((sigma * out + z) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % check_every == 0:
            with torch.no_grad():
                err = error(net(xe).numpy()[:, 0] / scale[0])
            best = min(best, err)
            elapsed = time.process_time() - start
            if err <= target:
                return elapsed, err, step, True
            if elapsed > budget_s:
                return elapsed, best, step, False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    n = 100_000 if args.quick else 1_000_000
    X = double_well_samples(n, seed=0)
    x_eval, error = bulk_error_fn()

    print(
        f"1. score learning on {n:.0e} double-well samples, MLP 128-64 swish, "
        "sigma 0.05 (standardised), one core"
    )
    # warm the numba kernels so that compilation is not timed
    KGMMScore(max_epochs=1, max_passes=2, random_state=0).fit(X[:2000])
    t0 = time.process_time()
    kgmm = KGMMScore(random_state=0).fit(X)
    t_kgmm = time.process_time() - t0
    err_kgmm = error(kgmm.predict(x_eval)[:, 0])
    print(
        f"   KGMM : fit {t_kgmm:7.1f} s   score error {err_kgmm:.4f}   "
        f"({kgmm.n_clusters_} clusters, {kgmm.n_passes_} passes)"
    )
    budget = 40.0 * t_kgmm
    t_dsm, err_dsm, steps, reached = run_dsm(X, 0.05, budget, err_kgmm, x_eval, error)
    if reached:
        print(
            f"   DSM  : reached error {err_dsm:.4f} after {t_dsm:7.1f} s "
            f"({steps} Adam steps of 4096)"
        )
        print(f"   ratio DSM / KGMM time at equal error: {t_dsm / t_kgmm:.1f}x")
    else:
        print(
            f"   DSM  : best error {err_dsm:.4f} after {t_dsm:7.1f} s "
            f"({steps} Adam steps of 4096), never reaching KGMM's {err_kgmm:.4f}"
        )
        print(
            f"   ratio DSM / KGMM time: > {t_dsm / t_kgmm:.1f}x "
            "(and DSM still less accurate)"
        )

    print("2. Langevin sampling, one core")
    # only the score matters for the cost per step, so iid samples will do
    traj = X[:100_000].reshape(1, -1, 1)
    rom = LangevinROM(
        score_estimator=KGMMScore(random_state=0),
        dt=0.01,
        diffusion=1.0,
        integration_substeps=10,
        random_state=0,
    )
    rom.fit(traj)
    rom.sample(100, x0=[0.0], random_state=0)  # compile
    n_records = 1_000_000
    t0 = time.process_time()
    path = rom.sample(n_records, x0=[0.0], random_state=0)
    t_1d = time.process_time() - t0
    n_steps = (n_records - 1) * rom.integration_substeps
    print(
        f"   1-D (tabulated score): {n_steps:.1e} steps in {t_1d:.3f} s "
        f"({1e9 * t_1d / n_steps:.1f} ns/step); fraction x > 0: "
        f"{np.mean(path > 0):.3f}"
    )
    X2 = np.random.default_rng(1).normal(size=(50_000, 2))
    rom2 = LangevinROM(
        score_estimator=KGMMScore(prob=5e-3, max_epochs=100, random_state=0),
        dt=0.01,
        diffusion=np.eye(2),
        random_state=0,
    )
    rom2.fit(X2.reshape(1, -1, 2))
    rom2.sample(100, x0=[0.0, 0.0], random_state=0)
    n2 = 20_001
    t0 = time.process_time()
    rom2.sample(n2, x0=[0.0, 0.0], random_state=0)
    t_2d = time.process_time() - t0
    per = t_2d / ((n2 - 1) * rom2.integration_substeps)
    print(
        f"   2-D (MLP 128-64 every step): {1e6 * per:.2f} us/step, so 1e7 steps "
        f"take {1e7 * per:.1f} s"
    )
    # one dynamic feature with a clock pair: the (x, phase) drift tables
    # against the same model with its network evaluated every step
    from skrom.datasets import make_tristable

    X3 = make_tristable(2, 50_000, random_state=0)
    rom3 = LangevinROM(
        score_estimator=KGMMScore(prob=2e-3, max_epochs=100, random_state=0),
        clock_features=(1, 2),
        diffusion=0.3,
        random_state=0,
    ).fit(X3)
    start = X3[0, 0]
    rom3.sample(100, x0=start, random_state=0)
    n3 = 200_001
    t0 = time.process_time()
    rom3.sample(n3, x0=start, random_state=0)
    per_table = (time.process_time() - t0) / ((n3 - 1) * rom3.integration_substeps)
    # the same model without its drift tables: the score network every step
    tabled = rom3.langevin_kernel_
    rom3.langevin_kernel_ = tabled._replace(tables=NO_CLOCK_TABLES)
    rom3.sample(100, x0=start, random_state=0)
    n_net = 20_001
    t0 = time.process_time()
    rom3.sample(n_net, x0=start, random_state=0)
    per_net = (time.process_time() - t0) / ((n_net - 1) * rom3.integration_substeps)
    rom3.langevin_kernel_ = tabled
    print(
        f"   1-D with a clock (x, phase) tables: {1e9 * per_table:.1f} ns/step; "
        f"network every step: {1e9 * per_net:.0f} ns/step "
        f"({per_net / per_table:.0f}x)"
    )


if __name__ == "__main__":
    main()
