"""
KGMM on Lorenz-96 in four and eight dimensions
==============================================

Two questions about :class:`~skrom.score.KGMMScore` beyond the low
dimensions of the other examples, on the stochastically forced Lorenz-96
system (:func:`~skrom.datasets.make_lorenz96`),

.. math::

    dx_i = \\left[(x_{i+1} - x_{i-2})\\, x_{i-1} - x_i + F\\right] dt
           + \\sigma\\, dW_i .

1. **How accurate is the learned score?** With ``F = 0`` the advection
   term conserves ``|x|^2`` and has no divergence (``x_i``'s tendency does
   not depend on ``x_i``), so it leaves the density of the damped, noisy
   system alone: the invariant density is exactly ``N(0, sigma^2 / 2 I)``
   and the score is ``-2 x / sigma^2``, while the dynamics stay nonlinear.
   We check the Gaussian numerically, then measure the relative L2 error
   of the learned score on the data, ``|s - s_exact| / |s_exact|``, in 4
   and 8 dimensions, and the slope of ``s`` on ``s_exact`` (1 for an
   unbiased score; below 1, too weak).
2. **How good is the Langevin model?** With ``F = 8`` (chaotic) there is
   no closed-form density; :class:`~skrom.score.LangevinROM` (KGMM score,
   estimated diffusion) is simulated and compared with independent runs
   of the system: the KL divergence of every component's marginal PDF
   (:func:`~skrom.metrics.pdf_kl_divergence`) and the largest difference of
   its autocorrelation function over three decorrelation times
   (:func:`~skrom.metrics.acf_error`).
3. **What does the score error do to a response?** For ``F = 0`` the
   response of the mean state to a constant forcing of site 0
   (:func:`~skrom.response.score_response`) with the learned score is
   compared with the same estimate with the exact score, on the same data,
   with its batch-means standard error.

The response of the chaotic 8-D system against perturbation ensembles is
:ref:`sphx_glr_auto_examples_plot_response_lorenz96.py`.

Run as a script it writes its figures (PNG) into ``--out`` (default
``./skrom_figures``). ``--quick`` (or ``SKROM_DOC_QUICK=1``) learns from
4e4 instead of 1e6 states with a short network fit: the figures are then
rough.
"""

import argparse
import os
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from skrom.datasets import make_lorenz96
from skrom.metrics import (
    acf_error,
    autocorrelation,
    decorrelation_time,
    pdf_kl_divergence,
)
from skrom.plotting import save_figures
from skrom.response import score_response
from skrom.score import KGMMScore, LangevinROM

parser = argparse.ArgumentParser(description="KGMM on Lorenz-96 in 4 and 8 D.")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"

torch.set_num_threads(1)
START = time.perf_counter()
NOISE = 1.0
DIMENSIONS = (4, 8)
if QUICK:
    N_TRAJ, N_STEPS, N_JOBS = 2, 20_000, 1
    SCORE = dict(sigma=0.05, prob=2e-3, max_epochs=100, random_state=0)
    N_MODEL_STEPS = 10_000
else:
    N_TRAJ, N_STEPS, N_JOBS = 10, 100_000, 2
    SCORE = dict(sigma=0.05, prob=1e-3, random_state=0, n_jobs=2)
    N_MODEL_STEPS = 100_000

# %%
# F = 0: the exact score
# ----------------------
# Observed every 0.5 time units (the decorrelation time is about 1), so a
# million states are nearly independent draws.


class ExactScore:
    """The score -2 x / sigma^2 of N(0, sigma^2 / 2 I)."""

    def predict(self, X):
        return -2.0 * np.asarray(X) / NOISE**2


