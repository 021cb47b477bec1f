"""
Stochastic flow map of a forced system, under an unseen excitation
==================================================================

The disturbed Ornstein-Uhlenbeck process

.. math::

    dx = (-x + b(t))\\,dt + 0.5\\,dW

is driven by a known excitation :math:`b(t)` (Chen & Xiu 2026). We train
:class:`~skrom.flows.SFMLFlow` on short bursts under sines of random
amplitude, frequency and phase, passing the excitation as the known input
``U``, and then generate paths from x0 = 0 under the authors' two-tone
excitation :math:`0.5 \\sin 6t + 0.4 \\sin 18t`, a family (and a frequency)
never seen in training. The mean and standard deviation over time are
compared with the truth and with the two-sample floor: the same error
between two independent truth ensembles of the same size.

The defaults train briefly so the script runs in a couple of minutes; the
slow test ``test_disturbed_ou_unseen_excitation`` runs the full setting.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from skrom.datasets import disturbed_ou_excitation, make_disturbed_ou
from skrom.flows import SFMLFlow
from skrom.metrics import compare_with_sampling_floor, mean_std_error
from skrom.plotting import save_figures

parser = argparse.ArgumentParser(description="skrom example: plot_sfml_forced_ou")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
N_BURSTS = 300 if QUICK else 4000
N_PATHS = 300 if QUICK else 4000
EPOCHS = 2 if QUICK else 20
DT = 0.01

# %%
# Training bursts under random sines; the excitation is the known input U
X, U = make_disturbed_ou(
    N_BURSTS, 51, DT, excitation="random_sine", x0_range=(-2, 2), random_state=0
)
model = SFMLFlow(
    dt=DT, n_pairs_per_trajectory=25, max_epochs=EPOCHS, random_state=0
).fit(X, U=U)
print(f"fitted in {model.n_epochs_} epochs on {model.n_pairs_} pairs")

# %%
# 100 steps from x0 = 0 under the unseen two-tone excitation, given to
# ``sample`` as a callable of time
truth, U_test = make_disturbed_ou(
    N_PATHS, 101, DT, excitation="two_tone", random_state=1
)
other, _ = make_disturbed_ou(N_PATHS, 101, DT, excitation="two_tone", random_state=2)


def two_tone(t):
    return [disturbed_ou_excitation("two_tone", t)]


paths = model.sample(101, x0=[0.0], n_paths=N_PATHS, U=two_tone, random_state=3)
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
t = DT * np.arange(truth.shape[1])

fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
axes[0].plot(t, err.mean_true[:, 0], "k", label="truth")
axes[0].plot(t, err.mean_model[:, 0], "C1--", label="SFMLFlow")
axes[0].plot(t, U_test[0, :, 0], "C2:", label="excitation b(t)")
axes[0].set(xlabel="t", title="mean")
axes[0].legend()
axes[1].plot(t, err.std_true[:, 0], "k", t, err.std_model[:, 0], "C1--")
axes[1].set(xlabel="t", title="standard deviation")
axes[2].plot(t, err.mean_error_t[:, 0], "C1", label="model vs truth: mean")
axes[2].plot(t, err.std_error_t[:, 0], "C1--", label="model vs truth: std")
axes[2].plot(t, floor.mean_error_t[:, 0], "k", lw=0.8, label="truth vs truth: mean")
axes[2].plot(t, floor.std_error_t[:, 0], "k--", lw=0.8, label="truth vs truth: std")
axes[2].set(xlabel="t", title="errors (units of the truth's spread)")
axes[2].legend(fontsize=8)
fig.tight_layout()
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_sfml_forced_ou"):
        print(f"figure written: {path}")
plt.show()
