"""LangevinROM: a Langevin model whose drift is a learned score."""

import logging
import numbers
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from .._ensemble import run_ensemble
from .._known_inputs import (
    check_fit_inputs,
    check_inputs_presence,
)
from .._param_validation import (
    N_JOBS,
    RANDOM_STATE,
    VERBOSE,
    Boolean,
    Interval,
)
from .._progress import member_progress, optional_bar
from .._random import as_seed_sequence, int_seed, named_seeds
from .._validation import (
    SimulationBlowUpError,
    check_member_status,
    check_trajectories,
)
from ..base import TrajectoryModel
from ._clock import (
    check_clock_features,
    clock_anomaly,
    fit_clock,
    transport_velocity,
)
from ._input_drift import fit_input_tables, input_anomaly
from ._input_kernels import NO_INPUT_TABLES, input_table_drifts, simulate_input_path
from ._kgmm import KGMMScore
from ._langevin_kernels import (
    NO_CLOCK_TABLES,
    ClockKernel,
    ClockTables,
    langevin_kernel,
    simulate_path,
    table_drifts,
)
from ._time_change import N_PASSES, check_time_change, time_change_factor

__all__ = ["LangevinROM", "estimate_diffusion"]

logger = logging.getLogger(__name__)

# Lags (in steps) tried when the diffusion lag is chosen from the data.
_AUTO_LAGS = (1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200)
# diffusion="acf" simulates copies of the data until they hold this many steps
_SIM_STEPS = 500_000
# diffusion="residence" counts transitions, a few hundred per million steps
# on the tristable system (sampling spread of one run 10%): ten million
_RESIDENCE_SIM_STEPS = 10_000_000
# drift tables of one dynamic feature and one clock: grid points in x, phase
_CLOCK_TABLE_X = 1025
_CLOCK_TABLE_PHASE = 256
# the transport velocity's histograms: Gaussian smoothing (in standard
# deviations of x); Fourier harmonics of the phase (also of the clock-driven
# mean removed before the diffusion is estimated)
_TRANSPORT_BANDWIDTH = 0.04
_TRANSPORT_HARMONICS = 2
# above this |mean of exp(i k phase)| the phase is too unevenly covered
_PHASE_IMBALANCE = 0.1
# What fit seeds, each a child of random_state in this order (score() takes
# child 1)
_SEEDS = ("score", "score_eval", "calibration")


def _lagged_covariance(X, lag):
    """``E[x(t + lag) x(t)^T]`` and ``E[x x^T]`` of centred trajectories."""
    a = X[:, lag:].reshape(-1, X.shape[2])
    b = X[:, : X.shape[1] - lag].reshape(-1, X.shape[2])
    return a.T @ b / a.shape[0], b.T @ b / b.shape[0]