score_rows = {}
responses = {}
fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
for n, ax in zip(DIMENSIONS, axes, strict=True):
    X0 = make_lorenz96(
        N_TRAJ,
        N_STEPS,
        dt=0.5,
        n_variables=n,
        forcing=0.0,
        noise=NOISE,
        random_state=0,
        n_jobs=N_JOBS,
    )
    states = X0.reshape(-1, n)
    excess_kurtosis = (states**4).mean(axis=0) / states.var(axis=0) ** 2 - 3.0
    est = KGMMScore(**SCORE).fit(X0)
    exact = -2.0 * states / NOISE**2
    learned = est.predict(states)
    error = np.linalg.norm(learned - exact) / np.linalg.norm(exact)
    slope = np.sum(learned * exact) / np.sum(exact * exact)
    score_rows[n] = (states.var(axis=0).mean(), np.abs(excess_kurtosis).max())
    score_rows[n] += (est.n_clusters_, error, slope)
    u = np.eye(n)[0]
    responses[n] = [
        score_response(X0, score, u, max_lag=8, dt=0.5) for score in (est, ExactScore())
    ]
    shown = slice(0, 5000)
    ax.plot(exact[shown, 0], learned[shown, 0], ".", ms=1, alpha=0.3)
    lim = np.abs(exact[shown, 0]).max()
    ax.plot([-lim, lim], [-lim, lim], "k", lw=1, label="exact")
    ax.set_title(f"n = {n}: relative L2 error {error:.3f}, slope {slope:.2f}")
    ax.set_xlabel("exact score of x_0")
axes[0].set_ylabel("KGMM score of x_0")
axes[0].legend()
fig.tight_layout()

print(
    f"F = 0, {N_TRAJ * N_STEPS:.0e} states, sigma = {SCORE['sigma']}, prob = "
    f"{SCORE['prob']}"
)
print("  n  variance (exact 0.5)  max |excess kurtosis|  cells  score error  slope")
for n, (var, kurt, cells, error, slope) in score_rows.items():
    print(f"{n:3d}  {var:19.3f}  {kurt:21.3f}  {cells:5d}  {error:11.3f}  {slope:5.2f}")

# %%
# The step response of the mean state to forcing site 0, F = 0
# ------------------------------------------------------------
# Both curves come from the same data; the band is two standard errors of
# the estimate with the exact score (blocks of the trajectories).

fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
for (n, (kgmm, exact_r)), ax in zip(responses.items(), axes, strict=True):
    difference = np.linalg.norm(kgmm.response - exact_r.response)
    size = np.linalg.norm(exact_r.response)
    print(
        f"n = {n}: response of the mean state over 4 time units, KGMM score "
        f"against exact score: relative L2 difference {difference / size:.3f}; "
        f"relative standard error {np.linalg.norm(exact_r.stderr) / size:.3f}"
    )
    for site, color in ((0, "C0"), (1, "C3")):
        mean, band = exact_r.response[:, site], 2.0 * exact_r.stderr[:, site]
        ax.fill_between(exact_r.time, mean - band, mean + band, color=color, alpha=0.2)
        ax.plot(exact_r.time, mean, color=color, label=f"site {site}, exact score")
        ax.plot(
            kgmm.time,
            kgmm.response[:, site],
            "--",
            color=color,
            label=f"site {site}, KGMM score",
        )
    ax.set_title(f"n = {n}")
    ax.set_xlabel("time since the forcing was switched on")
axes[0].legend(fontsize=8)
fig.tight_layout()

# %%
# F = 8: the Langevin model against the system
# --------------------------------------------
# Observed every 0.05; the model's statistics against an independent run.

