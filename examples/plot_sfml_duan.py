"""
Stochastic flow map of the Duan slow-fast system
================================================

Two slow variables driven by a fast Ornstein-Uhlenbeck mode,

.. math::

    dx = y\\,dt + \\sigma_1 dW_1, \\quad
    dy = (-y + z^2 - x)\\,dt + \\sigma_2 dW_2, \\quad
    dz = \\frac{x/4 - z}{\\varepsilon}\\,dt + \\sigma_3\\sqrt{2/\\varepsilon}\\,dW_3,

observed in ``(x, y)`` only. :class:`~skrom.flows.SFMLFlow` (a 2-D conditional
MAF) learns their joint transition law and generates paths from the published
initial state (1.5, 1) (Chen & Xiu 2024, eps = 0.001), compared with the
truth in mean and standard deviation over time, sample paths, and the
conditional marginal densities at a few states.

The defaults train briefly on 2,000 bursts so the script runs in a couple of
minutes; ``benchmarks/bench_sfml.py`` runs the published setting (10,000
bursts or more) that meets the 5% tolerances.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.datasets import make_duan
from skrom.flows import SFMLFlow
from skrom.metrics import mean_std_error
from skrom.plotting import save_figures

simulate = make_duan
parser = argparse.ArgumentParser(description="skrom example: plot_sfml_duan")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
N_BURSTS = 200 if QUICK else 2000
N_PATHS = 200 if QUICK else 2000
EPOCHS = 2 if QUICK else 40
EPS, DT, LAG = 0.001, 0.01, 5
HORIZON = 2.0 if QUICK else 8.0
NAMES = ["x", "y"]

# %%
# Training bursts of length T = 1 from the authors' box of initial states.
# The map steps ``LAG * DT`` = 0.05 time units, long against the fast time
# scale, so that the observed variables are close to Markovian.
X_train = simulate(N_BURSTS, 101, DT, eps=EPS, x0_range="paper", random_state=0)
model = SFMLFlow(
    lag=LAG, dt=DT, n_pairs_per_trajectory=20, max_epochs=EPOCHS, random_state=0
).fit(X_train)
print(f"fitted in {model.n_epochs_} epochs on {model.n_pairs_} pairs")

# %%
# Long paths from the published initial state against the truth
n_steps = int(round(HORIZON / DT)) + 1
truth = simulate(N_PATHS, n_steps, DT, eps=EPS, random_state=1)[:, ::LAG]
paths = model.sample(truth.shape[1], x0=truth[:, 0], n_paths=N_PATHS, random_state=2)
err = mean_std_error(truth, paths)
print(
    f"mean error {err.mean_error:.3f}, std error {err.std_error:.3f} "
    "(relative to the truth's spread)"
)
t = model.time_step_ * np.arange(truth.shape[1])

fig, axes = plt.subplots(len(NAMES), 3, figsize=(14, 3.6 * len(NAMES)), squeeze=False)
for j, name in enumerate(NAMES):
    ax = axes[j]
    ax[0].plot(t, err.mean_true[:, j], "k", label="truth")
    ax[0].plot(t, err.mean_model[:, j], "C1--", label="SFMLFlow")
    ax[0].set(xlabel="t", title=f"mean of {name}")
    ax[1].plot(t, err.std_true[:, j], "k", t, err.std_model[:, j], "C1--")
    ax[1].set(xlabel="t", title=f"standard deviation of {name}")
    ax[2].plot(t, truth[:3, :, j].T, "k", lw=0.7)
    ax[2].plot(t, paths[:3, :, j].T, "C1", lw=0.7)
    ax[2].set(xlabel="t", title=f"sample paths of {name} (black: truth)")
axes[0, 0].legend()
fig.tight_layout()

# %%
# Conditional density of the state one map step ahead, at a few states
states = [[1.5, 1.0], [0.0, 0.0], [-1.0, 0.5]]
fig, axes = plt.subplots(
    len(NAMES), len(states), figsize=(12, 3.2 * len(NAMES)), squeeze=False
)
for k, x in enumerate(states):
    true_next = simulate(N_PATHS, LAG + 1, DT, eps=EPS, x0=x, random_state=3)[:, -1]
    model_next = model.sample(2, x0=x, n_paths=N_PATHS, random_state=4)[:, 1]
    for j, name in enumerate(NAMES):
        bins = np.linspace(*np.percentile(true_next[:, j], [0.5, 99.5]), 40)
        ax = axes[j, k]
        ax.hist(true_next[:, j], bins, density=True, color="0.6", label="truth")
        ax.hist(
            model_next[:, j],
            bins,
            density=True,
            histtype="step",
            color="C1",
            lw=2,
            label="SFMLFlow",
        )
        ax.set(title=f"given {x}", xlabel=f"{name}(t + 0.05)")
axes[0, 0].legend()
fig.tight_layout()
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_sfml_duan"):
        print(f"figure written: {path}")
plt.show()
