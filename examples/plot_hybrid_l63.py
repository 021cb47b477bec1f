"""
Hybrid Langevin ROM of Lorenz-63-driven metastable systems
==========================================================

The slow variable of

.. math::

    \\dot x = -U'(x) + \\frac{s}{\\varepsilon}\\, g(x)\\, y_2, \\qquad
    \\dot{\\mathbf y} = \\frac{1}{\\varepsilon^2} L_{63}(\\mathbf y)

hops between the wells of ``U`` whenever the chaotic forcing ``y2`` pushes
it hard enough. Following Del Felice & Giorgini (2025), a
:class:`~skrom.hybrid.HybridLangevinROM` learns from the slow variable alone

- a score-based drift ``Phi s(x)`` (KGMM), which fixes the invariant density,
- a neural ODE on delay vectors of the residual forcing
  ``(dx/dt - Phi s(x)) / Sigma``, which stands in for the fast driver.

For the three benchmark systems (additive and multiplicative forcing of a
double well, and a tristable potential with a slow periodic tilt) we compare
the PDF and ACF of long runs with the truth and with the Gaussian-noise
:class:`~skrom.score.LangevinROM`. The tilt's phase is a known feature of
the tristable data (``[x, sin(omega t), cos(omega t)]``): with
``clock_features=(1, 2)`` the drift is the conditional score at the current
phase plus a transport velocity, and the clock is advanced exactly. Its
phase-conditional statistics need many tilt periods, so it is trained on ten
runs (twenty periods) and with finer score clusters. Then, on held-out
transitions of the additive system, we forecast from the observed history which well the
system will be in just after the barrier crossing, at lead times measured
in Lyapunov times of the driver (1 / (4 * 0.906) = 0.28 time units).

The settings are small so that the script runs in a few minutes on a laptop
(``SKROM_DOC_QUICK=1``: seconds, for the documentation build): the forcing
network is the paper's shape at a smaller width, trained briefly on short
windows, with an odd field (``symmetric=True``: the Lorenz-63 forcing is
symmetric under ``y -> -y``). That is enough for the forecasts, where the
hybrid foresees transitions the Gaussian model cannot. It is not enough for
the network's own long-run dynamics (nearly periodic, or stuck on one lobe
of the attractor), so by default the hybrid uses the network only on the
time scales it was trained on and white noise of the Langevin model's
strength for the slower part (``slow_forcing="noise"``), with the time
scales matched to the data's autocorrelation (``diffusion="acf"``; for the
tristable, whose ACF integral the tilt dominates, to the mean time per
transition between its wells, ``diffusion="residence"``): its long runs then
have the statistics of the Gaussian-noise model with the same time change.
The two test runs here are short: two independent sets of the truth of this
length already differ by a KL of about 0.01 and residence times by up to 30%.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np
import torch

from skrom.datasets import (
    make_bistable_additive,
    make_bistable_multiplicative,
    make_tristable,
)
from skrom.forcing import DelayNODEForcing
from skrom.hybrid import HybridLangevinROM
from skrom.metrics import (
    acf_error,
    autocorrelation,
    decorrelation_time,
    marginal_pdf,
    mean_residence_times,
    pdf_kl_divergence,
    transition_events,
    transition_forecast_skill,
)
from skrom.plotting import save_figures
from skrom.score import KGMMScore

torch.set_num_threads(1)
parser = argparse.ArgumentParser(description="skrom example: plot_hybrid_l63")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"
DT = 0.01
N_TRAIN = 5_000 if QUICK else 100_000
N_TEST = 5_000 if QUICK else 100_000
N_SIM = 5_000 if QUICK else 100_000
FORCING = (
    dict(
        n_delays=4,
        hidden_layers=(32,),
        window=10,
        n_windows=256,
        max_epochs=4,
        learning_rate=3e-3,
    )
    if QUICK
    else dict(
        n_delays=8,
        hidden_layers=(64, 64),
        window=8,
        window_decay=1.0,
        n_windows=1024,
        max_epochs=15,
        learning_rate=3e-3,
    )
)
FORCING["symmetric"] = True
SCORE = dict(prob=1e-2, max_epochs=100) if QUICK else dict()
LYAPUNOV_TIME = 1.0 / (4 * 0.906)

SYSTEMS = {
    "additive": (make_bistable_additive, (-0.5, 0.5)),
    "multiplicative": (make_bistable_multiplicative, (-0.5, 0.5)),
    "tristable": (make_tristable, [[-1.3, -0.7], [0.7, 1.3]]),
}

# %%
# Fit the hybrid on each system and compare long runs with the truth
fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
models = {}
print(f"{'system':>15} {'model':>9} {'KL':>7} {'ACF err':>8} {'residence times':>22}")
for col, (name, (make, thresholds)) in enumerate(SYSTEMS.items()):
    clocked = name == "tristable"
    X_train = make(10 if clocked else 1, N_TRAIN, dt=DT, random_state=0)
    X_test = make(2, N_TEST, dt=DT, random_state=1)
    score = dict(SCORE, sigma=0.02, prob=5e-4) if clocked and not QUICK else SCORE
    # the tilt's periodic part sets the tristable's ACF integral, not its
    # hopping: its time change matches the time per transition instead (the
    # quick data hold too few transitions for that)
    residence = clocked and not QUICK
    rom = HybridLangevinROM(
        score_estimator=KGMMScore(**score),
        forcing=DelayNODEForcing(**FORCING),
        dt=DT,
        clock_features=(1, 2) if clocked else None,
        diffusion="residence" if residence else "acf",
        # the network's unbalanced short-time variance
        # distorts the density where the forcing g(x) y2
        # varies with x: one window's memory only
        forcing_memory=0.2 if name == "multiplicative" else None,
        state_thresholds=thresholds if residence else None,
        random_state=0,
    ).fit(X_train)
    models[name] = (rom, X_test)
    # the statistics of x (runs of whole tilt periods: 1000 time units)
    runs = {
        "hybrid": rom.sample(N_SIM, n_paths=2, random_state=1)[..., :1],
        "Langevin": rom.langevin_.sample(N_SIM, n_paths=2, random_state=1)[..., :1],
    }
    X_test = X_test[..., :1]
    tau = float(decorrelation_time(X_test, dt=DT)[0])  # inf if the data are too short
    max_lag = int(min(5 * tau / DT, N_TEST // 4))
    grid = np.linspace(X_test.min() - 0.3, X_test.max() + 0.3, 200)
    truth_pdf = marginal_pdf(X_test, grid=grid)[1]
    axes[0, col].plot(grid, truth_pdf, "k", lw=2, label="truth")
    lags = np.arange(max_lag + 1) * DT
    axes[1, col].plot(lags, autocorrelation(X_test, max_lag), "k", lw=2, label="truth")
    true_res = mean_residence_times(X_test, thresholds, dt=DT)
    res_text = np.array2string(true_res, precision=1)
    print(f"{name:>15} {'truth':>9} {'':>7} {'':>8} {res_text:>22}")
    for label, sim in runs.items():
        kl = pdf_kl_divergence(X_test, sim)
        err = acf_error(X_test, sim, max_lag)
        res = mean_residence_times(sim, thresholds, dt=DT)
        print(
            f"{'':>15} {label:>9} {kl:7.4f} {err:8.3f} "
            f"{np.array2string(res, precision=1):>22}"
        )
        axes[0, col].plot(grid, marginal_pdf(sim, grid=grid)[1], label=label)
        axes[1, col].plot(lags, autocorrelation(sim, max_lag), label=label)
    axes[0, col].set_title(name)
    axes[0, col].set_xlabel("x")
    axes[1, col].set_xlabel("lag")
axes[0, 0].set_ylabel("PDF")
axes[1, 0].set_ylabel("ACF")
axes[0, 0].legend()
fig.tight_layout()

# %%
# Forecasting transitions of the additive system
#
# For every held-out barrier crossing, forecasts start ``lead`` before it from
# the observed history (the hybrid warm-starts its forcing from the residual
# of that history) and we check the well 0.3 time units after the crossing.
# The hybrid votes with 16 members of a lagged ensemble, the Langevin
# baseline with 32 noise realisations.
rom, X_test = models["additive"]
settle = 30
events = transition_events(X_test, (-0.5, 0.5), settle=settle, min_history=400)
if QUICK:
    events = events[:5]
leads = np.array([0.05, 0.1, 0.15, 0.2, 0.25, 0.3])
lead_steps = np.round(leads / DT).astype(int)


def hybrid_end(i, t0, n, e):
    # a vote of 16 members (lagged starts, each with its own white noise)
    fc = rom.forecast(
        X_test[i, t0 - 300 : t0 + 1], lead_time=n * DT, n_paths=16, random_state=e
    )
    return fc[0, :, -1, 0]


def langevin_end(i, t0, n, e):
    paths = rom.langevin_.sample(n + 1, x0=X_test[i, t0], n_paths=32, random_state=e)
    return paths[:, -1, 0]


skill_h = transition_forecast_skill(
    X_test, events, lead_steps, hybrid_end, settle=settle
)
skill_l = transition_forecast_skill(
    X_test, events, lead_steps, langevin_end, settle=settle
)
print(f"\n{len(events)} held-out transitions; skill = fraction in the right well")
print(f"{'lead':>6} {'lead/T_L':>9} {'hybrid':>8} {'Langevin':>9}")
for L, h, g in zip(leads, skill_h, skill_l, strict=True):
    print(f"{L:6.2f} {L / LYAPUNOV_TIME:9.2f} {h:8.3f} {g:9.3f}")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(leads / LYAPUNOV_TIME, skill_h, "o-", label="hybrid (NODE forcing)")
ax.plot(leads / LYAPUNOV_TIME, skill_l, "s-", label="Langevin (Gaussian noise)")
ax.set_xlabel("lead time / Lyapunov time")
ax.set_ylabel("transition forecast skill")
ax.set_ylim(0, 1.05)
ax.legend()
fig.tight_layout()
# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_hybrid_l63"):
        print(f"figure written: {path}")
plt.show()