fig, axes = plt.subplots(2, 2, figsize=(10, 7))
stat_rows = {}
for n, (ax_pdf, ax_acf) in zip(DIMENSIONS, axes, strict=True):
    kwargs = dict(dt=0.05, n_variables=n, forcing=8.0, noise=NOISE, n_jobs=N_JOBS)
    X = make_lorenz96(N_TRAJ, N_STEPS, random_state=0, **kwargs)
    truth = make_lorenz96(2, N_MODEL_STEPS, random_state=1, **kwargs)
    tau = float(np.max(decorrelation_time(X, dt=0.05, max_lag=400)))
    max_lag = int(np.ceil(3.0 * tau / 0.05))
    lags = 0.05 * np.arange(max_lag + 1)
    edges = np.linspace(truth.min(), truth.max(), 80)
    ax_pdf.hist(
        truth[..., 0].ravel(),
        edges,
        density=True,
        histtype="step",
        color="k",
        label="Lorenz-96",
    )
    ax_acf.plot(lags, autocorrelation(truth, max_lag, feature=0)[:, 0], "k")
    rom = LangevinROM(
        score_estimator=KGMMScore(**SCORE), dt=0.05, random_state=0, n_jobs=N_JOBS
    ).fit(X)
    model = rom.sample(N_MODEL_STEPS, n_paths=2, random_state=1)
    kl = [pdf_kl_divergence(truth, model, feature=j) for j in range(n)]
    acf = [acf_error(truth, model, max_lag, feature=j) for j in range(n)]
    stat_rows[n] = (tau, kl, acf)
    ax_pdf.hist(
        model[..., 0].ravel(),
        edges,
        density=True,
        histtype="step",
        color="C1",
        label="LangevinROM",
    )
    ax_acf.plot(lags, autocorrelation(model, max_lag, feature=0)[:, 0], "C1--")
    ax_pdf.set_title(f"n = {n}: marginal PDF of x_0")
    ax_acf.set_title(f"n = {n}: autocorrelation of x_0")
axes[0, 0].legend(fontsize=8)
axes[1, 1].set_xlabel("lag")
fig.tight_layout()

print(
    f"F = 8, {N_TRAJ * N_STEPS:.0e} training states; truth and model: "
    f"2 x {N_MODEL_STEPS} steps"
)
for n, (tau, kl, acf) in stat_rows.items():
    print(
        f"n = {n} (tau = {tau:.2f}): PDF KL per "
        f"component {np.round(kl, 3).tolist()}; ACF error over 3 tau "
        f"{np.round(acf, 3).tolist()}"
    )
print(f"(total {time.perf_counter() - START:.0f} s)")

if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_lorenz96_study"):
        print(f"figure written: {path}")
plt.show()

# %%
# What the numbers say
# --------------------
#
# At the default settings (a million states per fit; about three minutes on
# a busy two-core machine) this example printed:
#
# - ``F = 0``: the data's variance is 0.502 / 0.503 (exact 0.5) and the
#   excess kurtosis below 0.01: the density is the Gaussian. KGMM's score
#   (defaults, about 760 cells) has a relative L2 error of 0.038 in four
#   dimensions and 0.073 in eight, with slopes 0.99 and 0.96 on the exact
#   score: hardly too weak. Averaging a linear score over a cell loses
#   nothing, however wide the cell, so the 8-D error is the network's (it
#   is larger on the outer half of the data). Smaller cells
#   (``prob=1e-4``: 0.081, slope 0.94) do not help at ``sigma=0.05``, whose
#   cell scores are then noisier; ``sigma=0.2`` gives 0.059 (slope 0.95,
#   of which 0.96 is the smoothing by ``sigma``).
# - The step response of the mean state with the KGMM score differs from
#   the one with the exact score by 1.1% (4-D) and 3.6% (8-D), against
#   standard errors of 0.7% and 1.0%.
# - ``F = 8``: the marginal PDFs of the Langevin model are close (KL
#   0.01 to 0.07 in 4-D, 0.02 to 0.09 in 8-D), but its autocorrelation
#   decays two to three times too slowly (ACF errors 0.68 to 0.79 in 4-D
#   and 0.42 to 0.50 in 8-D, over three decorrelation times). A Langevin model
#   with the score as its drift is reversible: it cannot follow the
#   advection, which moves the state along the density's level sets
#   without changing it, and which is what decorrelates Lorenz-96 quickly.
#   The score is what the response needs; the Langevin model's time scale
#   is not (see :ref:`sphx_glr_auto_examples_plot_response_lorenz96.py`).
