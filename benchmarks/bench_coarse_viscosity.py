"""CoarseSDE conditioned on the viscosity: 1-D Burgers at seen and unseen viscosities.

Issue 17, item 4: ``CoarseSDE`` takes per-trajectory parameters as known
inputs ``U``. The model is trained on ``make_burgers_1d`` (1000 grid points,
20 coarse nodes, 5 micro states) at a few viscosities around the authors'
``nu = 5e-4`` (default 3e-4, 5e-4 and 1e-3, ``--per-nu`` trajectories each)
with ``U = nu`` per trajectory, and predicts held-out trajectories (new
initial bumps) at a *seen* viscosity (5e-4) and at *unseen* ones inside the
training range (4e-4 and 7e-4).

One run prints, per test viscosity, the relative error of the predicted
mean field over the horizon (as in ``bench_coarse.py``) for

- CoarseSDE with the viscosity as input;
- the same model without the input (trained on the same mixed data: it
  cannot tell the viscosities apart), unless ``--no-blind``;
- the coarse finite-difference solver at each trajectory's viscosity;

and the bar: the error at each unseen viscosity at most 2x the error at the
seen one.

Usage::

    python benchmarks/bench_coarse_viscosity.py            # full run (~15-30 min)
    python benchmarks/bench_coarse_viscosity.py --quick    # a few minutes, rough
    python benchmarks/bench_coarse_viscosity.py --no-blind --json out.json
"""

import argparse
import json
import time

import numpy as np
import torch

from skrom.coarse import CoarseSDE
from skrom.datasets import make_burgers_1d, simulate_coarse_burgers_1d

N_STEPS = 101
DT = 0.01


def relative_error(pred, truth):
    """Mean over trajectories and times of ||pred - truth|| / ||truth||."""
    per_time = np.linalg.norm(pred - truth, axis=-1) / np.linalg.norm(truth, axis=-1)
    return float(per_time.mean())


def ensemble_means(model, X0, nu, n_paths, seed, with_input):
    means = []
    for i in range(len(X0)):
        U = np.full((N_STEPS, 1), nu[i]) if with_input else None
        S = model.sample(N_STEPS, x0=X0[i], n_paths=n_paths, random_state=seed + i, U=U)
        means.append(S.mean(axis=0))
    return np.stack(means)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--train-nu", type=float, nargs="+", default=[3e-4, 5e-4, 1e-3])
    parser.add_argument("--seen", type=float, default=5e-4)
    parser.add_argument("--unseen", type=float, nargs="+", default=[4e-4, 7e-4])
    parser.add_argument(
        "--per-nu", type=int, default=8, help="training trajectories per viscosity"
    )
    parser.add_argument(
        "--test", type=int, default=5, help="held-out trajectories per viscosity"
    )
    parser.add_argument("--paths", type=int, default=32, help="ensemble size")
    parser.add_argument("--no-blind", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    epochs = args.epochs or (30 if args.quick else 400)
    if args.seen not in args.train_nu:
        parser.error("--seen must be one of --train-nu")

    train_nu = np.repeat(args.train_nu, args.per_nu)
    train = make_burgers_1d(
        len(train_nu),
        N_STEPS,
        dt=DT,
        nu=train_nu,
        random_state=args.seed,
        return_bunch=True,
    )
    test_groups = [args.seen, *args.unseen]
    test_nu = np.repeat(test_groups, args.test)
    test = make_burgers_1d(
        len(test_nu),
        N_STEPS,
        dt=DT,
        nu=test_nu,
        random_state=args.seed + 1000,
        return_bunch=True,
    )
    X0, truth = test.X[:, 0], test.X_clean

    predictions = {
        "coarse_fd": simulate_coarse_burgers_1d(
            X0, N_STEPS, n_coarse=20, dt=DT, nu=test.nu
        )
    }
    train_seconds = {}
    variants = [("with nu", True)] + ([] if args.no_blind else [("blind", False)])
    for name, with_input in variants:
        model = CoarseSDE(
            n_coarse=20, n_micro=5, dt=DT, max_epochs=epochs, random_state=args.seed
        )
        t0 = time.perf_counter()
        model.fit(train.X, U=train.nu[:, None] if with_input else None)
        train_seconds[name] = time.perf_counter() - t0
        predictions[name] = ensemble_means(
            model, X0, test.nu, args.paths, args.seed, with_input
        )
        print(f"  (trained {name}: {train_seconds[name]:.0f} s)", flush=True)

    results = {}
    for key, pred in predictions.items():
        results[key] = {
            f"{nu:g}": relative_error(pred[test_nu == nu], truth[test_nu == nu])
            for nu in test_groups
        }
    print(
        f"CoarseSDE (20 coarse nodes, 5 micro states) on 1-D Burgers, trained on "
        f"nu = {', '.join(f'{v:g}' for v in args.train_nu)} ({args.per_nu} "
        f"trajectories each), {epochs} epochs, torch threads "
        f"{torch.get_num_threads()}; {args.test} held-out trajectories per test "
        f"viscosity, ensembles of {args.paths}"
    )
    header = "".join(
        f"  nu={nu:g}{' (seen)' if nu == args.seen else ' (unseen)':<9}"
        for nu in test_groups
    )
    print(f"  {'relative error':<18}{header}")
    for key, errs in results.items():
        row = "".join(f"  {errs[f'{nu:g}']:>19.2%}" for nu in test_groups)
        print(f"  {key:<18}{row}")
    seen = results["with nu"][f"{args.seen:g}"]
    ratios = {f"{nu:g}": results["with nu"][f"{nu:g}"] / seen for nu in args.unseen}
    for nu, ratio in ratios.items():
        verdict = "met" if ratio <= 2.0 else "NOT met"
        print(f"  unseen nu={nu} / seen: {ratio:.2f}x (bar <= 2x: {verdict})")
    print(
        "  training: " + ", ".join(f"{k} {v:.0f} s" for k, v in train_seconds.items())
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                dict(errors=results, ratios=ratios, train_seconds=train_seconds),
                fh,
                indent=1,
            )


if __name__ == "__main__":
    main()
