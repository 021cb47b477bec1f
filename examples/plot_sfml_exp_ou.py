"""
Stochastic flow map of the exponential-mean OU system
=====================================================

The slow variable of

.. math::

    dx = (1 - x + y)\\,dt, \\qquad
    dy = \\frac{e^{-x} - y}{\\varepsilon}\\,dt + \\sqrt{2/\\varepsilon}\\,dW

is observed every 0.01 time units in short bursts; the fast ``y`` never is.
:class:`~skrom.flows.SFMLFlow` learns the law of the next observation given
the current one from those bursts, and then generates long paths from the
published initial state x0 = 1.1 (Chen & Xiu 2024, eps = 0.001). We compare
the mean and standard deviation over time with the truth and with the
averaged equation dx/dt = 1 - x + exp(-x), sample paths, and the conditional
density at a few states.

The defaults train briefly on 2,000 bursts so the script runs in a couple of
minutes; ``benchmarks/bench_sfml.py`` runs the full setting (tens of
thousands of bursts) that meets the 5% tolerances.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.datasets import exp_ou_averaged_path, make_exp_ou
from skrom.flows import SFMLFlow
from skrom.metrics import mean_std_error
from skrom.plotting import save_figures

parser = argparse.ArgumentParser(description="skrom example: plot_sfml_exp_ou")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
N_BURSTS = 200 if QUICK else 2000
N_PATHS = 200 if QUICK else 2000
EPOCHS = 2 if QUICK else 40
EPS, DT, LAG, HORIZON = 0.001, 0.01, 5, 1.0 if QUICK else 4.0

# %%
# Training bursts of length T = 1 from the authors' box of initial states
X_train = make_exp_ou(N_BURSTS, 101, DT, eps=EPS, x0_range="paper", random_state=0)
model = SFMLFlow(
    lag=LAG, dt=DT, n_pairs_per_trajectory=20, max_epochs=EPOCHS, random_state=0
).fit(X_train)
print(f"fitted in {model.n_epochs_} epochs on {model.n_pairs_} pairs")

# %%
# Long paths from x0 = 1.1 against the truth and the averaged equation
n_steps = int(round(HORIZON / DT)) + 1
truth = make_exp_ou(N_PATHS, n_steps, DT, eps=EPS, random_state=1)[:, ::LAG]
paths = model.sample(truth.shape[1], x0=truth[:, 0], n_paths=N_PATHS, random_state=2)
averaged = exp_ou_averaged_path(1.1, n_steps, DT)[0, ::LAG, 0]
err = mean_std_error(truth, paths)
print(
    f"mean error {err.mean_error:.3f}, std error {err.std_error:.3f} "
    "(relative to the truth's spread)"
)
t = model.time_step_ * np.arange(truth.shape[1])

fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
axes[0].plot(t, err.mean_true[:, 0], "k", label="truth")
axes[0].plot(t, err.mean_model[:, 0], "C1--", label="SFMLFlow")
axes[0].plot(t, averaged, "C2:", label="averaged equation")
axes[0].set(xlabel="t", title="mean")
axes[0].legend()
axes[1].plot(t, err.std_true[:, 0], "k", t, err.std_model[:, 0], "C1--")
axes[1].set(xlabel="t", title="standard deviation")
axes[2].plot(t, truth[:3, :, 0].T, "k", lw=0.7)
axes[2].plot(t, paths[:3, :, 0].T, "C1", lw=0.7)
axes[2].set(xlabel="t", title="sample paths (black: truth)")
fig.tight_layout()

# %%
# Conditional density of x(t + 0.05) given x(t) at a few states
states = [0.0, 1.0, 1.8]
fig, axes = plt.subplots(1, len(states), figsize=(12, 3.2))
for ax, x in zip(axes, states, strict=True):
    true_next = make_exp_ou(N_PATHS, LAG + 1, DT, eps=EPS, x0=[x], random_state=3)[
        :, -1, 0
    ]
    model_next = model.sample(2, x0=[x], n_paths=N_PATHS, random_state=4)[:, 1, 0]
    bins = np.linspace(*np.percentile(true_next, [0.5, 99.5]), 40)
    ax.hist(true_next, bins, density=True, color="0.6", label="truth")
    ax.hist(
        model_next,
        bins,
        density=True,
        histtype="step",
        color="C1",
        lw=2,
        label="SFMLFlow",
    )
    ax.set(title=f"x(t) = {x}", xlabel="x(t + 0.05)")
axes[0].legend()
fig.tight_layout()
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_sfml_exp_ou"):
        print(f"figure written: {path}")
plt.show()
