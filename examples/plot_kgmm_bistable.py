"""
Learning the score of an L63-driven double well with KGMM
=========================================================

The slow variable of

.. math::

    \\dot x = x (1 - x^2) + \\frac{s}{\\varepsilon}\\, y_2, \\qquad
    \\dot{\\mathbf y} = \\frac{1}{\\varepsilon^2} L_{63}(\\mathbf y)

(:func:`~skrom.datasets.make_bistable_additive`) hops between the wells at
``x = -1`` and ``x = +1``. Its invariant density ``p(x)`` has no closed form
at finite ``eps``, but its score ``d log p / dx`` is what a Langevin model of
``x`` needs as drift.

:class:`~skrom.score.KGMMScore` learns it from samples of ``x``: it perturbs
them with Gaussian noise of size ``sigma``, averages the noise per cluster of
the perturbed samples (which, by Tweedie's formula, gives the score at the
cluster centres), and smooths the cluster estimates with a small network
(Giorgini, Bischoff & Souza 2025). ``sigma`` and the number of clusters trade
bias against noise; we tune them with
:class:`~sklearn.model_selection.GridSearchCV`, whose folds are whole
trajectories and whose criterion is :meth:`~skrom.score.KGMMScore.score`, the
held-out score-matching objective (higher is better).

The reference score is the log-derivative of a kernel density estimate of an
independent run ten times longer than the training data. The held-out
criterion favours the smallest ``sigma`` here: the density of ``x`` has sharp
edges (``x`` is bounded because the forcing is), which a larger ``sigma``
blurs. We also draw from the
learned density by Langevin dynamics (:meth:`~skrom.score.KGMMScore.sample`)
and compare the histogram with the data.

``SKROM_DOC_QUICK=1`` runs smaller settings (well under a minute on two
cores); the default settings take one to two minutes.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV

from skrom.datasets import make_bistable_additive
from skrom.metrics import marginal_pdf
from skrom.score import KGMMScore

torch.set_num_threads(1)
QUICK = os.environ.get("SKROM_DOC_QUICK", "0") == "1"

# %%
# Data: trajectories of the slow variable, sampled every 0.05 time units.
n_traj, n_steps = (6, 4000) if QUICK else (12, 8000)
X = make_bistable_additive(n_traj, n_steps, dt=0.05, random_state=0)
reference = make_bistable_additive(
    10 * n_traj, n_steps, dt=0.05, random_state=1, n_jobs=2
)
print(f"training data: {X.shape}, reference run: {reference.shape}")

# %%
# Grid search over the noise level and the number of clusters. Each fit
# partitions the perturbed samples by bisecting K-means into ``n_clusters``
# cells and fits the MLP 128-64 (swish) through the cell estimates.
param_grid = {"sigma": [0.025, 0.05, 0.1], "n_clusters": [100, 400]}
base = KGMMScore(max_epochs=300 if QUICK else 1000, random_state=0)
search = GridSearchCV(base, param_grid, cv=3).fit(X)
for params, mean, std in zip(
    search.cv_results_["params"],
    search.cv_results_["mean_test_score"],
    search.cv_results_["std_test_score"],
    strict=True,
):
    print(f"{params}: held-out score {mean:8.3f} +- {std:.3f}")
print("best:", search.best_params_)
kgmm = search.best_estimator_

# %%
# Learned score against the reference: the log-derivative of a KDE of the
# long independent run. Because the forcing ``y2`` is bounded, so is ``x``:
# its density falls to zero at sharp edges near ``x = +-1.3``, where the
# score is huge and the KDE reference itself is smeared by its bandwidth. We
# therefore compare over the interior, where the density exceeds 20% of its
# peak, and plot where it exceeds 5%.
grid, density = marginal_pdf(reference, bins=400)
reference_score = np.gradient(np.log(density), grid)
interior = density > 0.2 * density.max()
bulk = density > 0.05 * density.max()
learned = kgmm.predict(grid[:, None])[:, 0]
rel_error = np.sqrt(
    np.sum((learned - reference_score)[interior] ** 2)
    / np.sum(reference_score[interior] ** 2)
)
print(f"relative L2 error of the learned score over the interior: {rel_error:.3f}")

# %%
# Samples from the learned density (overdamped Langevin chains started at the
# cluster centres).
draws = kgmm.sample(5000 if QUICK else 20000, random_state=0)

fig, (ax_score, ax_pdf) = plt.subplots(1, 2, figsize=(10, 4))
ax_score.plot(grid[bulk], reference_score[bulk], "k", lw=2, label="reference (KDE)")
ax_score.plot(grid[bulk], learned[bulk], "C1--", lw=2, label="KGMM")
inside = (kgmm.cluster_centers_[:, 0] > grid[bulk].min()) & (
    kgmm.cluster_centers_[:, 0] < grid[bulk].max()
)
ax_score.plot(
    kgmm.cluster_centers_[inside, 0],
    kgmm.cluster_scores_[inside, 0],
    "C0.",
    ms=3,
    alpha=0.5,
    label="cluster estimates",
)
ax_score.set(xlabel="x", ylabel="d log p / dx", title="score")
ax_score.legend()
ax_pdf.plot(grid, density, "k", lw=2, label="reference run")
ax_pdf.hist(
    draws[:, 0],
    bins=80,
    density=True,
    alpha=0.5,
    color="C1",
    label="Langevin draws from KGMM",
)
ax_pdf.set(xlabel="x", ylabel="density", title="invariant density")
ax_pdf.legend()
fig.tight_layout()
plt.show()
