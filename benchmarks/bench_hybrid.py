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

Then the forcing's neural ODE alone, one path, is timed through
``node_rollout`` (numba) and through the same loop written in C
(``c/node_rk4.c``, ``gcc -O3 -march=native -fno-trapping-math``, skipped without gcc): our
bar for a numba kernel is within 1.2x of C. Both must end in the same state
(to rounding).

Usage::

    python benchmarks/bench_hybrid.py              # about a minute
    python benchmarks/bench_hybrid.py --steps 20000 --paths 1 16
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from skrom.datasets import make_bistable_additive
from skrom.forcing import DelayNODEForcing
from skrom.forcing._node_kernels import node_rollout
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


def _write_model(path, forcing, m, dt, z0):
    pack = forcing.mlp_pack_
    with open(path, "wb") as fh:
        np.array([pack.sizes.shape[0], int(forcing.coupled), m], dtype=np.int64).tofile(
            fh
        )
        pack.sizes.astype(np.int64).tofile(fh)
        np.array(
            [dt, 1.0 / forcing.decorrelation_time_, forcing.confinement_radius_]
        ).tofile(fh)
        np.asarray(z0, dtype=np.float64).tofile(fh)
        pack.weights.tofile(fh)
        pack.biases.tofile(fh)


def bench_node_vs_c(rom, n_steps, repeat):
    """Seconds of one NODE path: (numba, C or None, max rel diff or reason)."""
    f = rom.forcing_
    if f.symmetric:
        return None, None, "the C baseline has no symmetric field"
    z0 = rom.initial_delay_states_[:1]
    m = rom.n_features_in_
    out = np.empty((1, n_steps, z0.shape[1]))

    def run():
        return node_rollout(z0, n_steps, float(rom.dt), f.node_kernel_, out)

    run()
    t_numba, got = best_of(run, repeat)
    gcc = shutil.which("gcc")
    if gcc is None:
        return t_numba, None, "gcc not found"
    source = Path(__file__).with_name("c") / "node_rk4.c"
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "node_rk4")
        model = os.path.join(tmp, "model.bin")
        # LLVM (numba) does not model floating-point traps; without this gcc
        # will not if-convert swish's guarded division and the loop stays scalar
        subprocess.run(
            [
                gcc,
                "-O3",
                "-march=native",
                "-fno-trapping-math",
                "-o",
                exe,
                str(source),
                "-lm",
            ],
            check=True,
        )
        _write_model(model, f, m, float(rom.dt), z0[0])
        t_c = np.inf
        for _ in range(repeat):
            res = subprocess.run(
                [exe, model, str(n_steps)], check=True, capture_output=True, text=True
            )
            seconds, first, last = (float(v) for v in res.stdout.split())
            t_c = min(t_c, seconds)
    end = got[0, -1]
    diff = max(abs(first - end[0]), abs(last - end[-1])) / np.max(np.abs(end))
    return t_numba, t_c, diff


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
        forcing=DelayNODEForcing(
            n_delays=args.n_delays,
            hidden_layers=(args.hidden, args.hidden),
            window=8,
            window_decay=1.0,
            n_windows=1024,
            max_epochs=4,
            learning_rate=3e-3,
        ),
        random_state=0,
    ).fit(X)
    # the torch reference has no white-noise part: compare with it switched off
    model = rom.hybrid_kernel_._replace(noise=np.zeros_like(rom.forcing_noise_))
    rng = np.random.default_rng(0)
    print(
        f"score MLP {model.score.net.sizes.tolist()}, forcing MLP "
        f"{rom.forcing_.mlp_pack_.sizes.tolist()}, {args.steps} steps, "
        "torch threads 1"
    )
    print(
        f"{'paths':>6} {'torch [s]':>10} {'numba [s]':>10} {'speed-up':>9} "
        f"{'steps/s numba':>14} {'max rel diff':>13}"
    )
    for n_paths in args.paths:
        x0 = rom.initial_states_[:n_paths]
        z0 = rom.initial_delay_states_[:n_paths]

        def run_numba(x0=x0, z0=z0, n_paths=n_paths):
            out = np.empty((n_paths, args.steps, 1))
            for i in range(n_paths):
                hybrid_rollout(x0[i], z0[i], args.steps, model, rng, out[i])
            return out

        def run_torch(x0=x0, z0=z0):
            return rom._torch_rollout(args.steps, x0, z0)

        run_numba()  # compile (cached on disk afterwards)
        t_numba, got = best_of(run_numba, args.repeat)
        t_torch, ref = best_of(run_torch, max(1, args.repeat - 1))
        if not (np.all(np.isfinite(got)) and np.all(np.isfinite(ref))):
            raise SystemExit(
                "the briefly trained model blew up; timings would be "
                "meaningless (the kernel stops early). Rerun with "
                "fewer --steps."
            )
        diff = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
        print(
            f"{n_paths:>6} {t_torch:>10.3f} {t_numba:>10.4f} "
            f"{t_torch / t_numba:>8.1f}x {n_paths * args.steps / t_numba:>14.3g} "
            f"{diff:>13.2e}"
        )

    t_numba, t_c, diff = bench_node_vs_c(rom, args.steps, args.repeat)
    print(
        f"\nforcing NODE alone, one path, {args.steps} RK4 steps: numba "
        f"{t_numba * 1e6 / args.steps:.2f} us/step",
        end="",
    )
    if t_c is None:
        print(f"; C baseline skipped ({diff})")
    else:
        print(
            f", C (gcc -O3, same loop) {t_c * 1e6 / args.steps:.2f} "
            f"us/step: numba / C = {t_numba / t_c:.2f} (bar 1.2); final states "
            f"agree to {diff:.1e}"
        )


if __name__ == "__main__":
    main()
