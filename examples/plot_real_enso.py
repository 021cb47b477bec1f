"""
Reduced models of a real record: El Nino sea-surface temperatures
==================================================================

The El Nino-Southern Oscillation (ENSO) is the textbook slow climate mode
driven by fast weather noise. ``statsmodels`` ships a real observed record:
monthly sea-surface temperature of the eastern equatorial Pacific,
1950-2010 (732 months). We remove the seasonal cycle (the monthly
climatology), keep the anomaly as our slow variable, and fit, on the first
45 years, two skrom models:

- the score-based Langevin ROM (:class:`~skrom.score.LangevinROM`): the
  score of the anomaly's density learned by KGMM, a diffusion matched to
  short-time correlations;
- a stochastic flow map (:class:`~skrom.flows.SFMLFlow`): a conditional
  normalizing flow for the month-to-month transition law.

We then judge both on the last 16 years, held out, by the statistics a
climate scientist would check first: the PDF (is the warm tail of El Nino
events heavier than the cold one?) and the autocorrelation (persistence, and
the 2-7 year quasi-periodicity).

What to expect, honestly
------------------------
- Both models are one-dimensional and Markovian in the monthly anomaly.
  The Langevin ROM reproduces the *shape* of the PDF by construction,
  including its positive skew (strong El Ninos, weaker La Ninas), which a
  linear (AR(1)/OU) model cannot.
- Neither can reproduce the negative lobe of the observed ACF at 1.5-3
  years: ENSO's quasi-periodicity comes from a second slow variable (ocean
  heat content / thermocline depth) that is not observed here. A
  one-dimensional Markov model only has a monotonically decaying ACF.
  The remedy is to add an observable (or delays) as extra features.
- Sixty years hold only a dozen or so El Nino events: every statistic here
  has large sampling error, and the held-out period (1995-2010) contains the
  1997-98 extreme event. Treat the numbers as illustrations, not verdicts.
- The seasonal phase-locking of ENSO (events peak in boreal winter) is
  ignored; a ``phase`` feature (sin, cos of the month) would be the next
  step.
"""

import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np
from statsmodels.datasets import elnino

from skrom.flows import SFMLFlow
from skrom.metrics import acf_error, autocorrelation, pdf_kl_divergence
from skrom.plotting import plot_acf, plot_pdf, save_figures
from skrom.score import KGMMScore, LangevinROM

parser = argparse.ArgumentParser(description="skrom example: plot_real_enso")
parser.add_argument("--out", default="skrom_figures", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="small, fast settings")
# the documentation build passes its own arguments: ignore what is not ours
ARGS, _ = parser.parse_known_args()
QUICK = ARGS.quick or os.environ.get("SKROM_DOC_QUICK") == "1"

# %%
# The record and its anomaly
# --------------------------
table = elnino.load_pandas().data
sst = table.iloc[:, 1:].to_numpy(dtype=float)  # (61 years, 12 months)
anomaly = (sst - sst.mean(axis=0)).ravel()  # remove the monthly climatology
dt = 1.0 / 12.0  # years
n_train = 45 * 12
X_train = anomaly[:n_train].reshape(1, -1, 1)
X_test = anomaly[n_train:].reshape(1, -1, 1)
print(
    f"{anomaly.size} months; train {n_train}, test {anomaly.size - n_train}; "
    f"skewness {((anomaly - anomaly.mean()) ** 3).mean() / anomaly.std() ** 3:.2f}"
)

# %%
# Fit the two models
# ------------------
# KGMM with few samples: fewer, larger clusters (prob) and a wider noise
# level than on long simulations.
langevin = LangevinROM(
    score_estimator=KGMMScore(
        sigma=0.1, prob=0.02, max_epochs=100 if QUICK else 400, random_state=0
    ),
    dt=dt,
    random_state=0,
).fit(X_train)
flow = SFMLFlow(dt=dt, max_epochs=20 if QUICK else 200, random_state=0).fit(X_train)

n_years = 200 if QUICK else 2000
runs = {
    "Langevin ROM": langevin.sample(
        int(n_years / dt), x0=X_train[0, -1], n_paths=4, random_state=1
    ),
    "SFMLFlow": flow.sample(
        int(n_years / dt), x0=X_train[0, -1], n_paths=4, random_state=1
    ),
}

# %%
# Statistics against the held-out years
# -------------------------------------
max_lag = 48  # four years
print(f"{'model':<14}{'KL(test||model)':>16}{'ACF max err':>13}{'skewness':>10}")
for name, run in runs.items():
    kl = pdf_kl_divergence(X_test, run)
    err = acf_error(X_test, run, max_lag)
    r = run.ravel()
    skew = ((r - r.mean()) ** 3).mean() / r.std() ** 3
    print(f"{name:<14}{kl:>16.3f}{err:>13.3f}{skew:>10.2f}")
acf_obs = autocorrelation(anomaly.reshape(1, -1, 1), max_lag)[:, 0]
print(
    f"observed ACF minimum {acf_obs.min():.2f} at lag "
    f"{np.argmin(acf_obs) * dt:.1f} years (a 1-D Markov model cannot go negative)"
)

# %%
# Figures
# -------
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_pdf({"observed (all years)": anomaly, **runs}, ax=axes[0])
axes[0].set_xlabel("SST anomaly (K)")
plot_acf({"observed": anomaly.reshape(1, -1, 1), **runs}, max_lag, dt=dt, ax=axes[1])
axes[1].set_xlabel("lag (years)")
fig.tight_layout()

# the gallery captures the figures itself; a script writes them to --out
if "sphinx_gallery" not in sys.modules:
    for path in save_figures(ARGS.out, prefix="plot_real_enso"):
        print(f"figure written: {path}")
