"""KGMMScore: score functions by the K-means Gaussian-mixture method."""

import logging
import numbers
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numba
import numpy as np
from joblib import effective_n_jobs
from sklearn.utils.validation import check_is_fitted

from .._ensemble import run_ensemble
from .._mlp_kernels import ACTIVATION_CODES, pack_mlp
from .._param_validation import (
    N_JOBS,
    RANDOM_STATE,
    VERBOSE,
    Interval,
    Options,
    SequenceOf,
)
from .._progress import member_progress
from .._random import as_seed_sequence, named_seeds, spawn_seeds
from .._torch import ACTIVATIONS, progress_bar
from .._validation import (
    SimulationBlowUpError,
    check_int,
    check_positive_float,
    check_trajectories,
)
from ..base import SkromEstimator
from ._clustering import (
    build_bisecting_tree,
    kmeans_centres,
    nearest_centre,
    partition_arrays,
    tree_cell,
)
from ._confined_score import NO_SCORE_TABLE, ScoreKernel, ScoreTable
from ._interpolator import (
    fit_weighted_mlp,
    mlp_diagonal_jacobian,
    mlp_predict,
)
from ._langevin_kernels import langevin_kernel, simulate_endpoints

__all__ = ["KGMMScore"]

logger = logging.getLogger(__name__)

# A cell must average at least this many perturbed samples per pass, whatever
# ``prob`` says, or its mean noise is mostly noise.
_MIN_CELL_SIZE = 10
# Rows per accumulation block: blocks have their own noise streams and sums,
# fixed by the data size alone, so the result does not depend on n_jobs.
_BLOCK_ROWS = 131072
# Most perturbed samples the partition is built on.
_PARTITION_SAMPLES = 200_000
# Grid points of the 1-D score table used by the Langevin kernels.
_TABLE_SIZE = 4097
# Chains per member of the sampling ensemble.
_CHAINS_PER_MEMBER = 256
# What fit seeds, each a child of random_state in this order.
_SEEDS = ("partition", "passes", "network")


class _Partition(NamedTuple):
    # the arrays of partition_arrays: a bisecting tree or K-means centres
    use_tree: bool
    normal: np.ndarray
    offset: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    centres: np.ndarray


class _CellSums(NamedTuple):
    # per cell: sums of the perturbed samples, of the noise and of its square,
    # and the number of samples
    sum_x: np.ndarray
    sum_z: np.ndarray
    sum_zz: np.ndarray
    count: np.ndarray


@numba.njit(cache=True, nogil=True)
def _accumulate(Y, sigma, partition, rng, sums):
    """One pass of fresh noise over the rows of ``Y``, summed per cell."""
    n, d = Y.shape
    xt = np.empty(d)
    z = np.empty(d)
    # the arrays out of their bundles once, not in the loop
    use_tree = partition.use_tree
    normal = partition.normal
    offset = partition.offset
    left = partition.left
    right = partition.right
    leaf = partition.leaf
    centres = partition.centres
    sum_x = sums.sum_x
    sum_z = sums.sum_z
    sum_zz = sums.sum_zz
    count = sums.count
    for i in range(n):
        for k in range(d):
            z[k] = rng.standard_normal()
            xt[k] = Y[i, k] + sigma * z[k]
        if use_tree:
            c = tree_cell(xt, normal, offset, left, right, leaf)
        else:
            c = nearest_centre(xt, centres)
        count[c] += 1
        for k in range(d):
            sum_x[c, k] += xt[k]
            sum_z[c, k] += z[k]
            sum_zz[c, k] += z[k] * z[k]


def _as_samples(X, estimator, n_features=None, name="X"):
    """Validate ``X`` and flatten trajectories into samples (n_samples, n_features)."""
    arr = check_trajectories(
        X, min_steps=1, name=name, n_features=n_features, estimator=estimator
    )
    return arr.reshape(-1, arr.shape[2])


