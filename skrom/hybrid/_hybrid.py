"""HybridLangevinROM: score-based Langevin drift driven by a neural-ODE forcing."""

import logging
import numbers

import numpy as np
import torch
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
    Options,
)
from .._progress import member_progress, optional_bar
from .._random import as_seed_sequence, int_seed, named_seeds
from .._validation import (
    check_int,
    check_member_status,
    check_positive_float,
    check_trajectories,
)
from ..base import TrajectoryModel
from ..forcing import DelayNODEForcing
from ..forcing._delay_embedding import delay_embed, embedding_span
from ..score import LangevinROM
from ..score._confined_score import NO_SCORE_TABLE, torch_confined_score
from ..score._langevin import input_statistical_score
from ..score._time_change import check_time_change, time_change_factor
from ._hybrid_kernels import HybridKernel, hybrid_input_rollout, hybrid_rollout

__all__ = ["HybridLangevinROM"]

logger = logging.getLogger(__name__)
# fixed-point passes of the hybrid's own time-scale calibration: its network
# makes these runs costly
_CALIBRATION_PASSES = 2

# (x, delay vector) pairs of the training data kept to start sample() paths from
_N_BANK = 4096
# default forcing_memory: this many training windows of the forcing
_MEMORY_WINDOWS = 10
# diffusion="acf" simulates copies of the data until they hold this many steps
_SIM_STEPS = 400_000
# diffusion="residence" counts transitions (a few hundred per million steps
# on the tristable system); with a [8, 128, 128, 8] forcing network a step
# costs about 12 us (benchmarks/bench_hybrid.py)
_RESIDENCE_SIM_STEPS = 4_000_000
# ... but its first pass only seeds the second: a quarter of that gives k
# to a few % (about 500 transitions, as many as the slow tests' data hold)
_RESIDENCE_FIRST_STEPS = 1_000_000
# forcing=None: the network and training budget that meet the additive L63
# system's statistics bars within issue 15's 5-minute fit on two cores;
# DelayNODEForcing()'s own (256-wide, 100 epochs of 60-step windows) trains
# about ten times longer for no better statistics here
_DEFAULT_FORCING = dict(
    n_delays=8, hidden_layers=(128, 128), window=20, max_epochs=40, learning_rate=3e-3
)
# What fit seeds, each a child of random_state in this order (score() takes
# child 3)
_SEEDS = ("langevin", "forcing", "bank", "score_eval", "calibration")


def _time_derivative(X, dt, method):
    """``dx/dt`` and the slice of ``X`` it belongs to.

    "central": ``(x[n+1] - x[n-1]) / (2 dt)`` at ``n = 1..N-2``;
    "forward": ``(x[n+1] - x[n]) / dt`` at ``n = 0..N-2``.
    """
    if method == "central":
        return (X[:, 2:] - X[:, :-2]) / (2.0 * dt), slice(1, -1)
    return (X[:, 1:] - X[:, :-1]) / dt, slice(0, -1)


def _time_derivative_to_end(X, dt, method):
    """Like :func:`_time_derivative` but defined at every step up to the last.

    The last step (and, for "central", the first) uses the one-sided
    difference, so that a forecast can be warm-started from the newest data.
    """
    dxdt = np.empty_like(X)
    if method == "central":
        dxdt[:, 1:-1] = (X[:, 2:] - X[:, :-2]) / (2.0 * dt)
        dxdt[:, 0] = (X[:, 1] - X[:, 0]) / dt
    else:
        dxdt[:, :-1] = (X[:, 1:] - X[:, :-1]) / dt
    dxdt[:, -1] = (X[:, -1] - X[:, -2]) / dt
    return dxdt


