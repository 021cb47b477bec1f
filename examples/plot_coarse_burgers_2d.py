"""
Stochastic multiscale model of 2-D Burgers on an 8 x 8 mesh
===========================================================

A Gaussian bump on the unit square, evolved by 2-D viscous Burgers
(``u_t + u (u_x + u_y) = nu (u_xx + u_yy)``, nu = 0.005, 128 x 128 grid, the
boundary values held), is carried towards the far corner and steepens into a
front that an 8 x 8 mesh cannot resolve. The fields are images ``(ny, nx)``
on a bounded domain, so :class:`~skrom.coarse.CoarseSDE` is given
``n_coarse=(8, 8)`` and ``periodic=False``: its filter, convolutions and
stencil drift work on the 2-D grid and never wrap around the walls. We
compare, on a held-out initial condition:

- the fine-grid truth;
- the same finite-difference scheme run on the 8 x 8 mesh;
- ``CoarseSDE`` with ``n_micro=0`` (a learned closure on the coarse mesh);
- ``CoarseSDE`` with ``n_micro=5`` micro states (Ilersich & Nair 2025),

as snapshots and as the relative error of the (ensemble-mean) field against
time.

By default the models train briefly (a few minutes on a CPU); set
``SKROM_DOC_QUICK=1`` for a seconds-long smoke run on a 32 x 32 grid. The
accuracy study is ``python benchmarks/bench_coarse.py --case burgers2d``.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.coarse import CoarseSDE
from skrom.datasets import make_burgers_2d, simulate_coarse_burgers_2d
from skrom.plotting import save_figures

parser = argparse.ArgumentParser(description="skrom example: plot_coarse_burgers_2d")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
EPOCHS = 2 if QUICK else 20
N_TRAIN = 3 if QUICK else 8
N_STEPS = 21 if QUICK else 101
N_GRID = 32 if QUICK else 128

data = make_burgers_2d(
    N_TRAIN + 1, N_STEPS, n_grid=N_GRID, random_state=0, return_bunch=True
)
X_train, truth = data.X[:N_TRAIN], data.X_clean[N_TRAIN]
x0 = data.X[N_TRAIN, 0]

predictions = {
    "coarse finite differences": simulate_coarse_burgers_2d(
        x0, N_STEPS, n_coarse=(8, 8), dt=data.dt
    )[0]
}
for n_micro, label in [(0, "closure only (n_micro=0)"), (5, "CoarseSDE (n_micro=5)")]:
    model = CoarseSDE(
        n_coarse=(8, 8),
        periodic=False,
        n_micro=n_micro,
        dt=data.dt,
        max_epochs=EPOCHS,
        batches_per_epoch=2 if QUICK else 20,
        batch_size=4 if QUICK else 8,
        window=8 if QUICK else 16,
        # a short budget: a higher rate, and the KL weight at 1 early
        learning_rate=1e-2,
        beta_warmup=max(1, EPOCHS // 6),
        random_state=0,
    )
    model.fit(X_train)
    paths = model.sample(N_STEPS, x0=x0, n_paths=4 if QUICK else 8, random_state=1)
    predictions[label] = paths.mean(axis=0)
    # calibration: the truth's values inside the ensemble's 5-95% band
    lo, hi = np.percentile(paths[:, 1:], [5, 95], axis=0)
    inside = np.mean((truth[1:] >= lo) & (truth[1:] <= hi))
    print(f"{label:28s} truth inside the 5-95% band {inside:.0%}")

# %%
# Snapshots at three times, sharing one colour scale
times = [0, N_STEPS // 2, N_STEPS - 1]
fields = {"fine truth": truth, **predictions}
fig, axes = plt.subplots(len(times), len(fields), figsize=(15, 9), squeeze=False)
lim = np.abs(truth).max()
for row, k in enumerate(times):
    for col, (label, field) in enumerate(fields.items()):
        ax = axes[row, col]
        ax.imshow(
            field[k],
            origin="lower",
            extent=(0, 1, 0, 1),
            vmin=-lim,
            vmax=lim,
            cmap="RdBu_r",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        if row == 0:
            ax.set_title(label, fontsize=9)
        if col == 0:
            ax.set_ylabel(f"t = {k * data.dt:.2f}")
fig.tight_layout()

# %%
# Relative error of the predicted field against time
fig, ax = plt.subplots(figsize=(6, 4))
t = np.arange(N_STEPS) * data.dt
flat_truth = truth.reshape(N_STEPS, -1)
for label, field in predictions.items():
    diff = field.reshape(N_STEPS, -1) - flat_truth
    err = np.linalg.norm(diff, axis=-1) / np.linalg.norm(flat_truth, axis=-1)
    ax.plot(t, err, label=f"{label}: mean {err.mean():.1%}")
    print(f"{label:28s} mean relative error {err.mean():.2%}")
ax.set_xlabel("time")
ax.set_ylabel("relative L2 error")
ax.set_yscale("log")
ax.legend()
fig.tight_layout()
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_coarse_burgers_2d"):
        print(f"figure written: {path}")
plt.show()
