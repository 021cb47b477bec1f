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

With ``--symmetric`` (the slow tests' odd forcing field, e.g. ``--symmetric
--n-delays 8``) the C comparison is skipped and the symmetric pair
``g(q), g(-q)`` is timed instead, the way the kernel evaluated it before
issue 15 (two ``mlp_forward`` calls) and as it does now
(``mlp_forward_pair``, the first layer's products shared), at the same
inputs in the same run; the two must agree bit for bit. Evaluating several
vectors per weight read was measured too and left out: the products are
bound by loads and multiply-adds in L1, not by reading the weights (a block
of 2-16 vectors with the block loop outside the dot products ran at
0.8-1.08 times the one-vector speed).

Usage::

    python benchmarks/bench_hybrid.py              # about a minute
    python benchmarks/bench_hybrid.py --steps 20000 --paths 1 16
    python benchmarks/bench_hybrid.py --symmetric --n-delays 8 --paths 1
"""

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import c_twin
import numba
import numpy as np
import torch

from skrom._mlp_kernels import mlp_forward, mlp_forward_pair, mlp_work_size
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
    z0 = rom.initial_delay_states_[:1]
    m = rom.n_features_in_
    out = np.empty((1, n_steps, z0.shape[1]))

    def run():
        return node_rollout(z0, n_steps, float(rom.dt), f.node_kernel_, out)

    run()
    t_numba, got = best_of(run, repeat)
    if f.symmetric:
        return t_numba, None, "the C baseline has no symmetric field"
    source = Path(__file__).with_name("c") / "node_rk4.c"
    with tempfile.TemporaryDirectory() as tmp:
        # LLVM (numba) does not model floating-point traps; without this gcc
        # will not if-convert swish's guarded division and the loop stays scalar
        flags = ["-O3", "-march=native", "-fno-trapping-math"]
        exe, why = c_twin.build(source, tmp, flags=flags, program=True)
        if exe is None:
            return t_numba, None, why
        model = os.path.join(tmp, "model.bin")
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


@numba.njit
def _two_calls(Q, weights, biases, sizes, act, out, out_neg, work):
    # the symmetric field's pair as the kernel evaluated it before issue 15
    q_neg = np.empty(Q.shape[1])
    for n in range(Q.shape[0]):
        mlp_forward(Q[n], weights, biases, sizes, act, out[n], work)
        for i in range(Q.shape[1]):
            q_neg[i] = -Q[n, i]
        mlp_forward(q_neg, weights, biases, sizes, act, out_neg[n], work)


@numba.njit
def _pair_calls(Q, weights, biases, sizes, act, out, out_neg, work):
    for n in range(Q.shape[0]):
        mlp_forward_pair(Q[n], weights, biases, sizes, act, out[n], out_neg[n], work)


def bench_pair(rom, repeat, n_calls=20_000):
    """Microseconds per pair ``g(q), g(-q)``: (two calls, one pair call, same)."""
    pack = rom.forcing_.mlp_pack_
    radius = rom.forcing_.confinement_radius_
    Q = radius * np.tanh(rom.initial_delay_states_ / radius)
    Q = np.ascontiguousarray(Q[np.arange(n_calls) % Q.shape[0]])
    n_out = int(pack.sizes[-1])
    size = mlp_work_size(pack.sizes)
    outs = [np.empty((n_calls, n_out)) for _ in range(4)]

    def two_calls():
        _two_calls(Q, *pack, outs[0], outs[1], np.empty(size))

    def pair_calls():
        _pair_calls(Q, *pack, outs[2], outs[3], np.empty(2 * size))

    two_calls(), pair_calls()
    t_two, _ = best_of(two_calls, repeat)
    t_pair, _ = best_of(pair_calls, repeat)
    same = np.array_equal(outs[0], outs[2]) and np.array_equal(outs[1], outs[3])
    return t_two * 1e6 / n_calls, t_pair * 1e6 / n_calls, same


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--paths", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--n-delays", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--symmetric", action="store_true", help="an odd forcing field")
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
            symmetric=args.symmetric,
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
        f"{'steps/s numba':>14} {'us/step numba':>14} {'max rel diff':>13}"
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
            f"{t_numba * 1e6 / (n_paths * args.steps):>14.2f} {diff:>13.2e}"
        )

    if args.symmetric:
        t_two, t_pair, same = bench_pair(rom, args.repeat)
        print(
            f"\nsymmetric pair g(q), g(-q) of the forcing MLP: two mlp_forward "
            f"calls (before) {t_two:.3f} us, mlp_forward_pair {t_pair:.3f} us: "
            f"{t_two / t_pair:.2f}x; bit for bit the same: {same}"
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
