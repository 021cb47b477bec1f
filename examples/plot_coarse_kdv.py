"""
KdV on a 20-node mesh: error against the micro-state dimension
==============================================================

A wave packet evolved by the Korteweg-de Vries equation
(``u_t + u u_x + delta u_xxx = 0``, delta = 0.022, 1000 grid points,
periodic) breaks into solitons much narrower than a 20-node mesh can
resolve. The finite-difference scheme run on that mesh loses them; a learned
coarse model with no micro state (``n_micro=0``, a closure on the coarse
mesh) does little better; a few micro states carry the unresolved scales'
feedback. As in the authors' error-vs-micro-dimension study (Ilersich & Nair
2025) we fit :class:`~skrom.coarse.CoarseSDE` with ``n_micro`` from 0 to 5
and plot the held-out relative error of the ensemble-mean field against
``n_micro``, with the coarse solver as a reference line, and the ensemble's
calibration: the fraction of the true field's values inside the ensemble's
5-95% band (0.9 for a calibrated ensemble).

By default the models train briefly (minutes on a CPU); set
``SKROM_DOC_QUICK=1`` for a seconds-long smoke run. The accuracy study is
``python benchmarks/bench_coarse.py --case kdv --models 0 1 2 3 4 5``.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.coarse import CoarseSDE
from skrom.datasets import make_kdv, simulate_coarse_kdv
from skrom.plotting import save_figures

parser = argparse.ArgumentParser(description="skrom example: plot_coarse_kdv")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
EPOCHS = 1 if QUICK else 30
N_TRAIN, N_TEST = (3, 1) if QUICK else (10, 3)
N_STEPS = 21 if QUICK else 101
N_MICRO = [0, 1, 5] if QUICK else [0, 1, 2, 3, 4, 5]

data = make_kdv(
    N_TRAIN + N_TEST,
    N_STEPS,
    n_grid=200 if QUICK else 1000,
    random_state=0,
    return_bunch=True,
)
X_train, truth = data.X[:N_TRAIN], data.X_clean[N_TRAIN:]
X0 = data.X[N_TRAIN:, 0]


def relative_error(pred, ref):
    return float(
        np.mean(np.linalg.norm(pred - ref, axis=-1) / np.linalg.norm(ref, axis=-1))
    )


coarse_error = relative_error(simulate_coarse_kdv(X0, N_STEPS, n_coarse=20), truth)
errors, coverage = {}, {}
for n_micro in N_MICRO:
    model = CoarseSDE(
        n_coarse=20,
        n_micro=n_micro,
        dt=0.01,
        max_epochs=EPOCHS,
        batches_per_epoch=2 if QUICK else 20,
        window=8 if QUICK else 16,
        beta_warmup=max(1, EPOCHS // 6),
        learning_rate=1e-2,
        random_state=0,
    ).fit(X_train)
    paths = [
        model.sample(N_STEPS, x0=x0, n_paths=4 if QUICK else 16, random_state=i)
        for i, x0 in enumerate(X0)
    ]
    errors[n_micro] = relative_error(np.stack([p.mean(axis=0) for p in paths]), truth)
    # the initial field is given, so the band is judged from the first step on
    inside = []
    for p, ref in zip(paths, truth, strict=True):
        lo, hi = np.percentile(p[:, 1:], [5, 95], axis=0)
        inside.append(np.mean((ref[1:] >= lo) & (ref[1:] <= hi)))
    coverage[n_micro] = float(np.mean(inside))
    print(
        f"n_micro={n_micro}: mean relative error {errors[n_micro]:.2%}, "
        f"truth inside the 5-95% band {coverage[n_micro]:.0%}"
    )
print(f"coarse finite differences: mean relative error {coarse_error:.2%}")

# %%
# Held-out error and calibration against the micro-state dimension
fig, (ax, ax_cov) = plt.subplots(1, 2, figsize=(11, 4))
ax.plot(list(errors), list(errors.values()), "o-", label="CoarseSDE")
ax.axhline(coarse_error, color="k", ls="--", label="coarse finite differences")
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
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_coarse_kdv"):
        print(f"figure written: {path}")
plt.show()