class HybridLangevinROM(TrajectoryModel):
    r"""Langevin slow dynamics with a score drift, driven by a neural-ODE forcing.

    The hybrid reduced-order model of Del Felice & Giorgini (2025) keeps the
    score-based drift of a Langevin model, which fixes the invariant density
    of the slow variables :math:`x`, and drives it with a neural ODE of the
    residual forcing, which carries the short-term memory of the fast
    chaotic driver and so lets the model forecast *when* transitions happen:

    .. math::

        \dot x = \Phi\, s(x) + \Sigma f + \Sigma\sqrt 2\,\xi(t), \qquad
        f = \sigma_y \odot (z_1 - r), \qquad \dot z = g_\theta(z) / T_z,

    with :math:`z` the neural ODE's delay vector, :math:`r` its running mean
    over ``forcing_memory`` and :math:`\xi` white noise
    (``slow_forcing="noise"``, the default); the paper's model
    (``slow_forcing="node"``) is :math:`f = \mu_y + \sigma_y \odot z_1`
    without noise. ``fit`` learns the score and :math:`\Sigma` (a
    :class:`~skrom.score.LangevinROM`), the residual forcing from finite
    differences of the data, and its
    :class:`~skrom.forcing.DelayNODEForcing`.

    Known inputs ``U`` (``fit(X, U=...)``: a forcing, a clock, a parameter)
    enter the drift as in :class:`~skrom.score.LangevinROM` (the joint
    score of ``(x, u)`` acting on ``x``, plus the transport velocity for one
    dynamic feature); the residual is taken against that drift, and
    :meth:`sample`, :meth:`forecast` and :meth:`score` take the inputs of
    the paths they run.

    Read more in the :ref:`User Guide <hybrid_model>`.

    Parameters
    ----------
    score_estimator : estimator or None, default=None
        Unfitted score estimator exposing the fitted attributes of
        :class:`~skrom.score.KGMMScore` (``interpolator_``, ``mean_``,
        ``scale_``, ``activation``); cloned in ``fit``. None: ``KGMMScore()``.
    forcing : estimator or None, default=None
        Unfitted :class:`~skrom.forcing.DelayNODEForcing` (cloned in ``fit``;
        its ``dt`` is set to this model's). None: ``DelayNODEForcing(n_delays=8,
        hidden_layers=(128, 128), window=20, max_epochs=40,
        learning_rate=3e-3)``, a budget that trains in about a minute on two
        cores.
        Its parameters are searchable as ``forcing__<name>``.
    dt : float, default=0.01
        Sampling interval of the data, step of the rollouts.
    clock_features : sequence of int or None, default=None
        Column indices of known clock features in ``(sin, cos)`` pairs (see
        :class:`~skrom.score.LangevinROM`); None: every feature is dynamic.
        Inputs ``U`` are the general form (a clock passed as inputs is one
        case of them).
    clock_transport : bool, default=True
        Passed to :class:`~skrom.score.LangevinROM`.
    diffusion : {"auto", "acf", "residence", "estimated", "unit"} or array, default="auto"
        How :math:`\Sigma` is chosen, as in :class:`~skrom.score.LangevinROM`
        ("acf": the model decorrelates as the data do; "residence": its mean
        time per transition between the states of ``state_thresholds``
        matches the data's; "auto": "residence" when ``state_thresholds`` is
        given, else "acf"). Either matching is repeated on the hybrid itself
        (``time_change_``).
    state_thresholds : float, array-like or None, default=None
        Transition zones of the first dynamic feature between its metastable
        states (as in :func:`skrom.metrics.residence_times`); required by
        ``diffusion="residence"``, unused otherwise. Prefer it to "acf" when
        the transitions matter and the ACF integral is set by something else,
        such as a periodic forcing's clock.
    derivative : {"central", "forward"}, default="central"
        Finite difference for :math:`\dot x` in the residual.
    slow_forcing : {"noise", "node"}, default="noise"
        What drives the slow variable on time scales longer than
        ``forcing_memory``: white noise of the Langevin model's strength
        (the neural ODE's output high-passed), or the neural ODE itself (the
        paper's model; needs a forcing whose free run reproduces the
        driver's long-run statistics).
    forcing_memory : float or None, default=None
        Time constant :math:`T` of the high-pass filter, in time units; None:
        ten training windows of the forcing (``10 * forcing.window * dt``).
        Ignored when ``slow_forcing="node"``.
    random_state : None, int, SeedSequence or Generator, default=None
        Seeds the unseeded sub-estimators and :meth:`score`'s simulation.
    n_jobs : int or None, default=None
        Parallel ensemble members in :meth:`sample` and :meth:`forecast`
        (results do not depend on it).
    verbose : int, default=0
        When > 0, progress bars of the sub-estimators' training, the
        time-scale calibration's runs and the paths of :meth:`sample` and
        :meth:`forecast`. Stage boundaries of ``fit`` are logged at INFO
        level to the ``"skrom"`` logger whatever ``verbose``.

    Attributes
    ----------
    langevin_ : LangevinROM
        The fitted Gaussian-noise Langevin model (score and diffusion).
    score_estimator_ : estimator
        The fitted score estimator (``langevin_.score_estimator_``).
    forcing_ : DelayNODEForcing
        The fitted neural-ODE forcing model.
    drift_matrix_ : ndarray of shape (n_dynamic, n_dynamic)
        :math:`\Phi`, over the dynamic features (all unless
        ``clock_features`` is set).
    diffusion_matrix_ : ndarray of shape (n_dynamic, n_dynamic)
        :math:`\Sigma`.
    residual_lag_ : int
        Steps between the start of the data and its first delay vector.
    n_features_in_ : int
        Number of features, clock features included.
    n_inputs_in_ : int
        Number of inputs ``U`` (0: fitted without).
    state_bound_ : float
        Largest ``|x|`` the model is trusted at: the data's range plus 100
        data spreads (see :func:`skrom.base.state_bound`); ``x0`` and
        ``history`` beyond it are refused.
    forcing_mean_ : ndarray of shape (n_dynamic,)
    forcing_scale_ : ndarray of shape (n_dynamic,)
        The forcing is ``forcing_mean_ + forcing_scale_ * (z_1 - r)`` (in
        units of :math:`\Sigma^{-1}`, as the residual).
    forcing_noise_ : ndarray of shape (n_dynamic,)
        Amplitude of the white noise (:math:`\sqrt 2`, or 0 for
        ``slow_forcing="node"``).
    time_change_ : float
        Factor :math:`k` by which ``diffusion="acf"`` (``"residence"``)
        scaled the hybrid's :math:`\Phi` (and :math:`\Sigma` by
        :math:`\sqrt k`) after the Langevin model's own matching, so that the
        hybrid too decorrelates (changes state) as the data do; 1 otherwise.
    forcing_memory_ : float
        :math:`T` used (inf for ``slow_forcing="node"``).
    high_pass_ : float
        ``dt / T``, the running mean's update per step.
    initial_states_ : ndarray of shape (n_bank, n_features)
        States :math:`x` of the training data that :meth:`sample` starts from.
    initial_delay_states_ : ndarray of shape (n_bank, n_delays * n_dynamic)
        The matching standardised delay vectors of the residual.
    hybrid_kernel_ : HybridKernel
        Everything the numba rollout of :meth:`sample` and :meth:`forecast`
        reads, built once at the end of ``fit`` from ``langevin_``'s
        ``langevin_kernel_`` and ``forcing_``'s ``node_kernel_``, with the
        time change applied (see :mod:`skrom.hybrid._hybrid_kernels`).

    See Also
    --------
    skrom.score.LangevinROM : The same drift with Gaussian noise.
    skrom.forcing.DelayNODEForcing : The forcing model.

    References
    ----------
    G. Del Felice and L. T. Giorgini, "Integrating score-based generative
    modeling and neural ODEs for accurate representation of multiscale
    chaotic dynamics", arXiv:2511.03862 (2025).

    Examples
    --------
    >>> from skrom.datasets import make_bistable_additive
    >>> from skrom.forcing import DelayNODEForcing
    >>> from skrom.hybrid import HybridLangevinROM
    >>> from skrom.score import KGMMScore
    >>> X = make_bistable_additive(1, 3000, random_state=0)
    >>> rom = HybridLangevinROM(
    ...     score_estimator=KGMMScore(prob=1e-2, max_passes=3, max_epochs=30,
    ...                               hidden_layers=(16,)),
    ...     forcing=DelayNODEForcing(n_delays=4, hidden_layers=(16,), window=5,
    ...                              n_windows=32, max_epochs=2),
    ...     random_state=0).fit(X)
    >>> rom.sample(100, n_paths=2, random_state=0).shape
    (2, 100, 1)
    >>> rom.forecast(X[:, :500], lead_time=0.5).shape
    (1, 1, 51, 1)
    """

    _parameter_constraints = {
        # cloned into a LangevinROM; its network must suit the rollout (fit)
        "score_estimator": "no_validation",
        # its fitted neural ODE is exported to the numba rollout
        "forcing": [None, DelayNODEForcing],
        "dt": [Interval(numbers.Real, 0, None, closed="neither")],
        # checked as LangevinROM checks them
        "clock_features": "no_validation",
        "clock_transport": [Boolean()],
        "diffusion": "no_validation",
        "state_thresholds": "no_validation",
        "derivative": [Options(("central", "forward"))],
        "slow_forcing": [Options(("noise", "node"))],
        "forcing_memory": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "random_state": RANDOM_STATE,
        "n_jobs": N_JOBS,
        "verbose": VERBOSE,
    }

    def __init__(
        self,
        *,
        score_estimator=None,
        forcing=None,
        dt=0.01,
        clock_features=None,
        clock_transport=True,
        diffusion="auto",
        state_thresholds=None,
        derivative="central",
        slow_forcing="noise",
        forcing_memory=None,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.score_estimator = score_estimator
        self.forcing = forcing
        self.dt = dt
        self.clock_features = clock_features
        self.clock_transport = clock_transport
        self.diffusion = diffusion
        self.state_thresholds = state_thresholds
        self.derivative = derivative
        self.slow_forcing = slow_forcing
        self.forcing_memory = forcing_memory
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, U=None):
        """Fit score, diffusion, residual forcing and its neural ODE.

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps, n_features)
            Trajectories of the slow variables sampled every ``dt``; 2-D is
            one trajectory.
        y : None
            Ignored.
        U : array-like of shape (n_trajectories, n_steps, n_inputs), optional
            Known inputs at every observation of ``X``: the Langevin drift
            depends on them (see :meth:`skrom.score.LangevinROM.fit`), and
            the residual is taken against that drift, with the inputs' rate
            from the same finite difference as ``dx/dt``. Not together with
            ``clock_features``. Request it with ``set_fit_request(U=True)``
            under metadata routing.

        Returns
        -------
        self : HybridLangevinROM
        """
        self._validate_params()
        dt = float(self.dt)
        diffusion = self.diffusion
        if isinstance(diffusion, str) and diffusion == "auto":
            diffusion = "acf" if self.state_thresholds is None else "residence"
        thresholds = check_time_change(
            diffusion, self.state_thresholds, ("estimated", "unit")
        )
        X = check_trajectories(
            X, min_steps=3, estimator=self, needed_for="the residual's derivative"
        )
        U = check_fit_inputs(U, X.shape, estimator=self)
        self._set_fit_context(X)
        d = X.shape[2]
        seeds = named_seeds(self.random_state, _SEEDS)

        logger.info(
            "HybridLangevinROM: fitting the Langevin model on %d trajectories x "
            "%d steps x %d features",
            X.shape[0],
            X.shape[1],
            d,
        )
        langevin = LangevinROM(
            score_estimator=self.score_estimator,
            dt=dt,
            clock_features=self.clock_features,
            clock_transport=self.clock_transport,
            diffusion=diffusion,
            state_thresholds=self.state_thresholds,
            random_state=int_seed(seeds.langevin),
            n_jobs=self.n_jobs,
            verbose=self.verbose,
        ).fit(X, U=U)
        score_est = langevin.score_estimator_
        if langevin.langevin_kernel_ is None:
            raise TypeError(
                "HybridLangevinROM needs a score estimator whose network the numba "
                "rollout can evaluate (one with a score_kernel_, a KGMMScore); got "
                f"{type(score_est).__name__}."
            )
        sigma = langevin.diffusion_matrix_
        phi = langevin.drift_matrix_
        dynamic = langevin.dynamic_features_
        m = dynamic.shape[0]

        resid = self._residual(X, langevin, trim=True, U=U)
        if self.forcing is None:
            forcing = DelayNODEForcing(**_DEFAULT_FORCING)
        else:
            forcing = clone(self.forcing)
        if not isinstance(forcing, DelayNODEForcing):
            raise TypeError(
                "forcing must be a DelayNODEForcing (its fitted neural ODE is "
                f"exported to the numba rollout); got {type(forcing).__name__}."
            )
        forcing.set_params(dt=dt)
        if forcing.get_params()["random_state"] is None:
            forcing.set_params(random_state=int_seed(seeds.forcing))
        if self.verbose and not forcing.verbose:
            forcing.set_params(verbose=self.verbose)
        logger.info(
            "HybridLangevinROM: fitting the forcing on the residual, %d "
            "trajectories x %d steps x %d features",
            *resid.shape,
        )
        forcing.fit(resid)

        if self.slow_forcing == "noise":
            memory = (
                float(self.forcing_memory)
                if self.forcing_memory is not None
                else _MEMORY_WINDOWS * forcing.window * dt
            )
            forcing_mean = np.zeros(m)
            noise = np.full(m, np.sqrt(2.0))
            high_pass = min(1.0, dt / memory)
        else:
            memory = np.inf
            forcing_mean = forcing.mean_.copy()
            noise = np.zeros(m)
            high_pass = 0.0

        # pairs (x_n, z_n): residual index r belongs to data index r + offset
        offset = 1 if self.derivative == "central" else 0
        span = embedding_span(forcing.lag_, forcing.n_delays)
        Z = delay_embed(
            (resid - forcing.mean_) / forcing.scale_, forcing.lag_, forcing.n_delays
        )
        Xs = X[:, offset + span : offset + span + Z.shape[1]]
        flat_z = Z.reshape(-1, Z.shape[2])
        flat_x = Xs.reshape(-1, d)
        rng = np.random.default_rng(seeds.bank)
        keep = np.sort(
            rng.choice(
                flat_z.shape[0], size=min(_N_BANK, flat_z.shape[0]), replace=False
            )
        )

        self.langevin_ = langevin
        self.score_estimator_ = score_est
        self.forcing_ = forcing
        self.drift_matrix_ = phi
        self.diffusion_matrix_ = sigma
        self.residual_lag_ = offset + span
        self.forcing_mean_ = forcing_mean
        self.forcing_scale_ = forcing.scale_.copy()
        self.forcing_noise_ = noise
        self.forcing_memory_ = memory
        self.high_pass_ = high_pass
        self.n_features_in_ = d
        self.n_inputs_in_ = langevin.n_inputs_in_
        self.initial_states_ = np.ascontiguousarray(flat_x[keep])
        self.initial_delay_states_ = np.ascontiguousarray(flat_z[keep])
        model = self._kernel_bundle()
        time_change = 1.0
        if isinstance(diffusion, str) and diffusion in ("acf", "residence"):
            # the Gaussian-noise model's time scale is matched already
            # (langevin_), but the forcing's short-term memory adds to the
            # noise, so the hybrid is matched again: a change of time for the
            # Langevin part, of the forcing's strength for the rest
            sim_steps = _SIM_STEPS if thresholds is None else _RESIDENCE_SIM_STEPS
            first_steps = None if thresholds is None else _RESIDENCE_FIRST_STEPS
            logger.info(
                "HybridLangevinROM: calibrating the time scale (diffusion=%r): "
                "%d simulations of at least %d steps (the first of %d)",
                diffusion,
                _CALIBRATION_PASSES,
                sim_steps,
                sim_steps if first_steps is None else first_steps,
            )

            def run(k, n_steps, x0):
                # with inputs, copy i of the data runs under trajectory i's
                paths = self._simulate(
                    _time_changed(model, k),
                    n_steps,
                    x0,
                    x0.shape[0],
                    seeds.calibration,
                    quiet=True,
                    U=U,
                )
                if bar is not None:
                    bar.update(1)
                return paths

            with optional_bar(
                self.verbose,
                _CALIBRATION_PASSES,
                "HybridLangevinROM time-scale calibration",
                "run",
            ) as bar:
                time_change = time_change_factor(
                    run,
                    X,
                    dt,
                    who=type(self).__name__,
                    option=diffusion,
                    sim_steps=sim_steps,
                    n_passes=_CALIBRATION_PASSES,
                    columns=dynamic,
                    thresholds=thresholds,
                    first_sim_steps=first_steps,
                )
            model = _time_changed(model, time_change)
            self.drift_matrix_ = time_change * phi
            self.diffusion_matrix_ = np.sqrt(time_change) * sigma
        self.time_change_ = time_change
        self.hybrid_kernel_ = model
        return self

    def _residual(self, X, langevin, trim, U=None):
        """Residual ``Sigma^{-1} (dx/dt - drift(x))`` of the dynamic features.

        With inputs ``U`` the drift is read at ``(x, u, du/dt)``, ``du/dt``
        by the same difference as ``dx/dt``.
        """
        d = X.shape[2]
        dynamic = langevin.dynamic_features_
        m = dynamic.shape[0]
        Xd = X[..., dynamic]
        dt = float(self.dt)
        rate = None
        if trim:
            dxdt, where = _time_derivative(Xd, dt, self.derivative)
            Xa = X[:, where]
            if U is not None:
                rate = _time_derivative(U, dt, self.derivative)[0]
                U = U[:, where]
        else:
            dxdt = _time_derivative_to_end(Xd, dt, self.derivative)
            Xa = X
            if U is not None:
                rate = _time_derivative_to_end(U, dt, self.derivative)
        shape = Xa.shape[:2] + (m,)
        if U is None:
            drift = langevin.drift(Xa.reshape(-1, d))
        else:
            p = U.shape[2]
            drift = langevin.drift(
                Xa.reshape(-1, d), U=U.reshape(-1, p), U_rate=rate.reshape(-1, p)
            )
        drift = drift.reshape(shape)
        rhs = (dxdt - drift).reshape(-1, m).T
        return np.linalg.solve(langevin.diffusion_matrix_, rhs).T.reshape(shape)

    # --------------------------------------------------------- simulation
    def _kernel_bundle(self):
        """The :class:`HybridKernel` of the fitted parts, before any time change.

        Built from the public bundles of the Langevin model
        (``langevin_kernel_``: padded ``Phi`` and ``Sigma``, score, clocks,
        drift tables) and of the forcing (``node_kernel_``). The score is
        evaluated by its network, without the 1-D table.
        """
        lang = self.langevin_.langevin_kernel_
        return HybridKernel(
            dt=float(self.dt),
            phi=lang.phi,
            sigma=lang.noise,
            score=lang.score._replace(table=NO_SCORE_TABLE),
            node=self.forcing_.node_kernel_,
            y_mean=self.forcing_mean_,
            y_scale=self.forcing_scale_,
            noise=self.forcing_noise_,
            high_pass=float(self.high_pass_),
            dyn=lang.dyn,
            clock=lang.clock,
            tables=lang.tables,
            bound=self.state_bound_,
            inputs=lang.inputs,
        )

    def _simulate(self, model, n_steps, x0, n_paths, random_state, quiet=False, U=None):
        """Paths of the kernel bundle ``model`` (see :meth:`sample`).

        With inputs ``U`` (n_U, n_steps, n_inputs), path ``i`` runs under
        ``U[i % n_U]``. A bar over the paths when ``verbose`` and not
        ``quiet``.
        """
        verbose = self.verbose and not quiet
        desc = "HybridLangevinROM paths"
        args = (x0, self.initial_states_, self.initial_delay_states_, n_steps, model)
        path = _sample_member
        if U is not None:
            path, args = _input_sample_member, args + (U,)
        with member_progress(path, n_paths, desc, verbose) as member:
            results = run_ensemble(
                member,
                n_paths,
                random_state=as_seed_sequence(random_state),
                n_jobs=self.n_jobs,
                stack=False,
                args=args,
            )
        self._raise_blow_up([r[1] for r in results], "simulation")
        return np.stack([r[0] for r in results])

    def _raise_blow_up(self, statuses, what):
        check_member_status(
            statuses, what=f"HybridLangevinROM {what}", bound=self.state_bound_
        )

    def sample(self, n_steps, x0=None, n_paths=1, random_state=None, U=None):
        """Simulate the hybrid model (long statistical runs).

        Each path starts from a delay vector of the training residual drawn
        with ``random_state`` (and, when ``x0`` is None, from the slow state
        that goes with it); the dynamics are then deterministic.

        Parameters
        ----------
        n_steps : int
            Points per path, spaced ``dt``, the initial one included.
        x0 : array-like of shape (n_features,) or (n_paths, n_features), optional
            Initial slow states, within ``state_bound_``.
        n_paths : int, default=1
            Number of paths.
        random_state : None, int, SeedSequence or Generator
            Seed; path ``i`` uses child ``i`` of one SeedSequence, so the
            output does not depend on ``n_jobs``.
        U : array-like or callable, optional
            The inputs at the ``n_steps`` points of the paths, for a model
            fitted with inputs (and only then): shape ``(n_steps, n_inputs)``
            for every path or ``(n_paths, n_steps, n_inputs)``, or a callable
            ``U(t)`` of the time ``t = k * dt`` since ``x0`` returning shape
            ``(n_inputs,)`` or ``(n_paths, n_inputs)``.

        Returns
        -------
        X : ndarray of shape (n_paths, n_steps, n_features)
        """
        check_is_fitted(self, "forcing_")
        n_steps, x0, n_paths = self._check_sample_args(n_steps, x0, n_paths)
        U = self._check_sample_inputs(U, n_steps, n_paths)
        return self._simulate(
            self.hybrid_kernel_, n_steps, x0, n_paths, random_state, U=U
        )

    def _warm_start(self, history, U=None):
        """Standardised delay vectors of the residual at every usable step."""
        f = self.forcing_
        resid = self._residual(history, self.langevin_, trim=False, U=U)
        Z = delay_embed((resid - f.mean_) / f.scale_, f.lag_, f.n_delays)
        return Z  # Z[:, k] belongs to history step k + span

    def forecast(self, history, lead_time, n_paths=1, random_state=None, U=None):
        """Forecast from observed history, warm-starting the forcing from the data.

        The residual forcing of ``history`` is computed as in :meth:`fit` (the
        newest step by a one-sided difference) and delay-embedded, giving the
        state ``(x, z)`` of the hybrid model at the end of the history. Member
        ``k`` of the ensemble (a lagged ensemble) starts ``k`` steps earlier,
        from the data at that step, and is run up to the same final time, so
        the spread of the members measures the sensitivity to the start.

        Parameters
        ----------
        history : array-like of shape (n_trajectories, n_hist, n_features)
            Observed slow variables (2-D: one trajectory), sampled every
            ``dt``, ending at the
            forecast's start.
        lead_time : float
            Forecast horizon in time units (rounded to whole steps).
        n_paths : int, default=1
            Members of the lagged ensemble.
        random_state : None, int, SeedSequence or Generator, default=None
            Seeds the white-noise part of the forcing (``forcing_noise_``;
            without it the forecast is deterministic): member ``k`` of
            history ``i`` uses child ``i * n_paths + k`` of one SeedSequence.
        U : array-like of shape (n_trajectories, n_hist + n_lead, n_inputs), optional
            For a model fitted with inputs (and only then): their values at
            every step of the history and then of the forecast (2-D: one
            trajectory).

        Returns
        -------
        forecasts : ndarray of shape (n_trajectories, n_paths, n_lead + 1, n_features)
            ``n_lead = round(lead_time / dt)``; index 0 is the end of the
            history (member 0 starts exactly there).
        """
        check_is_fitted(self, "forcing_")
        self._check_fit_time_parameters()
        lead = check_positive_float(lead_time, "lead_time")
        n_paths = check_int(n_paths, "n_paths")
        n_lead = max(1, int(round(lead / float(self.dt))))
        f = self.forcing_
        span = embedding_span(f.lag_, f.n_delays)
        min_steps = span + n_paths + 1
        H = check_trajectories(
            history,
            min_steps=1,
            name="history",
            n_features=self.n_features_in_,
            estimator=self,
        )
        if H.shape[1] < min_steps:
            raise ValueError(
                f"history has trajectories of {H.shape[1]} steps; a delay vector "
                f"reaches back {span} steps, so with n_paths={n_paths} at least "
                f"{min_steps} are needed."
            )
        # every step feeds the warm start: none may lie beyond the trusted region
        self._check_within_bound(H, "history")
        U = self._forecast_inputs(U, H.shape[:2], n_lead)
        Z = self._warm_start(H, None if U is None else U[:, : H.shape[1]])
        n_members = H.shape[0] * n_paths
        desc = "HybridLangevinROM forecasts"
        with member_progress(_forecast_member, n_members, desc, self.verbose) as member:
            results = run_ensemble(
                member,
                n_members,
                random_state=as_seed_sequence(random_state),
                n_jobs=self.n_jobs,
                stack=False,
                args=(H, Z, n_paths, n_lead, span, self.hybrid_kernel_, U),
            )
        check_member_status(
            [status for _, status in results],
            what="HybridLangevinROM forecast",
            bound=self.state_bound_,
            member_name=lambda index: "member {1} of history {0}".format(
                *divmod(index, n_paths)
            ),
        )
        out = np.empty((H.shape[0], n_paths, n_lead + 1, self.n_features_in_))
        for index, (path, _) in enumerate(results):
            i, k = divmod(index, n_paths)
            out[i, k] = path
        return out

    def _forecast_inputs(self, U, history_shape, n_lead):
        """Validated inputs of :meth:`forecast`: history then forecast steps."""
        n_inputs = getattr(self, "n_inputs_in_", 0)
        check_inputs_presence(U, n_inputs, self)
        if U is None:
            return None
        n_traj, n_hist = history_shape
        arr = np.asarray(U, dtype=np.float64) if not callable(U) else None
        if arr is not None and arr.ndim == 2 and n_traj == 1:
            arr = arr[None]
        expected = (n_traj, n_hist + n_lead, n_inputs)
        if arr is None or arr.shape != expected:
            got = "a callable" if arr is None else f"shape {arr.shape}"
            raise ValueError(
                f"{type(self).__name__}: forecast's U must hold the inputs at every "
                f"step of the history and then of the forecast: shape "
                f"(n_trajectories, n_hist + n_lead, n_inputs) = {expected}; got "
                f"{got}."
            )
        return check_fit_inputs(
            arr, expected[:2], estimator=self, n_inputs=n_inputs, name="U"
        )

    def _torch_rollout(self, n_steps, x0, z0):
        """The same rollout through torch (reference for the numba kernel).

        Without the white-noise part (``forcing_noise_``): compare with the
        numba kernel run with a zero ``noise`` argument.

        The delay vector ``z`` is integrated by ``torchdiffeq.odeint``
        (fixed-step RK4, one step per ``dt``) and ``x`` by the explicit Euler
        step with the score network evaluated by torch.

        Parameters
        ----------
        n_steps : int
        x0 : ndarray of shape (n_paths, n_features)
        z0 : ndarray of shape (n_paths, n_state)
            Standardised delay vectors.

        Returns
        -------
        X : ndarray of shape (n_paths, n_steps, n_features)
        """
        from ..forcing._node import torch_rollout

        check_is_fitted(self, "forcing_")
        if self.langevin_.clock_pairs_.shape[0] or getattr(self, "n_inputs_in_", 0):
            raise NotImplementedError(
                "the torch reference rollout covers autonomous models (no "
                "clock_features, no inputs)."
            )
        s, f = self.score_estimator_, self.forcing_
        dt = float(self.dt)
        d = self.n_features_in_
        phi_t = torch.as_tensor(self.drift_matrix_.T)
        sig_t = torch.as_tensor(self.diffusion_matrix_.T)
        s_mean, s_scale = torch.as_tensor(s.mean_), torch.as_tensor(s.scale_)
        y_mean = torch.as_tensor(self.forcing_mean_)
        y_scale = torch.as_tensor(self.forcing_scale_)
        score = self.hybrid_kernel_.score
        with torch.no_grad():
            z = torch_rollout(
                f.module_, torch.as_tensor(np.asarray(z0, float)), n_steps, dt
            )
            z1 = z[..., :d]  # (n_steps, n_paths, d)
            slow = torch.zeros_like(z1[0])
            x = torch.as_tensor(np.asarray(x0, float)).clone()
            out = torch.empty((n_steps,) + tuple(x.shape), dtype=torch.float64)
            out[0] = x
            for t in range(1, n_steps):
                forcing = y_mean + y_scale * (z1[t - 1] - slow)
                slow = slow + self.high_pass_ * (z1[t - 1] - slow)
                y = (x - s_mean) / s_scale
                g = (
                    torch_confined_score(s.interpolator_, y, score.box_lo, score.box_hi)
                    / s_scale
                )
                x = x + dt * (g @ phi_t + forcing @ sig_t)
                out[t] = x
        return np.ascontiguousarray(out.numpy().transpose(1, 0, 2))

    # -------------------------------------------------------------- score
    def score(self, X, y=None, U=None):
        """Negative statistical distance between a long simulation and held-out ``X``.

        The model is simulated from the first state of every held-out
        trajectory for as many steps (seeded by ``random_state``, or 0 when
        None, so the score is deterministic), and the distance is
        ``KL(pdf_X || pdf_model) + max |ACF_X - ACF_model|`` over lags up to a
        quarter of the trajectory length (at most 500 steps), as for
        :meth:`skrom.score.LangevinROM.score`: 0 for a perfect model, higher is
        better. A simulation that blows up scores ``-inf`` (with a warning), so
        that a grid search ranks such a model last instead of stopping.

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps, n_features)
            Held-out trajectories (at least 8 steps).
        y : None
            Ignored.
        U : array-like of shape (n_trajectories, n_steps, n_inputs), optional
            Their inputs, for a model fitted with inputs (and only then);
            request it with ``set_score_request(U=True)`` under metadata
            routing.

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "forcing_")
        n_inputs = getattr(self, "n_inputs_in_", 0)
        check_inputs_presence(U, n_inputs, self)
        if n_inputs:
            return input_statistical_score(self, X, U, _SEEDS)
        # the clock features are reproduced exactly: only the dynamic ones count
        return self._statistical_score(
            X,
            seed_slots=_SEEDS,
            columns=self.langevin_.dynamic_features_,
        )


def _time_changed(model, k):
    """``model`` with ``Phi`` scaled by ``k`` and ``Sigma`` by ``sqrt(k)``."""
    return model._replace(phi=k * model.phi, sigma=np.sqrt(k) * model.sigma)


def _forecast_member(rng, index, H, Z, n_paths, n_lead, span, model, U=None):
    # member k of history i starts k steps before the end of the history
    i, k = divmod(index, n_paths)
    idx = H.shape[1] - 1 - k
    path = np.empty((n_lead + 1 + k, H.shape[2]))
    if U is None:
        status = hybrid_rollout(
            H[i, idx], Z[i, idx - span], n_lead + 1 + k, model, rng, path
        )
    else:
        status = hybrid_input_rollout(
            H[i, idx],
            Z[i, idx - span],
            np.ascontiguousarray(U[i, idx:]),
            n_lead + 1 + k,
            model,
            rng,
            path,
        )
    return path[k:], int(status)


def _sample_member(rng, index, x0, bank_x, bank_z, n_steps, model):
    j = rng.integers(bank_z.shape[0])
    start = bank_x[j].copy() if x0 is None else x0[index].copy()
    out = np.empty((n_steps, start.shape[0]))
    status = hybrid_rollout(start, bank_z[j].copy(), n_steps, model, rng, out)
    return out, int(status)


def _input_sample_member(rng, index, x0, bank_x, bank_z, n_steps, model, U):
    j = rng.integers(bank_z.shape[0])
    start = bank_x[j].copy() if x0 is None else x0[index].copy()
    out = np.empty((n_steps, start.shape[0]))
    inputs = np.ascontiguousarray(U[index % U.shape[0]], dtype=np.float64)
    status = hybrid_input_rollout(
        start, bank_z[j].copy(), inputs, n_steps, model, rng, out
    )
    return out, int(status)
