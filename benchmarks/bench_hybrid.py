"""HybridLangevinROM rollouts: numba export vs torchdiffeq, same model, same run.

A hybrid model is fitted on the L63-driven bistable system (``make_bistable_additive``)
with realistic network sizes for the forcing (an MLP [m, 128, 128, m];
``--hidden 256`` for the paper's [m, 256, 256, m]); training is kept short
(just long enough for stable rollouts) because the timings do not depend on
how well it is trained. Then the same
rollout -- Euler steps of the slow variable with the score network and RK4
steps of the neural ODE -- is timed

- through torch: the delay vector integrated by ``torchdiffeq.odeint``
  (fixed-step RK4, method="rk4"), the slow variable by a torch loop with the
  score network (``HybridLangevinROM._torch_rollout``), paths batched;
- through the numba kernel that ``HybridLangevinROM.sample`` uses
  (``hybrid_rollout``, one path after another, one core),

from the same initial states, and the paths are compared (they agree to
rounding). Target (issue 4): numba at least 20x faster. The target case is
one long path (statistical runs and forecast members are run path by path);
for a batch of paths torch amortises its per-step overhead over the batch
with matrix-matrix products, so its gap narrows (also printed).

Usage::

    python benchmarks/bench_hybrid.py              # about a minute
    python benchmarks/bench_hybrid.py --steps 20000 --paths 1 16
"""

import argparse
import time

import numpy as np
import torch

from skrom.datasets import make_bistable_additive
from skrom.forcing import DelayNODEForcing
from skrom.hybrid import HybridLangevinROM
from skrom.hybrid._hybrid_kernels import hybrid_rollout
from skrom.score import KGMMScore


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--paths", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--n-delays", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)

    X = make_bistable_additive(1, 20_000, random_state=0)
    rom = HybridLangevinROM(
        score_estimator=KGMMScore(prob=2e-3, max_epochs=100, random_state=0),
        forcing=DelayNODEForcing(n_delays=args.n_delays,
                                 hidden_layers=(args.hidden, args.hidden), window=8,
                                 window_decay=1.0, n_windows=1024, max_epochs=4,
                                 learning_rate=3e-3),
        random_state=0).fit(X)
    # the torch reference has no white-noise part: compare with it switched off
    kernel_args = rom._kernel_args(noise=np.zeros_like(rom.forcing_noise_))
    rng = np.random.default_rng(0)
    print(f"score MLP {rom.score_pack_.sizes.tolist()}, forcing MLP "
          f"{rom.forcing_.mlp_pack_.sizes.tolist()}, {args.steps} steps, "
          "torch threads 1")
    print(f"{'paths':>6} {'torch [s]':>10} {'numba [s]':>10} {'speed-up':>9} "
          f"{'steps/s numba':>14} {'max rel diff':>13}")
    for n_paths in args.paths:
        x0 = rom.initial_states_[:n_paths]
        z0 = rom.initial_delay_states_[:n_paths]

        def run_numba(x0=x0, z0=z0, n_paths=n_paths):
            out = np.empty((n_paths, args.steps, 1))
            for i in range(n_paths):
                hybrid_rollout(x0[i], z0[i], args.steps, *kernel_args, rng, out[i])
            return out

        def run_torch(x0=x0, z0=z0):
            return rom._torch_rollout(args.steps, x0, z0)

        run_numba()  # compile (cached on disk afterwards)
        t_numba, got = best_of(run_numba, args.repeat)
        t_torch, ref = best_of(run_torch, max(1, args.repeat - 1))
        if not (np.all(np.isfinite(got)) and np.all(np.isfinite(ref))):
            raise SystemExit("the briefly trained model blew up; timings would be "
                             "meaningless (the kernel stops early). Rerun with "
                             "fewer --steps.")
        diff = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
        print(f"{n_paths:>6} {t_torch:>10.3f} {t_numba:>10.4f} "
              f"{t_torch / t_numba:>8.1f}x {n_paths * args.steps / t_numba:>14.3g} "
              f"{diff:>13.2e}")


if __name__ == "__main__":
    main()
