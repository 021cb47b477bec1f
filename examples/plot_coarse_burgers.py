"""
Stochastic multiscale model of 1-D Burgers on a 20-node mesh
=============================================================

A Gaussian bump evolved by viscous Burgers (nu = 5e-4, 1000 grid points)
steepens into a shock far thinner than a 20-node mesh can resolve. We compare,
on a held-out initial condition:

- the fine-grid truth;
- the same finite-difference scheme run directly on the 20-node mesh;
- :class:`~skrom.coarse.CoarseSDE` with ``n_micro=0`` (a learned closure on
  the coarse mesh only);
- :class:`~skrom.coarse.CoarseSDE` with ``n_micro=5`` micro states for the
  unresolved scales (Ilersich & Nair 2025),

as space-time plots and as the relative error of the (ensemble-mean) field
against time. Then, as in the authors' error-vs-micro-dimension study, models
with ``n_micro`` from 0 to 5 give the error against the micro-state
dimension, with the ensemble's calibration: the fraction of the true field's
values inside the ensemble's 5-95% band (0.9 for a calibrated ensemble).

By default the models train briefly so the script runs in several minutes;
set ``SKROM_DOC_QUICK=1`` for a seconds-long smoke run, or raise ``EPOCHS``
to approach the paper's accuracy (the study at full budget is
``python benchmarks/bench_coarse.py --models 0 1 2 3 4 5``).
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.coarse import CoarseSDE
from skrom.datasets import make_burgers_1d, simulate_coarse_burgers_1d
from skrom.plotting import plot_space_time, save_figures

parser = argparse.ArgumentParser(description="skrom example: plot_coarse_burgers")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
EPOCHS = 2 if QUICK else 40
N_TRAIN = 3 if QUICK else 10
N_STEPS = 21 if QUICK else 101
N_MICRO = [0, 5] if QUICK else [0, 1, 2, 3, 4, 5]

data = make_burgers_1d(N_TRAIN + 1, N_STEPS, dt=0.01, random_state=0, return_bunch=True)
X_train, truth = data.X[:N_TRAIN], data.X_clean[N_TRAIN]
x0 = data.X[N_TRAIN, 0]

predictions = {
    "coarse finite differences": simulate_coarse_burgers_1d(
        x0, N_STEPS, n_coarse=20, dt=0.01
    )[0]
}
labels = {0: "closure only (n_micro=0)", 5: "CoarseSDE (n_micro=5)"}
errors, coverage = {}, {}
for n_micro in N_MICRO:
    model = CoarseSDE(
        n_coarse=20,
        n_micro=n_micro,
        dt=0.01,
        max_epochs=EPOCHS,
        batches_per_epoch=2 if QUICK else 20,
        window=8 if QUICK else 16,
        random_state=0,
    )
    model.fit(X_train)
    paths = model.sample(N_STEPS, x0=x0, n_paths=4 if QUICK else 16, random_state=1)
    mean = paths.mean(axis=0)
    errors[n_micro] = float(
        np.mean(np.linalg.norm(mean - truth, axis=-1) / np.linalg.norm(truth, axis=-1))
    )
    # the initial field is given, so the band is judged from the first step on
    lo, hi = np.percentile(paths[:, 1:], [5, 95], axis=0)
    coverage[n_micro] = float(np.mean((truth[1:] >= lo) & (truth[1:] <= hi)))
    if n_micro in labels:
        predictions[labels[n_micro]] = mean

# %%
# Space-time plots, sharing one colour scale
fig, axes = plt.subplots(1, 4, figsize=(16, 3.5), sharey=True)
lim = np.abs(truth).max()
plot_space_time(
    truth,
    x=data.grid,
    dt=0.01,
    vmin=-lim,
    vmax=lim,
    title="fine truth",
    colorbar=False,
    ax=axes[0],
)
for ax, (label, field) in zip(axes[1:], predictions.items(), strict=True):
    plot_space_time(
        field,
        x=data.grid,
        dt=0.01,
        vmin=-lim,
        vmax=lim,
        title=label,
        colorbar=False,
        ax=ax,
    )
fig.tight_layout()

# %%
# Relative error of the predicted field against time
fig, ax = plt.subplots(figsize=(6, 4))
t = np.arange(N_STEPS) * 0.01
for label, field in predictions.items():
    err = np.linalg.norm(field - truth, axis=-1) / np.linalg.norm(truth, axis=-1)
    ax.plot(t, err, label=f"{label}: mean {err.mean():.1%}")
    print(f"{label:28s} mean relative error {err.mean():.2%}")
ax.set_xlabel("time")
ax.set_ylabel("relative L2 error")
ax.set_yscale("log")
ax.legend()
fig.tight_layout()

# %%
# Error and calibration against the micro-state dimension
fig, (ax, ax_cov) = plt.subplots(1, 2, figsize=(11, 4))
ax.plot(list(errors), list(errors.values()), "o-", label="CoarseSDE")
fd = predictions["coarse finite differences"]
fd_error = np.mean(np.linalg.norm(fd - truth, axis=-1) / np.linalg.norm(truth, axis=-1))
ax.axhline(fd_error, color="k", ls="--", label="coarse finite differences")
ax.set_xlabel("n_micro (0 = closure only)")
ax.set_ylabel("mean relative L2 error")
ax.set_yscale("log")
ax.legend()
ax_cov.plot(list(coverage), list(coverage.values()), "o-")
ax_cov.axhline(0.9, color="k", ls=":", label="calibrated (0.9)")
ax_cov.set_ylim(0, 1)
ax_cov.set_xlabel("n_micro (0 = closure only)")
ax_cov.set_ylabel("fraction of truth inside the 5-95% band")
ax_cov.legend()
fig.tight_layout()
for n_micro in errors:
    print(
        f"n_micro={n_micro}: mean relative error {errors[n_micro]:.2%}, "
        f"truth inside the 5-95% band {coverage[n_micro]:.0%}"
    )
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_coarse_burgers"):
        print(f"figure written: {path}")
plt.show()
