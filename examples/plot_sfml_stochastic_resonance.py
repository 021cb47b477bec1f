"""
Stochastic resonance learned from single steps
==============================================

A weak, slow forcing tilts a double well back and forth,

.. math::

    dx = (x - x^3 + b(t))\\,dt + 0.25\\,dW, \\qquad
    b(t) = 0.12 \\cos(0.001\\, t),

too weakly to push the state over the barrier by itself; the noise does,
and the hops between the wells follow the forcing (Benzi et al.'s
stochastic resonance). As in the authors' example (Chen & Xiu 2026), we
train :class:`~skrom.flows.SFMLFlow` on single steps of 0.1 from states
uniform in [-1.6, 1.6] under forcings drawn uniformly from [-0.13, 0.13],
passing the forcing as the known input ``U``: the training data never see
a path longer than one step, nor the cosine. The model then generates paths
from x0 = 1 under the cosine. We compare the one-step law with the exact
Euler step, and the ensemble's mean and standard deviation over time with
the truth and with the two-sample floor: the same error between two
independent truth ensembles of the same size.

The defaults follow the authors' data and run in a few minutes; the slow
test ``test_stochastic_resonance_on_the_floor`` runs the same setting.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.datasets import make_stochastic_resonance
from skrom.flows import SFMLFlow
from skrom.metrics import compare_with_sampling_floor, mean_std_error
from skrom.plotting import save_figures

parser = argparse.ArgumentParser(
    description="skrom example: plot_sfml_stochastic_resonance"
)
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
N_PAIRS = 20_000 if QUICK else 200_000
EPOCHS = 2 if QUICK else 20
N_PATHS = 100 if QUICK else 500
HORIZON = 50.0 if QUICK else 4000.0
DT, SIGMA = 0.1, 0.25

# %%
# The authors' training data: 200,000 single steps, the forcing held over
# each step and passed as the known input U
X, U = make_stochastic_resonance(
    N_PAIRS, 2, DT, forcing="random_steps", x0_range=(-1.6, 1.6), random_state=0
)
model = SFMLFlow(
    dt=DT, n_transforms=3, max_epochs=EPOCHS, patience=EPOCHS, random_state=0
).fit(X, U=U)
print(f"fitted in {model.n_epochs_} epochs on {model.n_pairs_} pairs")

# %%
# One step from a few states under a few forcings, against the Euler step's
# exact law: mean x + dt (x - x^3 + b), standard deviation 0.25 sqrt(dt)
x = np.repeat(np.linspace(-1.2, 1.2, 5), 3)
b = np.tile([-0.1, 0.0, 0.1], 5)
ends = np.stack([b, b], axis=1)[:, :, None]
exact_mean, exact_std = x + DT * (x - x**3 + b), SIGMA * np.sqrt(DT)
n_draws = 2_000 if QUICK else 50_000
draws = model.sample(
    2,
    x0=np.repeat(x[:, None], n_draws, axis=0),
    n_paths=x.size * n_draws,
    U=np.repeat(ends, n_draws, axis=0),
    random_state=3,
)[:, 1, 0].reshape(x.size, n_draws)
mean_err = np.abs(model.predict(x[:, None], U=ends)[:, 0] - exact_mean) / exact_std
std_err = np.abs(draws.std(axis=1) - exact_std) / exact_std
print(
    f"one step: mean error {mean_err.max():.3f}, std error {std_err.max():.3f} "
    "(units of the exact std)"
)

# %%
# Paths from x0 = 1 under the cosine, against two independent truths
n_steps = int(round(HORIZON / DT)) + 1
truth, U_test = make_stochastic_resonance(N_PATHS, n_steps, DT, random_state=1)
other, _ = make_stochastic_resonance(N_PATHS, n_steps, DT, random_state=2)
paths = model.sample(n_steps, x0=[1.0], n_paths=N_PATHS, U=U_test[0], random_state=3)
res = compare_with_sampling_floor(truth, paths, other)
print(
    "error / floor: mean {:.2f}, std {:.2f} (errors {:.3f}, {:.3f}; floors "
    "{:.3f}, {:.3f})".format(
        res.ratio["mean"],
        res.ratio["std"],
        res.error["mean"],
        res.error["std"],
        res.floor["mean"],
        res.floor["std"],
    )
)
err = mean_std_error(truth, paths)
floor = mean_std_error(truth, other)
t = DT * np.arange(n_steps)
# the statistics are plotted every this many steps, to keep the figure light
every = max(1, n_steps // 2000)

fig, axes = plt.subplots(2, 2, figsize=(12, 7))
ax = axes[0, 0]
ax.plot(t[::every], truth[0, ::every, 0], "k", lw=0.6, label="truth")
ax.plot(t[::every], paths[0, ::every, 0], "C1", lw=0.6, label="SFMLFlow")
ax.plot(t[::every], U_test[0, ::every, 0] / 0.12, "C2:", label="b(t) / 0.12")
ax.set(xlabel="t", title="a path each")
ax.legend(fontsize=8)
ax = axes[0, 1]
grid = np.linspace(-1.2, 1.2, 5)
for k, value in enumerate([-0.1, 0.0, 0.1]):
    rows = slice(k, None, 3)
    ax.plot(grid, mean_err[rows], f"C{k}o-", label=f"mean, b = {value}")
    ax.plot(grid, std_err[rows], f"C{k}s--", label=f"std, b = {value}")
ax.set(xlabel="state x", title="one step: error / exact std")
ax.legend(fontsize=7, ncol=2)
ax = axes[1, 0]
ax.plot(t[::every], err.mean_true[::every, 0], "k", label="truth mean")
ax.plot(t[::every], err.mean_model[::every, 0], "C1--", label="model mean")
ax.plot(t[::every], err.std_true[::every, 0], "k:", label="truth std")
ax.plot(t[::every], err.std_model[::every, 0], "C1:", label="model std")
ax.set(xlabel="t", title=f"ensemble of {N_PATHS} paths")
ax.legend(fontsize=8)
ax = axes[1, 1]
ax.plot(t[::every], err.mean_error_t[::every, 0], "C1", lw=0.7, label="model: mean")
ax.plot(t[::every], floor.mean_error_t[::every, 0], "k", lw=0.7, label="floor: mean")
ax.plot(t[::every], err.std_error_t[::every, 0], "C1--", lw=0.7, label="model: std")
ax.plot(t[::every], floor.std_error_t[::every, 0], "k--", lw=0.7, label="floor: std")
ax.set(xlabel="t", title="errors (units of the truth's spread)")
ax.legend(fontsize=8)
fig.tight_layout()
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_sfml_stochastic_resonance"):
        print(f"figure written: {path}")
plt.show()
