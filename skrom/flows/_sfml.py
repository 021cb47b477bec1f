"""Stochastic flow-map learning (sFML) with a conditional normalizing flow."""

import logging
import numbers

import numpy as np
import torch
import zuko
from sklearn.utils.validation import check_is_fitted
from torch import nn

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
    SequenceOf,
)
from .._progress import optional_bar
from .._random import as_seed_sequence
from .._torch import resolve_device, torch_seed, torch_threads
from .._validation import (
    check_finite_result,
    check_real_array,
    check_trajectories,
)
from ..base import TrajectoryModel
from ._drift import drift_design, fit_drift, project_on_design
from ._noise import EIGENVALUE_FLOOR, fit_noise_covariance, noise_cholesky
from ._pairs import extract_pairs
from ._training import train_conditional_flow

__all__ = ["SFMLFlow"]

logger = logging.getLogger(__name__)

# The flow runs in float32 (cheaper than float64 on a CPU); its targets are
# standardised increments of order one, so single precision loses nothing
# that matters. Paths are accumulated in float64.
_DTYPE = torch.float32
# ``predict`` averages this many draws per state: half of them standard
# normal, half their negatives (antithetic pairs), from a fixed seed. For an
# affine flow (any 1-D MAF) the antithetic mean is exact.
_PREDICT_DRAWS = 1000
_PREDICT_SEED = 0
# rows per forward pass in predict/score, to bound memory
_CHUNK = 65536
# The mean calibration draws the flow at up to this many training states,
# with this many antithetic pairs of draws at each. An antithetic pair
# cancels the part of a draw that is odd in z: for an affine flow (any 1-D
# MAF) that is all of its noise and the estimate is exact; otherwise only
# the flow's even, nonlinear part is left to average out.
_CALIBRATION_STATES = 200_000
_CALIBRATION_PAIRS = 4


