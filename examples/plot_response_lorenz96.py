"""
Response of an eight-site Lorenz-96 system to forcing one site
==============================================================

The stochastically forced Lorenz-96 system
(:func:`~skrom.datasets.make_lorenz96`, ``n = 8``, ``F = 8``, ``sigma = 1``)
is a chaotic, eight-dimensional Markov process. We add a small constant
forcing ``delta`` to site 0 and ask how the mean of every site responds.
The fluctuation-dissipation theorem gives the answer from unperturbed data
and the score of the eight-dimensional invariant density, learned by
:class:`~skrom.score.KGMMScore` from a million states
(:func:`~skrom.response.score_response`). In eight dimensions the K-means
cells are wide, and the network fitted to their average scores comes out
too weak; ``calibrate=True`` rescales it so that it satisfies Stein's
identity ``<s(x) (x - mean)^T> = -I`` on the data, as the true score does.
The quasi-Gaussian approximation
(:func:`~skrom.response.gaussian_response`) and perturbation ensembles with
common noise (:func:`~skrom.response.ensemble_response`, the reference,
with a band of two standard errors) are plotted with it.

Run as a script it writes its figures (PNG) into ``--out`` (default
``./skrom_figures``). ``--quick`` (or ``SKROM_DOC_QUICK=1``) learns from a
short record with a quick fit: the curves are then rough.
"""

import argparse
import os
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from skrom.datasets import make_lorenz96
from skrom.metrics import decorrelation_time
from skrom.plotting import save_figures
from skrom.response import (
    Lorenz96Simulator,
    ensemble_response,
    gaussian_response,
    score_response,
)
from skrom.score import KGMMScore

parser = argparse.ArgumentParser(description="Response of Lorenz-96 to forcing.")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"

torch.set_num_threads(1)
START = time.perf_counter()
DT = 0.05
SYSTEM = dict(dt=DT, noise=1.0)
U = np.eye(8)[0]  # force site 0
AMPLITUDE = 0.1
# in quick mode the worker processes would cost more than they save
N_JOBS = 1 if QUICK else 2
if QUICK:
    N_TRAJ, N_STEPS, N_MEMBERS = 2, 4_000, 100
    SCORE = dict(sigma=0.2, prob=1e-2, max_epochs=100, random_state=0)
else:
    N_TRAJ, N_STEPS, N_MEMBERS = 10, 100_000, 16_000
    SCORE = dict(sigma=0.2, prob=1e-4, random_state=0, n_jobs=2)

X = make_lorenz96(N_TRAJ, N_STEPS, random_state=0, n_jobs=N_JOBS, **SYSTEM)
tau = float(np.max(decorrelation_time(X, dt=DT, max_lag=200)))
max_lag = int(np.ceil(3.0 * tau / DT))
score = KGMMScore(**SCORE).fit(X)
learned = score_response(X, score, U, max_lag=max_lag, dt=DT)
calibrated = score_response(X, score, U, max_lag=max_lag, dt=DT, calibrate=True)
gaussian = gaussian_response(X, U, max_lag=max_lag, dt=DT)
states = X.reshape(-1, 8)
starts = states[np.random.default_rng(1).choice(len(states), N_MEMBERS, replace=False)]
reference = ensemble_response(
    Lorenz96Simulator(**SYSTEM),
    starts,
    U,
    n_steps=max_lag + 1,
    amplitude=AMPLITUDE,
    random_state=0,
    n_jobs=N_JOBS,
)


def relative_error(estimate, ref):
    return float(np.linalg.norm(estimate - ref) / np.linalg.norm(ref))


print(
    f"{X.shape[0] * X.shape[1]} states, {score.n_clusters_} KGMM cells; "
    f"tau = {tau:.2f}; relative L2 error over 3 tau, all sites: score-based "
    f"{relative_error(learned.response, reference.response):.3f}, "
    f"Stein-calibrated {relative_error(calibrated.response, reference.response):.3f}, "
    f"quasi-Gaussian "
    f"{relative_error(gaussian.response, reference.response):.3f} (ensemble "
    f"standard error "
    f"{np.linalg.norm(reference.stderr) / np.linalg.norm(reference.response):.3f})"
)
print(f"(total {time.perf_counter() - START:.0f} s)")

# %%
# The step response of the mean of each site to the forcing of site 0.
fig, axes = plt.subplots(2, 4, figsize=(14, 6), sharex=True)
t = reference.time
for site, ax in enumerate(axes.ravel()):
    mean, err = reference.response[:, site], 2.0 * reference.stderr[:, site]
    ax.fill_between(t, mean - err, mean + err, color="0.8")
    ax.plot(t, mean, "k", label="ensemble")
    ax.plot(t, learned.response[:, site], "C1--", label="score-based (KGMM)")
    ax.plot(t, calibrated.response[:, site], "C3-.", label="same, Stein-calibrated")
    ax.plot(t, gaussian.response[:, site], "C0:", label="quasi-Gaussian")
    ax.set_title(f"site {site}")
for ax in axes[1]:
    ax.set_xlabel("time since the forcing was switched on")
axes[0, 0].legend(fontsize=8)
fig.tight_layout()

if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_response_lorenz96"):
        print(f"figure written: {path}")
plt.show()

# %%
# What the numbers say
# --------------------
#
# At the default settings (a million states, 7415 cells, 16,000 members; a
# minute and a half on a busy two-core machine) this example printed
# relative L2 errors over three decorrelation times (0.8 time units) of
# 0.179 for the score-based response, 0.133 Stein-calibrated and 0.268 for
# the quasi-Gaussian one, with an ensemble standard error of 0.028. The
# uncalibrated KGMM response is too weak on the forced site (its cells span
# too much of the eight-dimensional density); the calibration restores the
# scale, and the shapes of the cross-site responses follow the ensemble
# better than the Gaussian ones do.