def estimate_diffusion(X, dt, lag=None):
    r"""Constant diffusion matrix matching the short-time correlations of ``X``.

    For ``dx = M s(x) dt + Sigma sqrt(2) dW`` with ``M = Sigma Sigma^T``, the
    generator applied to ``x`` gives ``M s(x)``, so ``dC/dt(0) = M C_grad``
    with ``C(t) = E[x(t) x(0)^T]`` and ``C_grad = E[s(x) x^T]``. This is the
    estimate ``M = C_Q C_grad^{-1}`` of Giorgini et al., with ``C_grad = -I``
    (exact for the true score of any density that decays at infinity, by
    integration by parts; the learned score's sample estimate of it only
    adds noise), and the generator
    term ``C_Q`` taken as the finite difference ``(C(tau) - C(0)) / tau`` of
    the data's lagged covariance (the authors estimate it from a Markov chain
    on clusters; both are first-order estimates of ``dC/dt`` at a lag that
    must be long enough for the forcing to look like noise). Then
    ``M <- (M + M^T) / 2`` and ``Sigma = chol(M)``.

    Parameters
    ----------
    X : ndarray of shape (n_trajectories, n_steps, n_features)
        Trajectories sampled every ``dt``.
    dt : float
        Sampling interval.
    lag : int or None
        Lag in steps. None: the lag among a fixed set of candidates
        (1 to 200 steps, shorter than a tenth of the trajectories) that gives
        the largest ``trace(M)``. With smooth (deterministically forced)
        paths ``M(tau)`` grows from 0 over the forcing's correlation time and
        then decays as the potential bends the paths; the maximum marks the
        diffusive window. For data from a diffusion it is the shortest lag.

    Returns
    -------
    sigma : ndarray of shape (n_features, n_features)
        Lower-triangular ``Sigma``.
    lag : int
        The lag used.
    """
    d = X.shape[2]
    Xc = X - X.reshape(-1, d).mean(axis=0)
    if lag is None:
        lags = [k for k in _AUTO_LAGS if k <= max(1, (X.shape[1] - 1) // 10)]
    else:
        lags = [lag]
    best = None
    for k in lags:
        c_lag, c_0 = _lagged_covariance(Xc, k)
        c_q = (c_lag - c_0) / (k * dt)
        M = -0.5 * (c_q + c_q.T)
        if best is None or np.trace(M) > np.trace(best[0]):
            best = (M, k)
    M, k = best
    eigval, eigvec = np.linalg.eigh(M)
    if eigval.max() <= 0.0:
        raise ValueError(
            "LangevinROM: the estimated diffusion matrix is not positive "
            f"(eigenvalues {eigval}); the data may be too short or too smooth at "
            "the lags tried. Pass diffusion_lag or an explicit diffusion matrix."
        )
    # a tiny floor keeps the Cholesky factor real when M is nearly singular
    eigval = np.maximum(eigval, 1e-8 * eigval.max())
    M = (eigvec * eigval) @ eigvec.T
    return np.linalg.cholesky(M), k


class LangevinROM(TrajectoryModel):
    r"""Langevin reduced-order model with a learned score as its drift.

    The model of the observed (slow) variables is

    .. math::

        dx = \Phi\, s(x)\, dt + \Sigma \sqrt{2}\, dW, \qquad
        \Phi = \Sigma \Sigma^T,

    with ``s = grad log p`` learned by ``score_estimator`` (a
    :class:`KGMMScore` by default), in the original units of the data. Its
    invariant density is the learned ``p`` for any constant ``Sigma``, which
    sets the time scales and is estimated from the data.

    Known inputs ``U`` (``fit(X, U=...)``: a forcing, a control, a clock, a
    parameter per trajectory) make the model non-autonomous:

    .. math::

        dx = \Phi\, \nabla_x \log p(x, u)\, dt + v(x, u, \dot u)\, dt
             + \Sigma \sqrt{2}\, dW,

    with the score of the joint density of ``(x, u)`` (learned with the
    inputs as extra columns) acting on ``x``, and, for one dynamic feature,
    the transport velocity ``v`` that carries the conditional density
    ``p(x | u)`` along as the inputs move (see
    :mod:`skrom.score._input_drift`); :meth:`sample` then takes the future
    inputs. Inputs are the general form of the older ``clock_features``,
    ``(sin, cos)`` columns of ``X`` whose phase the model advances itself: a
    clock passed as inputs ``U = (sin wt, cos wt)`` gives the same model.

    Read more in the :ref:`User Guide <langevin_model>`.

    Parameters
    ----------
    score_estimator : estimator or None, default=None
        Unfitted score estimator with ``fit`` and ``predict`` (score vectors)
        and the attributes of :class:`KGMMScore`; it is cloned in ``fit``.
        None: ``KGMMScore()``. If its ``random_state`` is None it is seeded
        from this model's ``random_state``.
    dt : float, default=0.01
        Sampling interval of the data and of :meth:`sample`'s output.
    clock_features : sequence of int or None, default=None
        Column indices of known clock features in ``(sin, cos)`` pairs, e.g.
        ``(1, 2)``; each pair must be ``r (sin, cos)`` of a phase advancing by
        the same angle every step (checked in ``fit``). None: every feature is
        dynamic.
    clock_transport : bool, default=True
        Add the transport velocity to the drift: for one dynamic feature
        with one clock pair or with inputs (ignored for several clock
        pairs, and without clocks or inputs). With several dynamic features
        the velocity is not unique: inputs that move within a trajectory
        are then refused unless this is False (a quasi-static drift).
    diffusion : {"estimated", "acf", "residence", "unit"} or array-like, default="estimated"
        ``"estimated"``: from the data (see :func:`estimate_diffusion`);
        ``"acf"``: that estimate times the scalar that makes the model's
        decorrelation time (ACF integral) equal the data's, found by
        simulating the model (for a chaotic rather than white driver);
        ``"residence"``: that estimate times the scalar that makes the
        model's mean time per transition between the states of
        ``state_thresholds`` equal the data's (pooled over the states;
        simulated for ten million steps);
        ``"unit"``: unit diffusion in standardised coordinates
        (``Sigma = diag(scale_)``); an array: ``Sigma`` itself, of shape
        (n_dynamic, n_dynamic) (or a scalar for one dynamic feature), in
        original units.
    diffusion_lag : int or None, default=None
        Lag in steps for the estimated diffusion; None chooses it.
    state_thresholds : float, array-like or None, default=None
        Transition zones of the first dynamic feature that define its
        metastable states, as in :func:`skrom.metrics.residence_times`
        (``(-0.5, 0.5)``: two wells); used by ``diffusion="residence"`` only,
        which requires them.
    integration_substeps : int, default=10
        Euler-Maruyama steps per ``dt``.
    random_state : None, int, SeedSequence or Generator, default=None
        Seeds the score estimator (if unseeded) and :meth:`score`'s
        simulation.
    n_jobs : int or None, default=None
        Parallel ensemble members in :meth:`sample` (results do not depend on
        it).
    verbose : int, default=0
        When > 0, progress bars over the time-scale calibration's runs and
        :meth:`sample`'s paths; passed on to the default score estimator.
        Stage boundaries of ``fit`` are logged at INFO level to the
        ``"skrom"`` logger whatever ``verbose``.

    Attributes
    ----------
    score_estimator_ : estimator
        The fitted clone of ``score_estimator``.
    diffusion_matrix_ : ndarray of shape (n_dynamic, n_dynamic)
        ``Sigma``, in units of X / sqrt(time), over the dynamic features
        (all features unless ``clock_features`` is set).
    drift_matrix_ : ndarray of shape (n_dynamic, n_dynamic)
        ``Phi = Sigma Sigma^T``, in units of X^2 / time.
    time_change_ : float
        Factor applied to the estimated ``Phi`` by ``diffusion="acf"`` or
        ``"residence"`` (1 otherwise).
    diffusion_lag_ : int or None
        The lag (steps) used to estimate ``Sigma``; None if not estimated.
    n_features_in_ : int
        Number of features.
    n_inputs_in_ : int
        Number of inputs ``U`` (0: fitted without).
    input_tables_ : InputTables or None
        With inputs and one dynamic feature: the drift's tables, the
        conditional score as a polynomial in the standardised inputs and
        the transport's coefficients, on a grid of ``x`` (see
        :mod:`skrom.score._input_kernels`); None otherwise (the score
        network is evaluated at the joint state).
    input_table_error_ : float or None
        Relative root-mean-square error of the tabulated score against the
        network over the grid and the training inputs; None without tables.
    state_bound_ : float
        Largest ``|x|`` the model is trusted at: the data's range plus 100
        data spreads (see :func:`skrom.base.state_bound`).
    dynamic_features_ : ndarray of shape (n_dynamic,)
        Indices of the features the Langevin equation moves.
    clock_pairs_ : ndarray of shape (n_clocks, 2)
        ``(sin, cos)`` column indices of the clock features (no rows: none).
    clock_frequencies_ : ndarray of shape (n_clocks,)
        Their angular frequencies, radians per time unit, read from the data.
    clock_radii_ : ndarray of shape (n_clocks,)
        Their radii.
    clock_tables_ : ClockTables or None
        For one dynamic feature and one clock pair: ``(x_lo, x_step, score,
        velocity)``, the conditional score and the transport velocity (zero
        without ``clock_transport``) on the grid ``x_lo + i x_step`` (data
        units) times ``2 pi j / n_phase``, arrays of shape (n_x, n_phase);
        None otherwise.
    langevin_kernel_ : LangevinKernel or None
        Everything the numba kernels of :meth:`sample` read, built once at
        the end of ``fit``: step and substeps, ``Phi`` and ``Sigma`` padded
        with zeros for the clock features, the score estimator's
        ``score_kernel_``, the clocks and ``clock_tables_`` (see
        :mod:`skrom.score._langevin_kernels`). None when the score estimator
        has no ``score_kernel_``; :meth:`sample` then raises TypeError.

    See Also
    --------
    KGMMScore : The default score estimator.
    skrom.hybrid.HybridLangevinROM : The same drift driven by a neural-ODE
        forcing.

    References
    ----------
    .. [1] L. T. Giorgini, T. Bischoff and A. N. Souza, arXiv:2503.18054, 2025.
    .. [2] F. Del Felice and L. T. Giorgini, arXiv:2511.03862, 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.score import KGMMScore, LangevinROM
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(20000)
    >>> for i in range(1, x.size):  # Ornstein-Uhlenbeck, variance 1
    ...     x[i] = x[i - 1] * np.exp(-0.01) + np.sqrt(1 - np.exp(-0.02)) * rng.normal()
    >>> rom = LangevinROM(score_estimator=KGMMScore(sigma=0.1, prob=1e-2,
    ...                                             random_state=0),
    ...                   dt=0.01, random_state=0).fit(x.reshape(1, -1, 1))
    >>> print(round(rom.drift_matrix_[0, 0], 1))  # exact: 1.0
    1.0
    >>> rom.sample(100, x0=[0.5], n_paths=3, random_state=0).shape
    (3, 100, 1)

    A periodic forcing passed as inputs: ``dx = (-x + cos t) dt + dW``.

    >>> t = 0.01 * np.arange(x.size)
    >>> U = np.stack([np.sin(t), np.cos(t)], axis=1)
    >>> for i in range(1, x.size):
    ...     x[i] = x[i - 1] + (np.cos(t[i - 1]) - x[i - 1]) * 0.01 + 0.1 * rng.normal()
    >>> forced = LangevinROM(score_estimator=KGMMScore(sigma=0.1, prob=1e-2,
    ...                                                random_state=0),
    ...                      random_state=0).fit(x[:, None], U=U)
    >>> forced.n_inputs_in_
    2
    >>> forced.sample(50, x0=[0.0], n_paths=2, random_state=0,
    ...               U=lambda t: [np.sin(t), np.cos(t)]).shape
    (2, 50, 1)
    """

    _parameter_constraints = {
        # cloned and fitted in fit, which checks its own parameters
        "score_estimator": "no_validation",
        "dt": [Interval(numbers.Real, 0, None, closed="neither")],
        # column pairs, checked against the data (check_clock_features)
        "clock_features": "no_validation",
        "clock_transport": [Boolean()],
        # a name or a matrix, checked with state_thresholds (check_time_change)
        "diffusion": "no_validation",
        "diffusion_lag": [None, Interval(numbers.Integral, 1, None)],
        "state_thresholds": "no_validation",
        "integration_substeps": [Interval(numbers.Integral, 1, None)],
        "random_state": RANDOM_STATE,
        "n_jobs": N_JOBS,
        "verbose": VERBOSE,
    }

    def __init__(
        self,
        *,
        score_estimator=None,
        dt=0.01,
        clock_features=None,
        clock_transport=True,
        diffusion="estimated",
        diffusion_lag=None,
        state_thresholds=None,
        integration_substeps=10,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.score_estimator = score_estimator
        self.dt = dt
        self.clock_features = clock_features
        self.clock_transport = clock_transport
        self.diffusion = diffusion
        self.diffusion_lag = diffusion_lag
        self.state_thresholds = state_thresholds
        self.integration_substeps = integration_substeps
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X, y=None, U=None):
        """Fit the score and the diffusion matrix to a trajectory set.

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps, n_features)
            Trajectories sampled every ``dt``; 2-D is one trajectory.
        y : None
            Ignored.
        U : array-like of shape (n_trajectories, n_steps, n_inputs), optional
            Known inputs at every observation of ``X`` (a forcing, a clock
            ``(sin, cos)``, a parameter as a column constant in time); the
            drift then depends on them (see the class description). Not
            together with ``clock_features``. With scikit-learn's metadata
            routing enabled, request it with ``set_fit_request(U=True)`` to
            have it split with ``X``.

        Returns
        -------
        self : LangevinROM
        """
        self._validate_params()
        dt = float(self.dt)
        lag = None if self.diffusion_lag is None else int(self.diffusion_lag)
        thresholds = check_time_change(
            self.diffusion, self.state_thresholds, ("estimated", "unit")
        )
        X = check_trajectories(X, min_steps=3, estimator=self)
        U = check_fit_inputs(U, X.shape, estimator=self)
        self._set_fit_context(X)
        n_traj, n_steps, d = X.shape
        who = type(self).__name__
        clock_sin, clock_cos, dynamic = check_clock_features(
            self.clock_features, d, who
        )
        omega, radius = fit_clock(X, clock_sin, clock_cos, dt, who)
        m = dynamic.shape[0]
        n_inputs = 0 if U is None else U.shape[2]
        if n_inputs:
            self._check_input_model(X, U, clock_sin.shape[0])
        if lag is not None and lag >= n_steps:
            raise ValueError(
                f"diffusion_lag={lag} must be shorter than the trajectories "
                f"({n_steps} steps)."
            )
        est = (
            KGMMScore(verbose=self.verbose)
            if self.score_estimator is None
            else clone(self.score_estimator)
        )
        seeds = named_seeds(self.random_state, _SEEDS)
        params = est.get_params()
        if "random_state" in params and params["random_state"] is None:
            est.set_params(random_state=int_seed(seeds.score))
        logger.info(
            "%s: fitting the score (%s) on %d trajectories x %d steps x %d features",
            who,
            type(est).__name__,
            n_traj,
            n_steps,
            d,
        )
        # the joint density of (x, u): its x block is the conditional score
        est.fit(X if U is None else np.concatenate([X, U], axis=2))
        self.score_estimator_ = est
        self.n_features_in_ = d
        self.n_inputs_in_ = n_inputs
        self.input_tables_ = None
        self.input_table_error_ = None
        if n_inputs and m == 1:
            self.input_tables_, self.input_table_error_ = fit_input_tables(
                est, X, U, self.clock_transport, dt
            )
        self.dynamic_features_ = dynamic
        self.clock_pairs_ = np.stack([clock_sin, clock_cos], axis=1)
        self.clock_frequencies_ = omega
        self.clock_radii_ = radius
        self.clock_tables_ = None
        if m == 1 and clock_sin.shape[0] == 1:
            self.clock_tables_ = self._clock_tables(X, est)
        self.diffusion_lag_ = None
        if isinstance(self.diffusion, str) and self.diffusion == "unit":
            sigma = np.diag(est.scale_[dynamic])
        elif isinstance(self.diffusion, str):
            if n_inputs:
                anomaly = input_anomaly(X, U)
            else:
                anomaly = clock_anomaly(
                    X, dynamic, clock_sin, clock_cos, _TRANSPORT_HARMONICS
                )
            sigma, self.diffusion_lag_ = estimate_diffusion(anomaly, dt, lag)
        else:
            sigma = np.array(self.diffusion, dtype=np.float64)
            if sigma.ndim == 0:
                sigma = sigma.reshape(1, 1)
            if sigma.shape != (m, m) or not np.all(np.isfinite(sigma)):
                raise ValueError(
                    f"diffusion must be a finite ({m}, {m}) matrix (one row per "
                    f"dynamic feature), got shape {sigma.shape}."
                )
        phi = sigma @ sigma.T
        if np.linalg.eigvalsh(phi).min() <= 0.0:
            raise ValueError("diffusion matrix Sigma must be non-singular.")
        time_change = 1.0
        if isinstance(self.diffusion, str) and self.diffusion in ("acf", "residence"):
            time_change = self._calibrate_time_change(
                self._kernel_bundle(phi, sigma), X, seeds.calibration, thresholds, U
            )
            sigma = np.sqrt(time_change) * sigma
            phi = time_change * phi
        self.diffusion_matrix_ = sigma
        self.drift_matrix_ = phi
        self.time_change_ = time_change
        self.langevin_kernel_ = self._kernel_bundle(phi, sigma)
        return self

    def _check_input_model(self, X, U, n_clocks):
        """Refuse what the drift with inputs cannot be (see ``fit``)."""
        who = type(self).__name__
        if n_clocks:
            raise ValueError(
                f"{who}: pass a clock either as clock_features of X or as inputs "
                "U = (sin, cos), not both; inputs are the general form."
            )
        moving = bool(np.any(U[:, 1:] != U[:, :-1]))
        if X.shape[2] > 1 and moving and self.clock_transport:
            raise ValueError(
                f"{who}: the transport velocity of moving inputs is exact for one "
                f"dynamic feature only (X has {X.shape[2]}): with several, the "
                "probability flux that moves the conditional density is not "
                "unique. Fit with clock_transport=False for a quasi-static "
                "drift, or model one feature."
            )

    def _calibrate_time_change(self, model, X, seed, thresholds, U=None):
        """``k`` of ``diffusion="acf"``/``"residence"`` for the bundle ``model``.

        With inputs, copy ``i`` of the data runs under trajectory ``i``'s.
        """
        if model is None:
            raise TypeError(self._no_kernel_message())

        who = type(self).__name__
        sim_steps = _SIM_STEPS if thresholds is None else _RESIDENCE_SIM_STEPS
        logger.info(
            "%s: calibrating the time scale (diffusion=%r): %d simulations of "
            "at least %d steps",
            who,
            self.diffusion,
            N_PASSES,
            sim_steps,
        )

        def run(k, n_steps, x0):
            # Phi -> k Phi, Sigma -> sqrt(k) Sigma: a scaled copy, run as
            # sample() runs the fitted model
            scaled = model._replace(phi=k * model.phi, noise=np.sqrt(k) * model.noise)
            paths = self._simulate(
                scaled, n_steps, x0, x0.shape[0], seed, quiet=True, U=U
            )
            if bar is not None:
                bar.update(1)
            return paths

        with optional_bar(
            self.verbose, N_PASSES, f"{who} time-scale calibration", "run"
        ) as bar:
            return time_change_factor(
                run,
                X,
                float(self.dt),
                who=who,
                option=self.diffusion,
                sim_steps=sim_steps,
                columns=self.dynamic_features_,
                thresholds=thresholds,
            )

    # ------------------------------------------------------------------
    def drift(self, X, U=None, U_rate=None):
        """Drift ``Phi s(x)`` (plus transport) at the samples ``X``, in units of X / time.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points (a 3-D trajectory set is flattened), clock features
            included.
        U : array-like of shape (n_samples, n_inputs), optional
            The inputs at the points, for a model fitted with inputs (and
            only then); a 3-D array is flattened like ``X``.
        U_rate : array-like of the shape of ``U``, optional
            Their time derivative, for the transport velocity; None: zero
            (the quasi-static drift).

        Returns
        -------
        drift : ndarray of shape (n_samples, n_dynamic)
            Of the dynamic features (all features without ``clock_features``).
        """
        check_is_fitted(self, "drift_matrix_")
        n_inputs = getattr(self, "n_inputs_in_", 0)
        check_inputs_presence(U, n_inputs, self)
        if n_inputs:
            return self._input_drift(X, U, U_rate)
        if self.clock_tables_ is not None:
            X = np.asarray(X, dtype=np.float64).reshape(-1, self.n_features_in_)
            (si, ci), k = self.clock_pairs_[0], self.dynamic_features_[0]
            scale = float(self.score_estimator_.scale_[k])
            # the kernel's own function: the table, beyond it a Gaussian tail
            drift = table_drifts(
                X[:, k],
                np.arctan2(X[:, si], X[:, ci]),
                self.clock_tables_,
                self.drift_matrix_[0, 0],
                1.0 / (scale * scale),
            )
            return drift[:, None]
        score = self.score_estimator_.predict(X)[:, self.dynamic_features_]
        return score @ self.drift_matrix_.T

    def _input_drift(self, X, U, U_rate):
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.n_features_in_)
        U = np.asarray(U, dtype=np.float64).reshape(-1, self.n_inputs_in_)
        if U.shape[0] != X.shape[0]:
            raise ValueError(
                f"{type(self).__name__}: U has {U.shape[0]} rows of inputs for "
                f"{X.shape[0]} points of X."
            )
        tables = self.input_tables_
        if tables is None:
            joint = np.concatenate([X, U], axis=1)
            score = self.score_estimator_.predict(joint)[:, : self.n_features_in_]
            return score @ self.drift_matrix_.T
        rate = np.zeros_like(U) if U_rate is None else np.asarray(U_rate, float)
        scale = float(self.score_estimator_.scale_[0])
        # the kernel's own function: the tables, beyond them a Gaussian tail
        drift = input_table_drifts(
            X[:, 0],
            U,
            rate.reshape(U.shape),
            tables,
            self.drift_matrix_[0, 0],
            1.0 / (scale * scale),
        )
        return drift[:, None]

    def _clock_tables(self, X, est):
        """Drift tables of one dynamic feature and one clock (see ``clock_tables_``)."""
        (si, ci), k = self.clock_pairs_[0], self.dynamic_features_[0]
        # over the box of the score's clusters, where its network is trusted
        box = getattr(est, "score_kernel_", None)
        if box is not None:
            lo = est.mean_[k] + est.scale_[k] * box.box_lo[k]
            hi = est.mean_[k] + est.scale_[k] * box.box_hi[k]
        else:
            lo, hi = X[..., k].min(), X[..., k].max()
        grid = np.linspace(lo, hi, _CLOCK_TABLE_X)
        phi = 2.0 * np.pi * np.arange(_CLOCK_TABLE_PHASE) / _CLOCK_TABLE_PHASE
        points = np.empty((grid.size * phi.size, self.n_features_in_))
        points[:, k] = np.repeat(grid, phi.size)
        points[:, si] = np.tile(self.clock_radii_[0] * np.sin(phi), grid.size)
        points[:, ci] = np.tile(self.clock_radii_[0] * np.cos(phi), grid.size)
        score = est.predict(points)[:, k].reshape(grid.size, phi.size)
        if self.clock_transport:
            x = X[..., k].ravel()
            phase = np.arctan2(X[..., si], X[..., ci]).ravel()
            # the Fourier estimate of the conditional density takes the phase
            # as uniform; with a fraction of a period it is not
            imbalance = max(
                abs(np.mean(np.exp(1j * q * phase)))
                for q in range(1, _TRANSPORT_HARMONICS + 1)
            )
            if imbalance > _PHASE_IMBALANCE:
                warnings.warn(
                    f"{type(self).__name__}: the clock's phase covers its period "
                    f"unevenly (harmonic mean {imbalance:.2f}); the transport "
                    "velocity assumes data over many whole periods and is biased. "
                    "Use longer trajectories or clock_transport=False.",
                    UserWarning,
                    stacklevel=3,
                )
            velocity = transport_velocity(
                x,
                phase,
                float(self.clock_frequencies_[0]),
                grid,
                _TRANSPORT_BANDWIDTH * float(x.std()),
                phi.size,
                _TRANSPORT_HARMONICS,
            )
        else:
            velocity = np.zeros_like(score)
        return ClockTables(
            float(grid[0]),
            float(grid[1] - grid[0]),
            np.ascontiguousarray(score),
            np.ascontiguousarray(velocity),
        )

    def _padded(self, matrix):
        # the kernels move every column; the clock's rows and columns are zero
        d = self.n_features_in_
        full = np.zeros((d, d))
        full[np.ix_(self.dynamic_features_, self.dynamic_features_)] = matrix
        return full

    def _kernel_bundle(self, phi, sigma):
        """The :class:`LangevinKernel` of this model with ``Phi``, ``Sigma``.

        None when the score estimator has no ``score_kernel_`` (only a
        :class:`KGMMScore`'s network can be evaluated in the kernels).
        """
        score = getattr(self.score_estimator_, "score_kernel_", None)
        if score is None:
            return None
        substeps = int(self.integration_substeps)
        inputs = getattr(self, "input_tables_", None)
        if inputs is None:
            inputs = NO_INPUT_TABLES
        clock = ClockKernel(
            np.ascontiguousarray(self.clock_pairs_[:, 0], dtype=np.int64),
            np.ascontiguousarray(self.clock_pairs_[:, 1], dtype=np.int64),
            np.ascontiguousarray(self.clock_frequencies_, dtype=np.float64),
            np.ascontiguousarray(self.clock_radii_, dtype=np.float64),
        )
        return langevin_kernel(
            substeps,
            float(self.dt) / substeps,
            self._padded(phi),
            self._padded(sigma),
            score,
            clock,
            NO_CLOCK_TABLES if self.clock_tables_ is None else self.clock_tables_,
            self.dynamic_features_,
            inputs,
        )

    def _no_kernel_message(self):
        return (
            f"{type(self).__name__} simulates with a numba kernel that needs a "
            "score estimator with a score_kernel_ (a KGMMScore); got "
            f"{type(self.score_estimator_).__name__}."
        )

    def _simulate(self, model, n_steps, x0, n_paths, random_state, quiet=False, U=None):
        """Paths of the kernel bundle ``model`` (see :meth:`sample`).

        With inputs ``U`` (n_U, n_steps, n_inputs), path ``i`` runs under
        ``U[i % n_U]``. A bar over the paths when ``verbose`` and not
        ``quiet``.
        """
        est = self.score_estimator_
        weights = est.cluster_counts_ / est.cluster_counts_.sum()
        verbose = self.verbose and not quiet
        desc = f"{type(self).__name__} paths"
        path = _path_member if U is None else _input_path_member
        args = (x0, est.cluster_centers_, weights, n_steps, model)
        if U is not None:
            args += (U,)
        with member_progress(path, n_paths, desc, verbose) as member:
            results = run_ensemble(
                member,
                n_paths,
                random_state=as_seed_sequence(random_state),
                n_jobs=self.n_jobs,
                stack=False,
                args=args,
            )
        paths = np.stack([r[0] for r in results])
        check_member_status(
            [r[1] for r in results],
            what="LangevinROM simulation",
            bound=model.score.bound,
        )
        return paths

    def sample(self, n_steps, x0=None, n_paths=1, random_state=None, U=None):
        """Simulate the Langevin model.

        Parameters
        ----------
        n_steps : int
            Points per path, spaced ``dt``, the initial one included.
        x0 : array-like of shape (n_features,) or (n_paths, n_features), optional
            Initial states; None draws each path's start from the cluster
            centres of the score estimator in proportion to their counts
            (their state part, with inputs). The clock features of a start
            give the initial phases. A state with ``|x| > state_bound_`` is
            refused (ValueError).
        n_paths : int, default=1
            Number of independent paths.
        random_state : None, int, SeedSequence or Generator
            Seed; path ``i`` uses child ``i`` of one SeedSequence, so the
            output does not depend on ``n_jobs``.
        U : array-like or callable, optional
            The inputs at the ``n_steps`` points of the paths, for a model
            fitted with inputs (and only then): shape ``(n_steps, n_inputs)``
            for every path or ``(n_paths, n_steps, n_inputs)``, or a callable
            ``U(t)`` of the time ``t = k * dt`` since ``x0`` returning shape
            ``(n_inputs,)`` or ``(n_paths, n_inputs)``. Within a step they
            are interpolated linearly.

        Returns
        -------
        X : ndarray of shape (n_paths, n_steps, n_features)

        Raises
        ------
        SimulationBlowUpError
            If a path produces NaN/inf or leaves the bound of 100 data
            spreads around the data; the message names the step and path.
        """
        check_is_fitted(self, "drift_matrix_")
        n_steps, x0, n_paths = self._check_sample_args(n_steps, x0, n_paths)
        U = self._check_sample_inputs(U, n_steps, n_paths)
        if self.langevin_kernel_ is None:
            raise TypeError(self._no_kernel_message())
        return self._simulate(
            self.langevin_kernel_, n_steps, x0, n_paths, random_state, U=U
        )

    def score(self, X, y=None, U=None):
        """Negative statistical distance between the model and held-out ``X``.

        The model is simulated from the first state of every held-out
        trajectory for as many steps (a fixed seed: ``random_state``, or 0 when
        None, so the score is deterministic). The distance is

        ``KL(pdf_X || pdf_model) + max |ACF_X - ACF_model|``,

        with the marginal densities' Kullback-Leibler divergence
        (:func:`skrom.metrics.pdf_kl_divergence`, averaged over features) and
        the largest ACF difference over lags up to a quarter of the
        trajectory length, at most 500 steps (:func:`skrom.metrics.acf_error`,
        in [0, 2]). Both are 0 for a perfect model, so the score is at most 0
        and higher is better. A simulation that blows up scores ``-inf``
        (with a ``RuntimeWarning``), so that a grid search ranks such a model
        last instead of stopping.

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps, n_features)
            Held-out trajectories (at least 8 steps).
        y : None
            Ignored.
        U : array-like of shape (n_trajectories, n_steps, n_inputs), optional
            Their inputs, for a model fitted with inputs (and only then): the
            simulation of trajectory ``i`` runs under ``U[i]``. Request it
            with ``set_score_request(U=True)`` under metadata routing.

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "drift_matrix_")
        n_inputs = getattr(self, "n_inputs_in_", 0)
        check_inputs_presence(U, n_inputs, self)
        if n_inputs:
            return input_statistical_score(self, X, U, _SEEDS)
        # the clock features are reproduced exactly: only the dynamic ones count
        return self._statistical_score(
            X,
            seed_slots=_SEEDS,
            columns=self.dynamic_features_,
        )


def _input_path_member(rng, index, x0, centres, weights, n_steps, model, U):
    d = model.phi.shape[0]
    if x0 is None:
        start = centres[rng.choice(centres.shape[0], p=weights), :d].copy()
    else:
        start = x0[index].copy()
    out = np.empty((n_steps, d))
    status = simulate_input_path(start, U[index % U.shape[0]], n_steps, model, rng, out)
    return out, int(status)


def input_statistical_score(model, X, U, seed_slots):
    """:meth:`skrom.base.TrajectoryModel._statistical_score` under inputs ``U``.

    Trajectory ``i`` of ``X`` is simulated from its first state under
    ``U[i]``; every feature is compared.
    """
    from ..metrics import acf_error, pdf_kl_divergence

    X = check_trajectories(
        X, min_steps=8, n_features=model.n_features_in_, estimator=model
    )
    U = check_fit_inputs(U, X.shape, estimator=model, n_inputs=model.n_inputs_in_)
    seed = (
        0
        if model.random_state is None
        else named_seeds(model.random_state, seed_slots).score_eval
    )
    try:
        sim = model.sample(
            X.shape[1], x0=X[:, 0], n_paths=X.shape[0], random_state=seed, U=U
        )
    except SimulationBlowUpError as exc:
        warnings.warn(f"{exc} Its score is -inf.", RuntimeWarning, stacklevel=3)
        return -np.inf
    max_lag = max(1, min(500, X.shape[1] // 4))
    return -float(pdf_kl_divergence(X, sim) + acf_error(X, sim, max_lag))


def _path_member(rng, index, x0, centres, weights, n_steps, model):
    if x0 is None:
        start = centres[rng.choice(centres.shape[0], p=weights)].copy()
    else:
        start = x0[index].copy()
    out = np.empty((n_steps, start.shape[0]))
    status = simulate_path(start, n_steps, model, rng, out)
    return out, int(status)