class SFMLFlow(TrajectoryModel):
    r"""Stochastic flow map learned by a conditional normalizing flow.

    Learns the one-step transition density of the observed (slow) variables,
    :math:`p(x_{n+\ell} \mid x_n)`, from snapshot pairs, and generates new
    trajectories by iterating the generative map

    .. math::

        x_{n+\ell} = x_n + a(x_n) + S(x_n)\,
        T^{-1}\!\left(z;\ \tilde x_n\right),
        \qquad z \sim \mathcal{N}(0, I), \qquad
        \tilde x_n = (x_n - \mu_x) / s_x,

    where :math:`a` is a least-squares polynomial prior for the mean
    increment, :math:`S` the scale of its residual (one per feature, or
    state dependent) and :math:`T(\cdot\,; c)` a conditional normalizing
    flow trained by maximising the conditional log-likelihood of the pairs
    (Chen & Xiu 2024).

    Known inputs (a forcing, a control, a parameter per trajectory) are
    passed as ``U`` to :meth:`fit`, :meth:`sample`, :meth:`score` and
    :meth:`predict` (see the :ref:`User Guide <inputs>`). The map is then
    conditioned on the input over the step, parametrised by its values at
    the step's two ends: :math:`\tilde x_n` becomes the standardised
    :math:`(x_n, u_n, u_{n+\ell})` in the prior, the noise scale and the
    flow (Chen & Xiu 2026), so one model generates paths under excitations
    it was not trained on.

    Read more in the :ref:`User Guide <sfml>`.

    Parameters
    ----------
    flow : {"maf", "nsf"}, default="maf"
        ``"maf"``: masked autoregressive flow of affine transforms
        (:class:`zuko.flows.MAF`), the published choice; in one dimension it
        is a conditional Gaussian. ``"nsf"``: autoregressive rational-quadratic
        neural spline flow (:class:`zuko.flows.NSF`) for non-Gaussian
        transitions.
    n_transforms : int, default=5
        Number of autoregressive transforms (feature order reversed between
        consecutive ones).
    hidden_layers : tuple of int, default=(20, 20)
        Hidden widths of each transform's tanh conditioner network.
    n_bins : int, default=8
        Spline bins per transform (``flow="nsf"`` only).
    drift_degree : int, default=3
        Total degree of the least-squares polynomial prior for the mean
        increment (1: affine). Its number of terms grows as
        ``(n_features + drift_degree)! / (n_features! drift_degree!)``.
    noise_scale : {"global", "state"}, default="global"
        ``"global"``: the flow models the residual divided by its
        per-feature standard deviation :math:`s`. ``"state"``: divided by
        the Cholesky factor :math:`L(x)` of a polynomial fit of its
        conditional covariance, for noise whose directions turn with the
        state.
    noise_degree : int, default=2
        Total degree of that covariance polynomial (``noise_scale="state"``
        only). 2 holds any noise whose amplitude is linear in the state.
    mean_calibration : bool, default=False
        Remove the projection of the flow's own conditional mean on the
        prior's design functions after training (Monte Carlo estimate), so
        the generated one-step mean has the data's least-squares projection.
    lag : int, default=1
        Observation steps between the two states of a pair; the learned map
        advances time by ``lag * dt``.
    dt : float, default=0.01
        Time between consecutive observations (0.01 in all the paper's
        examples). The map itself is discrete; ``dt`` sets ``time_step_``.
    n_pairs_per_trajectory : int or None, default=None
        ``None`` uses every consecutive pair; an int draws that many random
        pairs per trajectory.
    max_epochs : int, default=60
        Passes over the training pairs; the learning-rate schedule spans them.
    batch_size : int, default=4096
        Pairs per optimiser step.
    learning_rate : float, default=3e-3
        Initial Adam learning rate.
    validation_fraction : float, default=0.1
        Fraction of the pairs held out for early stopping (a random split of
        pairs). ``0`` trains for ``max_epochs`` on all pairs.
    patience : int, default=60
        Epochs without validation improvement before training stops (the best
        weights are kept). The default lets the cosine learning-rate schedule
        of the default ``max_epochs`` run its course.
    device : str or torch.device, default="cpu"
        Where training runs. The fitted flow is moved back to the CPU, and
        :meth:`sample`, :meth:`predict` and :meth:`score` run there.
    random_state : int, SeedSequence, Generator or None, default=None
        Seeds weight initialisation, pair selection, the validation split and
        the mini-batch order.
    n_jobs : int or None, default=None
        Torch intra-op threads during :meth:`fit` and :meth:`sample`
        (``-1``: all); ``None`` leaves torch's setting unchanged.
    verbose : int, default=0
        When > 0, a progress bar shows the validation log-likelihood, and
        another the steps of :meth:`sample`.

    Attributes
    ----------
    flow_ : zuko.flows.Flow
        The fitted conditional flow (float32, on the CPU, in eval mode).
    n_features_in_ : int
        Number of observed features.
    state_bound_ : float
        Largest ``|x|`` the model is trusted at: the data's range plus 100
        data spreads (see :func:`skrom.base.state_bound`).
    n_inputs_in_ : int
        Number of known inputs the model was fitted with (0: none).
    state_mean_, state_scale_ : ndarray of shape (n_features_in,)
        Standardisation of the conditioning state, :math:`\mu_x, s_x`.
    input_mean_, input_scale_ : ndarray of shape (n_inputs_in,)
        Standardisation of the inputs (empty without inputs).
    drift_powers_ : ndarray of shape (n_terms, n_context)
        Powers of the standardised conditioning variables (the
        ``n_features_in_`` state features, then the inputs at the start and
        at the end of the step: ``n_context = n_features_in_ + 2 *
        n_inputs_in_``) in each term of the polynomial prior :math:`a`: the
        intercept first, then the linear terms.
    increment_coef_ : ndarray of shape (n_terms, n_features_in)
        Coefficients of those terms in the map: the least-squares fit minus
        ``mean_correction_``.
    mean_correction_ : ndarray of shape (n_terms, n_features_in)
        Projection of the flow's conditional mean on the design functions,
        in data units, subtracted by the mean calibration (zeros with
        ``mean_calibration=False``).
    mean_correction_rms_ : ndarray of shape (n_features_in,)
        Size of that correction: its root mean square over the training
        states, in units of ``increment_scale_``.
    state_range_ : ndarray of shape (2, n_context)
        Smallest and largest standardised training conditioning vector
        (state and inputs); the prior's
        nonlinear terms are evaluated at the state clipped to this box.
    increment_scale_ : ndarray of shape (n_features_in,)
        Standard deviation :math:`s` of the residual increment.
    noise_powers_ : ndarray of shape (n_noise_terms, n_context)
        Powers of the standardised conditioning variables in each term of
        the covariance model :math:`C`: the intercept only with
        ``noise_scale="global"``, all terms up to ``noise_degree`` with
        ``"state"``.
    noise_coef_ : ndarray of shape (n_noise_terms, n_features_in, n_features_in)
        Coefficient matrices of those terms in :math:`C`, in data units
        (``"global"``: the constant :math:`\operatorname{diag}(s^2)`).
    noise_min_eigenvalue_ : float
        :math:`10^{-3}` of the largest eigenvalue of the residual's
        covariance: the floor of :math:`C`'s largest eigenvalue at states
        where the fit is not positive there (used with ``"state"`` only).
    time_step_ : float
        Time advanced by one step of the map, ``lag * dt``.
    n_pairs_ : int
        Number of pairs used (training and validation).
    n_epochs_ : int
        Epochs run.
    history_ : dict of lists
        Per epoch: ``epoch``, ``train_loss``, ``val_loss`` (mean negative
        log-likelihood of the standardised increments), ``val_log_likelihood``
        (mean conditional log-likelihood in data units) and ``learning_rate``.

    See Also
    --------
    skrom.datasets.make_exp_ou : a multiscale SDE whose slow variable this
        model learns.

    References
    ----------
    .. [1] Y. Chen and D. Xiu, "Learning stochastic dynamical system via flow
       map operator", arXiv:2408.14821, 2024 (multiscale examples in its
       slow-variable section).
    .. [2] G. Papamakarios, T. Pavlakou and I. Murray, "Masked autoregressive
       flow for density estimation", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.flows import SFMLFlow
    >>> rng = np.random.default_rng(0)
    >>> X = np.cumsum(0.1 * rng.standard_normal((50, 20, 1)), axis=1)
    >>> model = SFMLFlow(max_epochs=5, random_state=0).fit(X)
    >>> model.sample(10, x0=[0.0], n_paths=3, random_state=1).shape
    (3, 10, 1)
    >>> model.predict(X[0]).shape
    (20, 1)

    With a known input, here a parameter per trajectory:

    >>> U = np.repeat(rng.uniform(size=(50, 1, 1)), 20, axis=1)
    >>> forced = SFMLFlow(max_epochs=2, random_state=0).fit(X, U=U)
    >>> forced.n_inputs_in_
    1
    >>> forced.sample(10, x0=[0.0], n_paths=3, U=np.full((10, 1), 0.5)).shape
    (3, 10, 1)
    """

    _parameter_constraints = {
        "flow": [Options(("maf", "nsf"))],
        "n_transforms": [Interval(numbers.Integral, 1, None)],
        "hidden_layers": [SequenceOf(Interval(numbers.Integral, 1, None))],
        "n_bins": [Interval(numbers.Integral, 2, None)],
        "drift_degree": [Interval(numbers.Integral, 1, None)],
        "noise_scale": [Options(("global", "state"))],
        "noise_degree": [Interval(numbers.Integral, 1, None)],
        "mean_calibration": [Boolean()],
        "lag": [Interval(numbers.Integral, 1, None)],
        "dt": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_pairs_per_trajectory": [None, Interval(numbers.Integral, 1, None)],
        "max_epochs": [Interval(numbers.Integral, 1, None)],
        "batch_size": [Interval(numbers.Integral, 1, None)],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "patience": [Interval(numbers.Integral, 1, None)],
        # resolved against the torch build in fit (resolve_device)
        "device": "no_validation",
        "random_state": RANDOM_STATE,
        "n_jobs": N_JOBS,
        "verbose": VERBOSE,
    }

    def __init__(
        self,
        *,
        flow="maf",
        n_transforms=5,
        hidden_layers=(20, 20),
        n_bins=8,
        drift_degree=3,
        noise_scale="global",
        noise_degree=2,
        mean_calibration=False,
        lag=1,
        dt=0.01,
        n_pairs_per_trajectory=None,
        max_epochs=60,
        batch_size=4096,
        learning_rate=3e-3,
        validation_fraction=0.1,
        patience=60,
        device="cpu",
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.flow = flow
        self.n_transforms = n_transforms
        self.hidden_layers = hidden_layers
        self.n_bins = n_bins
        self.drift_degree = drift_degree
        self.noise_scale = noise_scale
        self.noise_degree = noise_degree
        self.mean_calibration = mean_calibration
        self.lag = lag
        self.dt = dt
        self.n_pairs_per_trajectory = n_pairs_per_trajectory
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def _build_flow(self, n_features, n_context, hidden):
        common = dict(
            features=n_features,
            context=n_context,
            transforms=self.n_transforms,
            hidden_features=hidden,
            activation=nn.Tanh,
        )
        if self.flow == "maf":
            flow = zuko.flows.MAF(**common)
        else:
            flow = zuko.flows.NSF(bins=self.n_bins, **common)
        return flow.to(_DTYPE)

    def fit(self, X, y=None, U=None):
        """Learn the transition density from a trajectory set.

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps, n_features)
            Observed trajectories sampled every ``dt``, with
            ``n_steps >= lag + 1``; a 2-D array is one trajectory.
            Pairs collected elsewhere: shape ``(n_pairs, 2, n_features)``
            with ``lag=1``.
        y : None
            Ignored.
        U : array-like of shape (n_trajectories, n_steps, n_inputs), optional
            Known inputs at every observation of ``X`` (forcing, controls;
            a per-trajectory parameter is a column constant in time). The
            map is then conditioned on the inputs at both ends of each step.
            With scikit-learn's metadata routing enabled, request it with
            ``set_fit_request(U=True)`` to have it split with ``X``.

        Returns
        -------
        self : SFMLFlow
        """
        self._validate_params()
        hidden = tuple(int(h) for h in self.hidden_layers)
        device = resolve_device(self.device)
        X = check_trajectories(X, min_steps=self.lag + 1, estimator=self)
        U = check_fit_inputs(U, X.shape, estimator=self)
        self._set_fit_context(X)
        n_features = X.shape[2]
        n_inputs = 0 if U is None else U.shape[2]
        with torch_seed(self.random_state) as seed, torch_threads(self.n_jobs):
            rng = np.random.default_rng(seed)
            # inputs travel as extra columns, so they are cut at the same steps
            XU = X if U is None else np.concatenate([X, U], axis=2)
            now, nxt = extract_pairs(XU, self.lag, self.n_pairs_per_trajectory, rng)
            x_now, x_next = now[:, :n_features], nxt[:, :n_features]
            u_now, u_next = now[:, n_features:], nxt[:, n_features:]
            self.state_mean_, self.state_scale_ = _mean_scale(x_now)
            self.input_mean_, self.input_scale_ = _mean_scale(
                np.concatenate([u_now, u_next])
            )
            self.n_inputs_in_ = n_inputs
            cond = self._condition(x_now, u_now, u_next)
            self.drift_powers_, self.increment_coef_, self.state_range_, residual = (
                fit_drift(cond, x_next - x_now, self.drift_degree)
            )
            _, self.increment_scale_ = _mean_scale(residual)
            self._fit_noise_scale(cond, residual)
            target, log_det = self._standardise(cond, residual)
            flow = self._build_flow(n_features, cond.shape[1], hidden)
            logger.info(
                "SFMLFlow: training the %s flow on %d pairs x %d features, at "
                "most %d epochs",
                self.flow,
                x_now.shape[0],
                n_features,
                self.max_epochs,
            )
            self.history_ = train_conditional_flow(
                flow,
                cond,
                target,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                validation_fraction=self.validation_fraction,
                patience=self.patience,
                rng=rng,
                device=device,
                verbose=self.verbose,
                log_scale=log_det,
            )
            self.mean_correction_ = np.zeros_like(self.increment_coef_)
            self.mean_correction_rms_ = np.zeros(n_features)
            if self.mean_calibration:
                self.mean_correction_ = _flow_mean_projection(
                    flow,
                    cond,
                    self._to_data_units,
                    self.drift_powers_,
                    self.state_range_,
                    rng,
                )
                self.mean_correction_rms_ = (
                    _design_rms(
                        cond,
                        self.mean_correction_,
                        self.drift_powers_,
                        self.state_range_,
                    )
                    / self.increment_scale_
                )
            self.increment_coef_ = self.increment_coef_ - self.mean_correction_
        self.flow_ = flow
        self.n_features_in_ = n_features
        self.time_step_ = self.lag * float(self.dt)
        self.n_pairs_ = x_now.shape[0]
        self.n_epochs_ = len(self.history_["epoch"])
        return self

    def _fit_noise_scale(self, cond, residual):
        """Set the noise scale's fitted attributes from the training residual."""
        if self.noise_scale == "global":
            # the same covariance model, constant and diagonal
            self.noise_powers_ = np.zeros((1, cond.shape[1]), dtype=int)
            self.noise_coef_ = np.diag(self.increment_scale_**2)[None]
        else:
            self.noise_powers_, self.noise_coef_ = fit_noise_covariance(
                cond, residual, self.noise_degree, self.state_range_
            )
        # the residual of a fit with an intercept has mean zero
        largest = np.linalg.eigvalsh(residual.T @ residual / residual.shape[0])[-1]
        self.noise_min_eigenvalue_ = EIGENVALUE_FLOOR * float(largest)

    # -------------------------------------------------------------- helpers
    def _condition(self, x, u_now=None, u_next=None):
        """Standardised conditioning vector: the state, then the step's inputs.

        The inputs over a step enter through their values at its two ends
        (a linear parametrisation in time over the step), standardised.
        """
        cond = (x - self.state_mean_) / self.state_scale_
        if not getattr(self, "n_inputs_in_", 0):
            return cond
        return np.concatenate(
            [
                cond,
                (u_now - self.input_mean_) / self.input_scale_,
                (u_next - self.input_mean_) / self.input_scale_,
            ],
            axis=1,
        )

    def _noise_factor(self, cond):
        """Cholesky factor ``L(x)`` (n, d, d) and ``log |det L|`` (n,)."""
        return noise_cholesky(
            cond,
            self.noise_powers_,
            self.noise_coef_,
            self.state_range_,
            self.noise_min_eigenvalue_,
        )

    def _to_data_units(self, cond, u):
        """The residual in data units for flow outputs ``u`` (n, d) at ``cond``."""
        if self.noise_scale == "global":
            return self.increment_scale_ * u
        factor, _ = self._noise_factor(cond)
        return np.einsum("nij,nj->ni", factor, u)

    def _standardise(self, cond, residual):
        """Flow targets for ``residual`` (n, d) and the log-Jacobian per pair.

        Returns the targets and ``log |det|`` of the map from them to the
        residual: a float for ``noise_scale="global"``, else an array (n,).
        """
        if self.noise_scale == "global":
            return (
                residual / self.increment_scale_,
                float(np.sum(np.log(self.increment_scale_))),
            )
        target = np.empty_like(residual)
        log_det = np.empty(residual.shape[0])
        for a in range(0, residual.shape[0], _CHUNK):
            factor, log_det[a : a + _CHUNK] = self._noise_factor(cond[a : a + _CHUNK])
            target[a : a + _CHUNK] = np.linalg.solve(
                factor, residual[a : a + _CHUNK, :, None]
            )[:, :, 0]
        return target, log_det

    def _check_fitted_input(self, X, min_steps):
        return check_trajectories(
            X, min_steps=min_steps, n_features=self.n_features_in_, estimator=self
        )

    def _baseline(self, cond):
        return drift_design(cond, self.drift_powers_, self.state_range_) @ (
            self.increment_coef_
        )

    def _step(self, x, z, u_now=None, u_next=None):
        """Next states of ``x`` (n, d) for standard-normal draws ``z`` (n, d).

        ``u_now``, ``u_next`` (n, n_inputs): the inputs at the step's two ends.
        """
        cond = self._condition(x, u_now, u_next)
        with torch.no_grad():
            dist = self.flow_(torch.as_tensor(cond, dtype=_DTYPE))
            u = dist.transform.inv(torch.as_tensor(z, dtype=_DTYPE))
        u = u.numpy().astype(np.float64)
        return x + self._baseline(cond) + self._to_data_units(cond, u)

    def _log_likelihood(self, x_now, x_next, u_now=None, u_next=None):
        """Log p(x_next | x_now) per pair, in data units."""
        cond = self._condition(x_now, u_now, u_next)
        target, log_det = self._standardise(cond, x_next - x_now - self._baseline(cond))
        out = np.empty(x_now.shape[0])
        with torch.no_grad():
            for a in range(0, x_now.shape[0], _CHUNK):
                c = torch.as_tensor(cond[a : a + _CHUNK], dtype=_DTYPE)
                y = torch.as_tensor(target[a : a + _CHUNK], dtype=_DTYPE)
                out[a : a + _CHUNK] = self.flow_(c).log_prob(y).numpy()
        return out - log_det

    # ----------------------------------------------------------- inference
    def sample(self, n_steps, x0=None, n_paths=1, random_state=None, U=None):
        """Generate trajectories by iterating the learned stochastic map.

        All paths advance together: each step is one batched pass through
        the flow.

        Parameters
        ----------
        n_steps : int
            Points per path, including ``x0``; consecutive points are
            ``time_step_ = lag * dt`` apart.
        x0 : array-like of shape (n_features,) or (n_paths, n_features), optional
            Initial state(s), within ``state_bound_``. ``None`` starts every
            path at the mean of the training states, ``state_mean_``.
        n_paths : int, default=1
            Number of paths.
        random_state : int, SeedSequence, Generator or None
            Seeds the standard-normal draws.
        U : array-like or callable, optional
            The inputs at the ``n_steps`` points of the paths, for a model
            fitted with inputs (and only then): shape ``(n_steps, n_inputs)``
            for every path or ``(n_paths, n_steps, n_inputs)``, or a callable
            ``U(t)`` of the time ``t = k * time_step_`` since ``x0`` returning
            shape ``(n_inputs,)`` or ``(n_paths, n_inputs)``.

        Returns
        -------
        paths : ndarray of shape (n_paths, n_steps, n_features)
            ``paths[:, 0]`` equals ``x0``.
        """
        check_is_fitted(self, "flow_")
        n_steps, x, n_paths = self._check_sample_args(n_steps, x0, n_paths)
        U = self._check_sample_inputs(U, n_steps, n_paths, self.time_step_)
        d = self.n_features_in_
        if x is None:
            x = np.tile(self.state_mean_, (n_paths, 1))
        rng = np.random.default_rng(as_seed_sequence(random_state))
        paths = np.empty((n_paths, n_steps, d))
        paths[:, 0] = x
        with (
            torch_threads(self.n_jobs),
            optional_bar(self.verbose, n_steps - 1, "SFMLFlow sample", "step") as bar,
        ):
            for k in range(1, n_steps):
                z = rng.standard_normal((n_paths, d))
                if U is None:
                    x = self._step(x, z)
                else:
                    x = self._step(x, z, U[:, k - 1], U[:, k])
                paths[:, k] = x
                if bar is not None:
                    bar.update(1)
        # a flow map can run away to huge but finite states outside its data
        return check_finite_result(
            paths, what="SFMLFlow.sample", bound=getattr(self, "state_bound_", None)
        )

    def predict(self, X, U=None):
        """Conditional mean of the state ``lag`` steps after each state in ``X``.

        Estimated by Monte Carlo over 1000 draws per state (500 antithetic
        pairs from a fixed seed, so ``predict`` is deterministic; exact for
        ``flow="maf"`` in one dimension).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            States, every row on its own; a trajectory set of shape
            (n_trajectories, n_steps, n_features) is accepted too.
        U : array-like of shape X.shape[:-1] + (2, n_inputs), optional
            For a model fitted with inputs (and only then): the inputs at
            the start and at the end of the step from each state,
            ``U[..., 0, :]`` and ``U[..., 1, :]``.

        Returns
        -------
        X_next : ndarray of the same shape as ``X``
            ``E[x_{n+lag} | x_n]`` for every state ``x_n``.
        """
        check_is_fitted(self, "flow_")
        ndim = np.ndim(X)
        arr = self._check_fitted_input(X, min_steps=1)
        states = arr.reshape(-1, self.n_features_in_)
        u_now, u_next = self._predict_inputs(U, np.shape(X)[:-1], states.shape[0])
        d = self.n_features_in_
        half = _PREDICT_DRAWS // 2
        z = np.random.default_rng(_PREDICT_SEED).standard_normal((half, d))
        z = np.concatenate([z, -z])
        per_chunk = max(1, _CHUNK // _PREDICT_DRAWS)
        out = np.empty_like(states)
        for a in range(0, states.shape[0], per_chunk):
            block = states[a : a + per_chunk]
            reps = np.repeat(block, _PREDICT_DRAWS, axis=0)
            inputs = ()
            if u_now is not None:
                inputs = tuple(
                    np.repeat(u[a : a + per_chunk], _PREDICT_DRAWS, axis=0)
                    for u in (u_now, u_next)
                )
            draws = self._step(reps, np.tile(z, (block.shape[0], 1)), *inputs)
            out[a : a + per_chunk] = draws.reshape(
                block.shape[0], _PREDICT_DRAWS, d
            ).mean(axis=1)
        return out.reshape(arr.shape) if ndim == 3 else out

    def _predict_inputs(self, U, lead_shape, n_states):
        """The inputs at both ends of each state's step for ``predict``."""
        n_inputs = getattr(self, "n_inputs_in_", 0)
        check_inputs_presence(U, n_inputs, self)
        if U is None:
            return None, None
        arr = check_real_array(U, name="U", estimator=self)
        expected = tuple(lead_shape) + (2, n_inputs)
        if arr.shape != expected:
            raise ValueError(
                f"SFMLFlow: U must have shape X.shape[:-1] + (2, n_inputs) = "
                f"{expected} in predict: the inputs at the start and at the end of "
                f"the step from each state; got shape {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError("SFMLFlow: U contains NaN or infinity.")
        arr = arr.reshape(n_states, 2, n_inputs)
        return arr[:, 0], arr[:, 1]

    def score(self, X, y=None, U=None):
        """Mean one-step conditional log-likelihood of held-out trajectories.

        The mean of :math:`\\log p(x_{n+\\ell} \\mid x_n)` over every
        consecutive pair at ``lag`` in ``X``, in the data's units (the
        log-Jacobian of the standardisation is included), so it is comparable
        across models and usable by ``GridSearchCV``. Higher is better.

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps, n_features)
            Trajectories sampled every ``dt``, with ``n_steps >= lag + 1``;
            a 2-D array is one trajectory.
        y : None
            Ignored.
        U : array-like of shape (n_trajectories, n_steps, n_inputs), optional
            The inputs at every observation of ``X``, for a model fitted with
            inputs (and only then); request it with
            ``set_score_request(U=True)`` under metadata routing.

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "flow_")
        X = self._check_fitted_input(X, min_steps=self.lag + 1)
        n_inputs = getattr(self, "n_inputs_in_", 0)
        U = check_fit_inputs(U, X.shape, estimator=self, n_inputs=n_inputs)
        d = self.n_features_in_
        XU = X if U is None else np.concatenate([X, U], axis=2)
        now, nxt = extract_pairs(XU, self.lag)
        return float(
            np.mean(
                self._log_likelihood(
                    now[:, :d],
                    nxt[:, :d],
                    now[:, d:] if n_inputs else None,
                    nxt[:, d:] if n_inputs else None,
                )
            )
        )


def _flow_mean_projection(flow, cond, to_data_units, powers, state_range, rng):
    """Least-squares projection of the flow's conditional mean on the design.

    The mean of ``T^{-1}(z; c)`` over standard-normal ``z`` is estimated at
    up to ``_CALIBRATION_STATES`` rows of ``cond`` (a random subset) from
    ``_CALIBRATION_PAIRS`` antithetic pairs of draws per state, and mapped
    to data units by ``to_data_units(cond, mean)`` (the noise scale is
    linear, so the mean maps with it).

    Returns
    -------
    coef : ndarray of shape (n_terms, n_features)
        Coefficients in data units.
    """
    n = cond.shape[0]
    if n > _CALIBRATION_STATES:
        # sorted, so the subset is read in the data's order
        cond = cond[np.sort(rng.choice(n, _CALIBRATION_STATES, replace=False))]
    mean = np.zeros(cond.shape)
    with torch.no_grad():
        for a in range(0, cond.shape[0], _CHUNK):
            dist = flow(torch.as_tensor(cond[a : a + _CHUNK], dtype=_DTYPE))
            block = mean[a : a + _CHUNK]
            for _ in range(_CALIBRATION_PAIRS):
                z = rng.standard_normal(block.shape)
                for sign in (1.0, -1.0):
                    u = dist.transform.inv(torch.as_tensor(sign * z, dtype=_DTYPE))
                    block += u.numpy().astype(np.float64)
    mean /= 2 * _CALIBRATION_PAIRS
    return project_on_design(cond, to_data_units(cond, mean), powers, state_range)


def _design_rms(cond, coef, powers, state_range):
    """Root mean square over ``cond`` of the design functions times ``coef``."""
    total = np.zeros(coef.shape[1])
    for a in range(0, cond.shape[0], _CHUNK):
        values = drift_design(cond[a : a + _CHUNK], powers, state_range) @ coef
        total += np.sum(values**2, axis=0)
    return np.sqrt(total / cond.shape[0])


def _mean_scale(a):
    """Per-feature mean and standard deviation (1 where a feature is constant)."""
    mean = a.mean(axis=0)
    scale = a.std(axis=0)
    scale[~(scale > 1e-12 * (1.0 + np.abs(mean)))] = 1.0
    return mean, scale