class KGMMScore(SkromEstimator):
    r"""Score function ``grad log p`` learned by the K-means Gaussian-mixture method.

    KGMM (Giorgini, Bischoff & Souza 2025) perturbs the standardised data,
    ``y~ = y + sigma z`` with ``z ~ N(0, I)``, partitions the perturbed
    samples into K-means cells, estimates each cell's score from the mean
    noise in it, ``s_c = -E[z | c] / sigma``, and interpolates the cell
    scores with a small MLP. The score learned is that of the data density
    smoothed by a Gaussian of standard deviation ``sigma`` (standardised
    units).

    Read more in the :ref:`User Guide <kgmm_score>`.

    Parameters
    ----------
    sigma : float, default=0.05
        Noise level in standardised units (the authors use 0.05 to 0.1).
    n_clusters : int or None, default=None
        Number of cells. None: bisecting K-means uses the ``prob`` criterion
        and K-means uses ``round(1 / prob)`` cells.
    prob : float, default=1e-3
        Target probability mass per cell (the authors use 1e-3 to 5e-4);
        bisecting K-means splits every cell holding at least
        ``max(2 * prob * n_samples, 10)`` samples.
    clustering : {"bisecting", "kmeans"}, default="bisecting"
        Partition of state space; K-means is the slower option.
    tol : float, default=1e-3
        Relative change of the cell scores between noise passes at which
        they stop.
    max_passes : int, default=100
        Most passes of fresh noise over the data (at least 2 are made).
    hidden_layers : tuple of int, default=(128, 64)
        Hidden layer widths of the interpolating MLP.
    activation : str, default="swish"
        Its activation: "swish", "tanh", "relu", "elu", "softplus" or "gelu".
    max_epochs : int, default=1000
        Passes of Adam over the cluster pairs (0: none), before L-BFGS.
    batch_size : int or None, default=None
        Cluster pairs per Adam step; None: all of them (full batch).
    learning_rate : float, default=2e-3
        Initial Adam learning rate (cosine decay to 1/100 of it).
    lbfgs_iter : int, default=0
        Most full-batch L-BFGS iterations that polish the fit after Adam
        (0: none); helps scores with many sharp features, can overfit smooth
        ones.
    random_state : None, int, SeedSequence or Generator, default=None
        Seeds the noise, the partition and the network.
    n_jobs : int or None, default=None
        Threads for the noise passes and processes for :meth:`sample`; the
        results do not depend on it.
    verbose : int, default=0
        Progress bars over the passes, the epochs and :meth:`sample`'s
        blocks of chains when > 0.

    Attributes
    ----------
    n_features_in_ : int
        Number of features.
    state_bound_ : float
        Largest ``|x|`` the model is trusted at: the data's range plus 100
        data spreads (see :func:`skrom.base.state_bound`); :meth:`sample`
        refuses an ``x0`` beyond it.
    mean_ : ndarray of shape (n_features,)
        Mean of the training samples.
    scale_ : ndarray of shape (n_features,)
        Standard deviation of the training samples (1 where it is 0).
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Mean perturbed sample of each cell, in the original units of ``X``.
    cluster_scores_ : ndarray of shape (n_clusters, n_features)
        Score estimate of each cell, in the original units (1 / units of X).
    cluster_divergence_ : ndarray of shape (n_clusters,)
        Divergence estimate of each cell, in the original units
        (1 / units of X squared). Noisy: it rests on a second moment.
    cluster_counts_ : ndarray of shape (n_clusters,)
        Perturbed samples averaged in each cell, summed over all passes.
    n_clusters_ : int
        Number of (non-empty) cells.
    n_passes_ : int
        Noise passes made.
    interpolator_ : torch.nn.Sequential
        The fitted MLP (float64, CPU), mapping standardised coordinates to the
        score in standardised units.
    history_ : list of float
        Weighted mean squared error of the MLP fit after every Adam epoch,
        then after L-BFGS.
    score_kernel_ : ScoreKernel
        What the numba kernels read of the fitted score: ``mean_``,
        ``scale_``, the network as plain arrays, the box of the cluster
        centres beyond which the score is confined, the 1-D table of the
        network (one feature) and the bound beyond which a chain counts as
        blown up (see :mod:`skrom.score._confined_score`).
    convergence_ : list of float
        Relative change of ``E[z | c]`` after each pass.

    See Also
    --------
    LangevinROM : Langevin model with this score as its drift.

    References
    ----------
    .. [1] L. T. Giorgini, T. Bischoff and A. N. Souza, "Statistical Generative
       Modeling and Dynamical Surrogates via Score Estimation with Clusters"
       (KGMM), arXiv:2503.18054, 2025.
    .. [2] P. Vincent, "A connection between score matching and denoising
       autoencoders", Neural Computation 23(7), 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.score import KGMMScore
    >>> X = np.random.default_rng(0).normal(size=(10000, 1))
    >>> est = KGMMScore(sigma=0.1, prob=1e-2, random_state=0).fit(X)
    >>> s = est.predict(np.array([[-1.0], [0.0], [1.0]]))  # true score: -x
    >>> bool(np.all(np.abs(s.ravel() - [1.0, 0.0, -1.0]) < 0.2))
    True
    >>> est.sample(5, random_state=0).shape
    (5, 1)
    """

    _parameter_constraints = {
        "sigma": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_clusters": [None, Interval(numbers.Integral, 1, None)],
        "prob": [Interval(numbers.Real, 0, 0.5, closed="right")],
        "clustering": [Options(("bisecting", "kmeans"))],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_passes": [Interval(numbers.Integral, 1, None)],
        # () is a network without hidden layers
        "hidden_layers": [
            SequenceOf(Interval(numbers.Integral, 1, None)),
            Options([()]),
        ],
        "activation": [Options(sorted(set(ACTIVATIONS) & set(ACTIVATION_CODES)))],
        # not both 0: checked in fit
        "max_epochs": [Interval(numbers.Integral, 0, None)],
        "batch_size": [None, Interval(numbers.Integral, 1, None)],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "lbfgs_iter": [Interval(numbers.Integral, 0, None)],
        "random_state": RANDOM_STATE,
        "n_jobs": N_JOBS,
        "verbose": VERBOSE,
    }

    def __init__(
        self,
        *,
        sigma=0.05,
        n_clusters=None,
        prob=1e-3,
        clustering="bisecting",
        tol=1e-3,
        max_passes=100,
        hidden_layers=(128, 64),
        activation="swish",
        max_epochs=1000,
        batch_size=None,
        learning_rate=2e-3,
        lbfgs_iter=0,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.sigma = sigma
        self.n_clusters = n_clusters
        self.prob = prob
        self.clustering = clustering
        self.tol = tol
        self.max_passes = max_passes
        self.hidden_layers = hidden_layers
        self.activation = activation
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.lbfgs_iter = lbfgs_iter
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Learn the score of the density of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_traj, n_steps, n_features)
            Samples; a trajectory set is flattened into samples (time and
            trajectories alike).
        y : None
            Ignored.

        Returns
        -------
        self : KGMMScore
        """
        self._validate_params()
        if self.max_epochs == 0 and self.lbfgs_iter == 0:
            raise ValueError("max_epochs and lbfgs_iter cannot both be 0.")
        sigma, prob = float(self.sigma), float(self.prob)
        n_clusters = None if self.n_clusters is None else int(self.n_clusters)
        hidden = tuple(int(h) for h in self.hidden_layers)
        samples = _as_samples(X, self)
        n, d = samples.shape
        if n < 2:
            raise ValueError(
                f"KGMMScore needs at least 2 samples to fit, got n_samples={n}."
            )
        self._set_fit_context(samples)
        self.n_features_in_ = d
        self.mean_ = samples.mean(axis=0)
        scale = samples.std(axis=0)
        self.scale_ = np.where(scale > 0.0, scale, 1.0)
        Y = np.ascontiguousarray((samples - self.mean_) / self.scale_)
        seeds = named_seeds(self.random_state, _SEEDS)
        partition_seed, pass_seed, net_seed = seeds

        # --- partition of the perturbed samples
        logger.info(
            "KGMMScore: partitioning %d perturbed samples x %d features (%s)",
            min(n, _PARTITION_SAMPLES),
            d,
            self.clustering,
        )
        rng = np.random.default_rng(partition_seed)
        # the cells are defined by mass fractions, which a subsample of a
        # few hundred thousand points estimates well at a fraction of the cost
        if n > _PARTITION_SAMPLES:
            sub = rng.choice(n, _PARTITION_SAMPLES, replace=False)
            sub.sort()
            P = Y[sub] + sigma * rng.standard_normal((_PARTITION_SAMPLES, d))
        else:
            P = Y + sigma * rng.standard_normal(Y.shape)
        n_part = P.shape[0]
        if self.clustering == "bisecting":
            if n_clusters is None:
                partition, _ = build_bisecting_tree(
                    P, max_cell_size=max(2.0 * prob * n_part, _MIN_CELL_SIZE)
                )
            else:
                partition, _ = build_bisecting_tree(P, n_cells=min(n_clusters, n_part))
            n_cells = int(partition.leaf.max()) + 1
        else:
            n_cells = (
                n_clusters if n_clusters is not None else max(1, round(1.0 / prob))
            )
            n_cells = max(1, min(n_cells, n_part // 2))
            partition = kmeans_centres(P, n_cells, partition_seed)
        arrays = _Partition(*partition_arrays(partition))

        # --- passes of fresh noise, summed per cell in fixed blocks
        logger.info(
            "KGMMScore: averaging the noise over %d cells, at most %d passes "
            "over %d samples",
            n_cells,
            max(2, self.max_passes),
            n,
        )
        n_blocks = max(1, -(-n // _BLOCK_ROWS))
        bounds = np.linspace(0, n, n_blocks + 1).astype(int)
        block_rngs = [
            np.random.default_rng(s) for s in spawn_seeds(pass_seed, n_blocks)
        ]
        sums = [
            _CellSums(
                np.zeros((n_cells, d)),
                np.zeros((n_cells, d)),
                np.zeros((n_cells, d)),
                np.zeros(n_cells, dtype=np.int64),
            )
            for _ in range(n_blocks)
        ]
        workers = min(n_blocks, effective_n_jobs(self.n_jobs) if self.n_jobs else 1)

        def run_block(b):
            _accumulate(
                Y[bounds[b] : bounds[b + 1]], sigma, arrays, block_rngs[b], sums[b]
            )

        old = None
        self.convergence_ = []
        bar = _progress(self.verbose, self.max_passes, "KGMM noise passes")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            n_passes = 0
            for _ in range(max(2, self.max_passes)):
                n_passes += 1
                if workers > 1:
                    list(pool.map(run_block, range(n_blocks)))
                else:
                    for b in range(n_blocks):
                        run_block(b)
                count = sum(s[3] for s in sums)
                sum_z = sum(s[1] for s in sums)
                mean_z = sum_z / np.maximum(count, 1)[:, None]
                if old is not None:
                    change = float(
                        np.mean((mean_z - old) ** 2) / max(np.mean(mean_z**2), 1e-300)
                    )
                    self.convergence_.append(change)
                    if bar is not None:
                        bar.set_postfix(change=f"{change:.2e}")
                old = mean_z
                if bar is not None:
                    bar.update(1)
                if self.convergence_ and self.convergence_[-1] < self.tol:
                    break
        if bar is not None:
            bar.close()
        self.n_passes_ = n_passes

        count = sum(s[3] for s in sums)
        keep = count > 0
        cnt = count[keep].astype(np.float64)
        centres = sum(s[0] for s in sums)[keep] / cnt[:, None]
        mean_z = sum(s[1] for s in sums)[keep] / cnt[:, None]
        mean_zz = sum(s[2] for s in sums)[keep] / cnt[:, None]
        scores = -mean_z / sigma
        hess_diag = (mean_zz - 1.0) / sigma**2 - scores**2
        # expected squared error of the cell scores: Var(z | c) / (count sigma^2)
        var_z = np.maximum(mean_zz - mean_z**2, 0.0)
        noise_mse = float(np.sum(var_z.mean(axis=1) / sigma**2) / cnt.sum())

        # --- smooth interpolation of the cell scores
        logger.info(
            "KGMMScore: fitting the score network to %d cell scores "
            "(%d Adam epochs, %d L-BFGS iterations at most)",
            int(np.count_nonzero(keep)),
            self.max_epochs,
            self.lbfgs_iter,
        )
        module, history = fit_weighted_mlp(
            centres,
            scores,
            cnt,
            hidden_layers=hidden,
            activation=self.activation,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            lbfgs_iter=self.lbfgs_iter,
            random_state=net_seed,
            noise_mse=noise_mse,
            verbose=self.verbose,
            name=type(self).__name__,
        )

        self.n_clusters_ = int(keep.sum())
        self.cluster_centers_ = centres * self.scale_ + self.mean_
        self.cluster_scores_ = scores / self.scale_
        self.cluster_divergence_ = (hess_diag / self.scale_**2).sum(axis=1)
        self.cluster_counts_ = count[keep]
        self.interpolator_ = module
        self.history_ = history
        self.score_kernel_ = ScoreKernel(
            mean=self.mean_,
            scale=self.scale_,
            net=pack_mlp(module, self.activation),
            # the network is trusted only where there are clusters (see
            # _std_score)
            box_lo=np.ascontiguousarray(centres.min(axis=0)),
            box_hi=np.ascontiguousarray(centres.max(axis=0)),
            table=self._score_table(Y),
            # a chain beyond this is treated as blown up: 100 data spreads
            # past the data
            bound=float(np.max(np.abs(samples)) + 100.0 * np.max(self.scale_)),
        )
        return self

    def _score_table(self, Y):
        """Cubic Hermite table of the 1-D standardised score (none for d > 1)."""
        if Y.shape[1] != 1:
            return NO_SCORE_TABLE
        lo = float(Y.min()) - 1.0
        hi = float(Y.max()) + 1.0
        grid = np.linspace(lo, hi, _TABLE_SIZE)[:, None]
        values = mlp_predict(self.interpolator_, grid)[:, 0]
        slopes = mlp_diagonal_jacobian(self.interpolator_, grid)[:, 0]
        return ScoreTable(
            lo,
            (hi - lo) / (_TABLE_SIZE - 1),
            np.ascontiguousarray(values),
            np.ascontiguousarray(slopes),
        )

    def _std_score(self, Y):
        """Score in standardised units, confined beyond the cluster centres.

        Inside the box spanned by the cluster centres this is the network.
        Outside it the network would extrapolate with no data behind it (a
        wrong sign there lets Langevin chains escape to infinity, as seen on
        short real records), so the score is continued as
        ``s(clip(y)) - (y - clip(y))``: the value at the box edge plus the
        score of a unit-Gaussian tail. It is continuous, and every chain is
        confined.
        """
        box = self.score_kernel_.box_lo, self.score_kernel_.box_hi
        Yc = np.clip(Y, *box)
        return mlp_predict(self.interpolator_, Yc) - (Y - Yc)

    def _std_score_diagonal_jacobian(self, Y):
        Yc = np.clip(Y, self.score_kernel_.box_lo, self.score_kernel_.box_hi)
        jac = mlp_diagonal_jacobian(self.interpolator_, Yc)
        return np.where(Y == Yc, jac, -1.0)

    # ------------------------------------------------------------- predict
    def _samples_for_predict(self, X):
        check_is_fitted(self, "interpolator_")
        return _as_samples(X, self, n_features=self.n_features_in_)

    def predict(self, X):
        """Score ``grad log p`` at the samples ``X``, in the original units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_traj, n_steps, n_features)
            Points; a trajectory set is flattened to
            ``(n_trajectories * n_steps, n_features)``.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_features)
        """
        samples = self._samples_for_predict(X)
        Y = (samples - self.mean_) / self.scale_
        return self._std_score(Y) / self.scale_

    def predict_divergence(self, X):
        """Divergence of the learned score (Laplacian of log p) at ``X``.

        Exact derivative of the interpolating network, in original units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_traj, n_steps, n_features)

        Returns
        -------
        divergence : ndarray of shape (n_samples,)
        """
        samples = self._samples_for_predict(X)
        Y = (samples - self.mean_) / self.scale_
        return (self._std_score_diagonal_jacobian(Y) / self.scale_**2).sum(axis=1)

    def score(self, X, y=None):
        """Negative score-matching loss of the learned score on held-out ``X``.

        Returns ``-mean(0.5 * |s(x)|^2 + div s(x))`` over the samples, the
        implicit score-matching objective of Hyvarinen (2005). It equals
        ``-0.5 * E|s(x) - grad log p(x)|^2`` up to a constant that depends on
        the data only, so higher is better, and it is the ``sigma -> 0`` limit
        of the denoising score-matching loss up to such a constant
        (Vincent 2011). Unlike the denoising loss at the model's own
        ``sigma``, it compares models fitted with different ``sigma`` on an
        equal footing (so a grid search over ``sigma`` and ``n_clusters``
        picks the most accurate score), and it needs no noise, so it is
        deterministic. Computed in the original units of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_traj, n_steps, n_features)
            Held-out samples.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        samples = self._samples_for_predict(X)
        Y = (samples - self.mean_) / self.scale_
        s = self._std_score(Y) / self.scale_
        div = (self._std_score_diagonal_jacobian(Y) / self.scale_**2).sum(axis=1)
        return float(-np.mean(0.5 * np.sum(s**2, axis=1) + div))

    # -------------------------------------------------------------- sample
    def sample(self, n_samples, x0=None, random_state=None, *, n_steps=500, dt=0.01):
        """Draw from the learned density by overdamped Langevin dynamics.

        Each draw is the end of its own chain ``dy = s(y) dt + sqrt(2) dW`` in
        standardised coordinates (whose invariant density is the learned
        one), integrated by Euler-Maruyama for ``n_steps`` steps of ``dt``.
        Chains start at ``x0``, or at cluster centres drawn in proportion to
        their counts (already close to the learned density, so a short run
        suffices).

        Parameters
        ----------
        n_samples : int
            Number of draws.
        x0 : array-like of shape (n_features,) or (n_samples, n_features), optional
            Starting points, in original units.
        random_state : None, int, SeedSequence or Generator
            Seed; the draws do not depend on ``n_jobs``.
        n_steps : int, default=500
            Langevin steps per chain.
        dt : float, default=0.01
            Step in standardised time units.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "interpolator_")
        n_samples = check_int(n_samples, "n_samples")
        n_steps = check_int(n_steps, "n_steps", min_value=0)
        dt = check_positive_float(dt, "dt")
        if x0 is not None:
            X0 = self._check_x0(x0, n_samples, count_name="n_samples")
        start_seed, run_seed = spawn_seeds(as_seed_sequence(random_state), 2)
        if x0 is None:
            p = self.cluster_counts_ / self.cluster_counts_.sum()
            pick = np.random.default_rng(start_seed).choice(
                self.n_clusters_, n_samples, p=p
            )
            X0 = self.cluster_centers_[pick]
        X0 = np.ascontiguousarray(X0)
        n_members = -(-n_samples // _CHAINS_PER_MEMBER)
        # dy = s(y) dt + sqrt(2) dW in standardised time: Phi = diag(scale^2)
        model = langevin_kernel(
            n_steps,
            dt,
            np.diag(self.scale_**2),
            np.diag(self.scale_),
            self.score_kernel_,
        )
        with member_progress(
            _sample_member,
            n_members,
            f"KGMMScore sample ({_CHAINS_PER_MEMBER} chains per block)",
            self.verbose,
            unit="block",
        ) as member:
            results = run_ensemble(
                member,
                n_members,
                random_state=run_seed,
                n_jobs=self.n_jobs,
                args=(X0, model),
                stack=False,
            )
        out = np.concatenate([r[0] for r in results])
        status = np.concatenate([r[1] for r in results])
        if np.any(status >= 0):
            i = int(np.argmax(status >= 0))
            raise SimulationBlowUpError(
                f"KGMMScore.sample: Langevin chain {i} blew up (NaN/inf or |x| > "
                f"{self.score_kernel_.bound:g}) within {n_steps} steps; lower dt."
            )
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _sample_member(rng, index, X0, model):
    a = index * _CHAINS_PER_MEMBER
    chains = X0[a : a + _CHAINS_PER_MEMBER]
    out = np.empty_like(chains)
    status = np.empty(chains.shape[0], dtype=np.int64)
    simulate_endpoints(chains, model, rng, out, status)
    return out, status


def _progress(verbose, total, desc):
    if not verbose:
        return None
    return progress_bar(total, desc, unit="pass")
