"""
A multiscale model of 1-D Burgers conditioned on the viscosity
==============================================================

How steep the shock of a Burgers bump gets depends on the viscosity. Here
:class:`~skrom.coarse.CoarseSDE` (20 coarse nodes, 5 micro states) is
trained on runs at three viscosities around the authors' ``nu = 5e-4``
(3e-4, 5e-4 and 1e-3), with each run's viscosity passed as a known input
``U`` (see the :ref:`User Guide <inputs>`). It then predicts held-out
initial bumps at a viscosity it saw (5e-4) and at one between the training
viscosities that it never saw (7e-4), given as ``U=lambda t: [nu]``. The
same model trained without the input ("blind") cannot tell the viscosities
apart: it learns one average closure. The coarse finite-difference solver
runs at each trajectory's true viscosity.

We show the space-time fields at the unseen viscosity and the relative error
of the ensemble-mean field against time at both viscosities.

By default the models train briefly so the script runs in several minutes;
set ``SKROM_DOC_QUICK=1`` (or pass ``--quick``) for a seconds-long smoke run,
or raise ``EPOCHS`` to approach the benchmark's figures (the full study is
``python benchmarks/bench_coarse_viscosity.py``).
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.coarse import CoarseSDE
from skrom.datasets import make_burgers_1d, simulate_coarse_burgers_1d
from skrom.plotting import plot_space_time, save_figures

parser = argparse.ArgumentParser(
    description="skrom example: plot_coarse_burgers_viscosity"
)
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
EPOCHS = 2 if QUICK else 60
PER_NU = 2 if QUICK else 6
N_STEPS = 21 if QUICK else 101
TRAIN_NU = [3e-4, 5e-4, 1e-3]
SEEN, UNSEEN = 5e-4, 7e-4

train = make_burgers_1d(
    len(TRAIN_NU) * PER_NU,
    N_STEPS,
    dt=0.01,
    nu=np.repeat(TRAIN_NU, PER_NU),
    random_state=0,
    return_bunch=True,
)
# one held-out bump (the same seed gives the same bump), run at the seen and
# at the unseen viscosity
runs = [
    make_burgers_1d(1, N_STEPS, dt=0.01, nu=nu, random_state=1, return_bunch=True)
    for nu in (SEEN, UNSEEN)
]
X0 = np.concatenate([run.X[:, 0] for run in runs])
truth = np.concatenate([run.X_clean for run in runs])
nus, grid = np.array([SEEN, UNSEEN]), runs[0].grid

settings = dict(
    n_coarse=20,
    n_micro=5,
    dt=0.01,
    max_epochs=EPOCHS,
    batches_per_epoch=2 if QUICK else 20,
    window=8 if QUICK else 16,
    random_state=0,
)
with_nu = CoarseSDE(**settings).fit(train.X, U=train.nu[:, None])
blind = CoarseSDE(**settings).fit(train.X)

predictions = {
    "coarse finite differences": simulate_coarse_burgers_1d(
        X0, N_STEPS, n_coarse=20, dt=0.01, nu=nus
    ),
    "CoarseSDE, blind to nu": np.stack(
        [
            blind.sample(N_STEPS, x0=X0[i], n_paths=16, random_state=i).mean(0)
            for i in range(2)
        ]
    ),
    "CoarseSDE given nu": np.stack(
        [
            with_nu.sample(
                N_STEPS,
                x0=X0[i],
                n_paths=16,
                random_state=i,
                U=lambda t, nu=nus[i]: [nu],
            ).mean(0)
            for i in range(2)
        ]
    ),
}

# %%
# Space-time plots at the unseen viscosity, sharing one colour scale
fig, axes = plt.subplots(1, 4, figsize=(16, 3.5), sharey=True)
lim = np.abs(truth[1]).max()
style = dict(x=grid, dt=0.01, vmin=-lim, vmax=lim, colorbar=False)
plot_space_time(truth[1], title=f"fine truth, nu={UNSEEN:g}", ax=axes[0], **style)
for ax, (label, field) in zip(axes[1:], predictions.items(), strict=True):
    plot_space_time(field[1], title=label, ax=ax, **style)
fig.tight_layout()

# %%
# Relative error of the predicted field against time, seen and unseen nu
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
t = np.arange(N_STEPS) * 0.01
for i, (ax, kind) in enumerate(zip(axes, ("seen", "unseen"), strict=True)):
    for label, field in predictions.items():
        err = np.linalg.norm(field[i] - truth[i], axis=-1) / np.linalg.norm(
            truth[i], axis=-1
        )
        ax.plot(t, err, label=f"{label}: mean {err.mean():.1%}")
        print(f"nu={nus[i]:g} ({kind}) {label:26s} mean rel. error {err.mean():.2%}")
    ax.set_title(f"nu = {nus[i]:g} ({kind} in training)")
    ax.set_xlabel("time")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
axes[0].set_ylabel("relative L2 error")
fig.tight_layout()
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_coarse_burgers_viscosity"):
        print(f"figure written: {path}")
plt.show()
