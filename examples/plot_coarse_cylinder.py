"""
Stochastic multiscale model of a cylinder wake on a 32 x 8 mesh
===============================================================

Flow past a cylinder in a channel (the DFG geometry, Re drawn between 90 and
110 per trajectory) sheds a Karman vortex street. We keep the velocity
``(u, v)`` on the 320 x 80 window behind the cylinder, as in the cylinder
case of Ilersich & Nair (2025), and learn it on a 32 x 8 coarse mesh: ten
fine cells per coarse spacing, so the vortex cores and the thin shear layers
behind the cylinder are unresolved. The fields are two channels on a bounded
domain (channel walls above and below, inflow and outflow at the ends), so
:class:`~skrom.coarse.CoarseSDE` is given ``n_channels=2``,
``n_coarse=(8, 32)`` (rows along y first) and ``periodic=False``. From the
first snapshot of a held-out trajectory (a Reynolds number not seen in
training) we predict the wake with

- ``CoarseSDE`` with ``n_micro=0`` (a learned closure on the coarse mesh,
  whose decoder is the filter's transpose);
- ``CoarseSDE`` with ``n_micro=5`` micro states that carry the unresolved
  scales,

and show snapshots of the streamwise velocity, the relative error of the
ensemble-mean field against time and how often the truth falls inside the
ensemble's 5-95% band. There is no coarse-mesh flow solver to compare with.

By default the data come from the lattice-Boltzmann solver at full
resolution and the models train briefly (about ten minutes of one CPU core,
half of it the flow simulation): too briefly for a drift that stays stable
over the benchmark's 100-step horizon, so the example predicts 50 steps.
Set ``SKROM_DOC_QUICK=1`` for a seconds-long smoke run on a coarser
lattice at a lower Reynolds number.
The accuracy study is ``python benchmarks/bench_coarse.py --case cylinder``.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.coarse import CoarseSDE
from skrom.datasets import make_cylinder_wake
from skrom.plotting import save_figures

parser = argparse.ArgumentParser(description="skrom example: plot_coarse_cylinder")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
N_TRAIN = 2 if QUICK else 6
N_STEPS = 16 if QUICK else 51
if QUICK:
    # 8 cells per diameter: a 128 x 32 window, stable up to Re ~ 53
    flow = dict(resolution=8, reynolds=(45.0, 50.0), t_start=(0.5, 0.75))
else:
    flow = dict(resolution=20, reynolds=(90.0, 110.0), t_start=(6.0, 6.5))

data = make_cylinder_wake(
    N_TRAIN + 1, N_STEPS, dt=0.01, random_state=0, return_bunch=True, **flow
)
X_train, truth = data.X[:N_TRAIN], data.X_clean[N_TRAIN]
x0 = data.X[N_TRAIN, 0]
print(
    f"{N_TRAIN} training trajectories of {N_STEPS} snapshots, fields "
    f"{data.X.shape[2:]} (channel, y, x); held-out Re = {data.reynolds[-1]:.1f}"
)

predictions, coverage = {}, {}
for n_micro, label in [(0, "closure only (n_micro=0)"), (5, "CoarseSDE (n_micro=5)")]:
    model = CoarseSDE(
        n_channels=2,
        n_coarse=(8, 32),
        periodic=False,
        n_micro=n_micro,
        stencil=3 if QUICK else 5,
        hidden_layers=(16,) if QUICK else (64, 64),
        dt=data.dt,
        window=6 if QUICK else 8,
        n_quadrature=4 if QUICK else 16,
        max_epochs=1 if QUICK else 20,
        batches_per_epoch=2 if QUICK else 10,
        batch_size=4 if QUICK else 8,
        learning_rate=1e-2,
        beta_warmup=1 if QUICK else 5,
        # the wake is not homogeneous: the drift reads where its node is
        node_position=True,
        random_state=0,
    )
    model.fit(X_train)
    paths = model.sample(N_STEPS, x0=x0, n_paths=4 if QUICK else 16, random_state=1)
    predictions[label] = paths.mean(axis=0)
    lo, hi = np.percentile(paths[:, 1:], [5, 95], axis=0)
    coverage[label] = np.mean((truth[1:] >= lo) & (truth[1:] <= hi))

# %%
# Streamwise velocity at three times, sharing one colour scale
times = [0, N_STEPS // 2, N_STEPS - 1]
fields = {"fine truth": truth, **predictions}
extent = (data.x[0], data.x[-1], data.y[0], data.y[-1])
fig, axes = plt.subplots(len(times), len(fields), figsize=(15, 6), squeeze=False)
lo_u, hi_u = truth[:, 0].min(), truth[:, 0].max()
for row, k in enumerate(times):
    for col, (label, field) in enumerate(fields.items()):
        ax = axes[row, col]
        ax.imshow(
            field[k, 0],
            origin="lower",
            extent=extent,
            vmin=lo_u,
            vmax=hi_u,
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
# Relative error of the predicted (u, v) field against time; the mean flow is
# part of the field, as in the authors' error
fig, ax = plt.subplots(figsize=(6, 4))
t = np.arange(N_STEPS) * data.dt
flat_truth = truth.reshape(N_STEPS, -1)
for label, field in predictions.items():
    diff = field.reshape(N_STEPS, -1) - flat_truth
    err = np.linalg.norm(diff, axis=-1) / np.linalg.norm(flat_truth, axis=-1)
    ax.plot(t, err, label=f"{label}: mean {err.mean():.1%}")
    print(
        f"{label:26s} mean relative error {err.mean():.2%}, truth inside the "
        f"5-95% band {coverage[label]:.0%}"
    )
ax.set_xlabel("time after the first snapshot")
ax.set_ylabel("relative L2 error")
ax.legend()
fig.tight_layout()
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_coarse_cylinder"):
        print(f"figure written: {path}")
plt.show()
