"""CoarseSDE: a stochastic model on a coarse mesh with auxiliary micro states."""

import logging
import numbers

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._known_inputs import (
    check_fit_inputs,
    check_inputs_presence,
)
from .._param_validation import (
    RANDOM_STATE,
    VERBOSE,
    Boolean,
    Interval,
    Options,
    SequenceOf,
)
from .._random import as_seed_sequence, named_seeds
from .._torch import (
    GradientClipping,
    LRSchedule,
    resolve_device,
    torch_seed,
    train,
)
from .._validation import (
    check_finite_result,
    check_real_array,
    check_trajectories,
)
from ..base import TrajectoryModel
from . import _solver
from ._elbo import window_elbo
from ._encoder import FieldAutoencoder
from ._layout import FieldLayout, flatten_fields, resolve_layout
from ._posterior import DeepKernelGP
from ._prior import LocalDriftSDE

__all__ = ["CoarseSDE"]

logger = logging.getLogger(__name__)

_DTYPE = torch.float32


class CoarseSDE(TransformerMixin, TrajectoryModel):
    r"""Learned stochastic multiscale model of a field on a coarse mesh.

    The fine field :math:`x` (one or more channels on a 1-D or 2-D grid) is
    encoded into a macro state :math:`z` (a learnable filter, one value per
    channel and coarse node) and a micro state :math:`w \in
    \mathbb{R}^{n_{micro}}` for the unresolved scales, which follow the prior
    SDE

    .. math::

        dz_p = f_\theta(z_{N(p)}, w)\,dt + \sigma_p\,dW_p, \qquad
        dw = g_\theta(w, z)\,dt + \sigma_w\,dW,

    with one MLP :math:`f_\theta` shared by every node :math:`p`, reading the
    ``stencil``-wide neighbourhood :math:`N(p)` of the node (a learned
    discretised PDE). Training is amortised variational inference that
    integrates no SDE (Ilersich & Nair 2025); ``n_micro=0`` gives the
    closure-only model.

    **Data layout.** ``X`` holds snapshots ``dt`` apart of a field on a
    uniform grid, in one of these forms:

    - ``(n_trajectories, n_steps, n_grid)``: one channel on a 1-D grid (the
      default reading when ``grid_shape`` and ``n_channels`` are None);
    - ``(n_trajectories, n_steps, *grid_shape)``: one channel, no channel
      axis; a 2-D grid is ``(ny, nx)``;
    - ``(n_trajectories, n_steps, n_channels, *grid_shape)``: channels first,
      when ``n_channels`` is given (e.g. the velocity pair ``(u, v)``);
    - flat, ``(n_trajectories, n_steps, n_features)`` with ``grid_shape``
      given and ``n_features = n_channels * prod(grid_shape)``, the values in
      the channels-first order above (``X.reshape(n_traj, n_steps, -1)``).

    With ``grid_shape`` given, a single trajectory (the trajectory axis left
    out) is accepted too. ``sample`` and ``inverse_transform`` return fields
    in the form ``fit`` was given, and every method accepts that form or the
    flat one. Each axis is periodic or bounded (``periodic``); a bounded axis
    (walls, inflow/outflow) is never wrapped around: filter, convolutions and
    stencil extend the field by its edge value there.

    **Known inputs.** Parameters that differ between runs (a viscosity) and a
    forcing in time are passed as ``U`` to :meth:`fit`, :meth:`sample` and
    :meth:`score` (see the :ref:`User Guide <inputs>`): ``U`` of shape
    ``(n_trajectories, n_steps, n_inputs)``, or ``(n_trajectories,
    n_inputs)`` for parameters constant in time. They are standardised and
    enter both drifts, :math:`f_\theta(z_{N(p)}, w, u(t))` and
    :math:`g_\theta(w, z, u(t))`, as in the authors' parametrised, forced
    models (``visde``), linearly interpolated between snapshots; the
    encoder, decoder and diffusion do not depend on them, so
    :meth:`transform` and :meth:`inverse_transform` take none.

    Read more in the :ref:`User Guide <coarse_sde>`.

    Parameters
    ----------
    grid_shape : tuple of int, default=None
        Grid points per spatial axis (1 or 2 axes). None: read from ``X``
        (its last axis for 3-D ``X`` without ``n_channels``, else every axis
        after the step axis and the channel axis).
    n_channels : int, default=None
        None: ``X`` has no channel axis (one channel). An int: the number of
        channels, on the axis just after the step axis (channels first).
    periodic : bool or tuple of bool, default=True
        Whether the field wraps around, for every axis or per axis.
    n_coarse : int or tuple of int, default=20
        Coarse nodes per axis (one int for every axis); each must divide the
        grid points of its axis.
    n_micro : int, default=5
        Dimension of the auxiliary micro state; 0 is the closure-only model.
    stencil : int, default=5
        Odd width of the coarse stencil the shared drift reads (on a 2-D mesh
        a ``stencil x stencil`` square).
    node_position : bool, default=False
        Also give the shared drift the coordinates of its node (scaled to
        [-1, 1] per axis), so that it may differ across the domain, as the
        authors' model of the cylinder wake does: for flows that are not
        homogeneous in space (a wake behind an obstacle, a boundary layer).
        False keeps the drift translation invariant, like a discretised PDE
        with constant coefficients.
    hidden_layers : tuple of int, default=(64, 64)
        Hidden widths of the drift networks.
    window : int, default=16
        Snapshots per training window (each trajectory needs at least this many).
    n_quadrature : int, default=16
        Random quadrature times per window for the KL integral.
    dt : float, default=1.0
        Snapshot interval. The model's time unit is one snapshot interval; ``dt``
        only converts the fitted diffusion to physical time (``diffusion_``).
    max_epochs : int, default=300
    batches_per_epoch : int, default=20
        Gradient steps per epoch (each on ``batch_size`` random windows).
    batch_size : int, default=16
        Windows per gradient step.
    learning_rate : float, default=3e-3
        Adam step size, decayed exponentially to a tenth of it over training.
    beta_warmup : int, default=50
        Epochs over which the KL weight rises linearly from 0 to 1.
    n_substeps : int, default=4
        Integrator steps per snapshot interval in :meth:`sample`.
    integrator : {"heun", "euler"}, default="heun"
        Fixed-step scheme of :meth:`sample` for the latent SDE (whose noise is
        additive): "heun" (stochastic Heun, two drift evaluations per step)
        or "euler" (Euler-Maruyama, one: what ``sample`` did before this
        parameter, and what models pickled before it keep).
        Euler adds energy to oscillating and advected fields, a factor
        (1 + w^2 h^2)^(1/2) per step on a mode of frequency w: on the
        cylinder wake its error still moves between 16 and 64 steps, while
        Heun's agrees at 4, 8 and 16. Training never integrates the SDE, so
        both ``n_substeps`` and ``integrator`` may be changed after ``fit``.
    device : str, default="cpu"
        Torch device for training; fitted modules are kept on the CPU.
    random_state : None, int, SeedSequence or Generator
        Seeds the network initialisation, the window draws and the training
        noise.
    verbose : int, default=0
        Progress bar over epochs when > 0.

    Attributes
    ----------
    n_features_in_ : int
        Values per snapshot, ``n_channels * prod(grid_shape)``.
    grid_shape_ : tuple of int
        Grid points per axis.
    n_channels_ : int
        Channels of the field.
    field_shape_ : tuple of int
        Shape of one snapshot in the form ``fit`` was given (flat:
        ``(n_features_in,)``); ``sample`` returns fields of this shape.
    n_coarse_ : tuple of int
        Coarse nodes per axis.
    periodic_ : tuple of bool
        Whether each axis is periodic.
    state_bound_ : float
        Largest ``|x|`` the model is trusted at: the fields' range plus 100
        spreads (see :func:`skrom.base.state_bound`).
    n_inputs_in_ : int
        Number of known inputs the model was fitted with (0: none).
    input_mean_, input_scale_ : ndarray of shape (n_inputs_in,)
        Standardisation of the inputs (empty without inputs; a scale of 1
        for an input constant over the training set).
    n_latent_ : int
        ``n_channels * prod(n_coarse) + n_micro``: the macro states, channels
        first in the order of the coarse mesh, then the micro states.
    autoencoder_ : torch.nn.Module
        Filter, micro encoder and decoders.
    posterior_ : torch.nn.Module
        Deep-kernel GP of the amortised posterior.
    sde_ : torch.nn.Module
        Drift and diffusion of the prior SDE.
    field_mean_ : float or ndarray of shape (n_channels,)
        Mean of the training fields (fields are normalised internally); per
        channel when there are several.
    field_scale_ : float or ndarray of shape (n_channels,)
        Standard deviation of the training fields (per channel likewise).
    init_field_ : ndarray of shape ``field_shape_``
        Mean initial field of the training trajectories; ``sample``'s default ``x0``.
    diffusion_ : ndarray of shape (n_latent,)
        Diffusion per unit physical time, in normalised latent units.
    history_ : list of dict
        Per epoch: ``elbo``, ``log_lik``, ``kl`` (per snapshot), ``beta``, ``lr``.

    See Also
    --------
    skrom.datasets.make_burgers_1d : Fine-grid Burgers data for this model.
    skrom.datasets.simulate_coarse_burgers_1d : The under-resolved baseline.

    References
    ----------
    .. [1] A. Ilersich and P. B. Nair, "Learning stochastic multiscale models",
       NeurIPS 2025, arXiv:2506.22655.
    .. [2] K. Course and P. B. Nair, "Amortized reparametrization: efficient and
       scalable variational inference for latent SDEs", NeurIPS 2023.

    Examples
    --------
    >>> from skrom.datasets import make_burgers_1d
    >>> from skrom.coarse import CoarseSDE
    >>> X = make_burgers_1d(2, 12, n_grid=100, random_state=0)
    >>> model = CoarseSDE(n_coarse=10, n_micro=2, window=6, max_epochs=2,
    ...                   batches_per_epoch=2, batch_size=4, random_state=0).fit(X)
    >>> model.transform(X).shape
    (2, 12, 12)
    >>> model.sample(5, x0=X[0, 0], n_paths=3, random_state=0).shape
    (3, 5, 100)

    Conditioned on the viscosity of each run, given per trajectory:

    >>> data = make_burgers_1d(4, 12, n_grid=100, nu=(3e-4, 1e-3),
    ...                        random_state=0, return_bunch=True)
    >>> model = CoarseSDE(n_coarse=10, n_micro=2, window=6, max_epochs=2,
    ...                   batches_per_epoch=2, batch_size=4, random_state=0)
    >>> model = model.fit(data.X, U=data.nu[:, None])
    >>> model.n_inputs_in_
    1
    >>> model.sample(5, x0=data.X[0, 0], U=lambda t: [6e-4]).shape
    (1, 5, 100)

    A velocity pair on a 16 x 8 grid, bounded in y, periodic in x:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> U = rng.standard_normal((2, 8, 2, 16, 8))
    >>> model = CoarseSDE(n_channels=2, periodic=(False, True), n_coarse=(4, 2),
    ...                   n_micro=1, stencil=1, window=4, max_epochs=1,
    ...                   batches_per_epoch=1, batch_size=2, random_state=0).fit(U)
    >>> model.sample(3, x0=U[0, 0], random_state=0).shape
    (1, 3, 2, 16, 8)
    """

    _parameter_constraints = {
        "grid_shape": [None, SequenceOf(Interval(numbers.Integral, 1, None))],
        "n_channels": [None, Interval(numbers.Integral, 1, None)],
        "periodic": [Boolean(), SequenceOf(Boolean())],
        "n_coarse": [
            Interval(numbers.Integral, 1, None),
            SequenceOf(Interval(numbers.Integral, 1, None)),
        ],
        "n_micro": [Interval(numbers.Integral, 0, None)],
        # odd, and at most n_coarse: checked in fit
        "stencil": [Interval(numbers.Integral, 1, None)],
        "node_position": [Boolean()],
        "hidden_layers": [SequenceOf(Interval(numbers.Integral, 1, None))],
        "window": [Interval(numbers.Integral, 3, None)],
        "n_quadrature": [Interval(numbers.Integral, 1, None)],
        "dt": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 1, None)],
        "batches_per_epoch": [Interval(numbers.Integral, 1, None)],
        "batch_size": [Interval(numbers.Integral, 1, None)],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "beta_warmup": [Interval(numbers.Integral, 0, None)],
        "n_substeps": [Interval(numbers.Integral, 1, None)],
        "integrator": [Options(_solver.SCHEMES)],
        # resolved against the torch build in fit (resolve_device)
        "device": "no_validation",
        "random_state": RANDOM_STATE,
        "verbose": VERBOSE,
    }

    # pickles from before these parameters load with their old behaviour
    _parameters_added = {"node_position": False, "integrator": "euler"}

    def __init__(
        self,
        *,
        grid_shape=None,
        n_channels=None,
        periodic=True,
        n_coarse=20,
        n_micro=5,
        stencil=5,
        node_position=False,
        hidden_layers=(64, 64),
        window=16,
        n_quadrature=16,
        dt=1.0,
        max_epochs=300,
        batches_per_epoch=20,
        batch_size=16,
        learning_rate=3e-3,
        beta_warmup=50,
        n_substeps=4,
        integrator="heun",
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.grid_shape = grid_shape
        self.n_channels = n_channels
        self.periodic = periodic
        self.n_coarse = n_coarse
        self.n_micro = n_micro
        self.stencil = stencil
        self.node_position = node_position
        self.hidden_layers = hidden_layers
        self.window = window
        self.n_quadrature = n_quadrature
        self.dt = dt
        self.max_epochs = max_epochs
        self.batches_per_epoch = batches_per_epoch
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.beta_warmup = beta_warmup
        self.n_substeps = n_substeps
        self.integrator = integrator
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit --
    def fit(self, X, y=None, U=None):
        """Fit the encoder, decoder, posterior and prior SDE by maximising the ELBO.

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps) + field_shape
            Snapshots of a field on a uniform grid, ``dt`` apart, in one of
            the forms of the class docstring (``(n_trajectories, n_steps,
            n_grid)`` for one channel on a 1-D grid).
        y : None
            Ignored.
        U : array-like of shape (n_trajectories, n_steps, n_inputs), optional
            Known inputs at every snapshot of ``X`` (a forcing; a parameter
            is a column constant in time), or of shape ``(n_trajectories,
            n_inputs)``: parameters constant in time. The drift is then
            conditioned on them. With scikit-learn's metadata routing
            enabled, request it with ``set_fit_request(U=True)`` to have it
            split with ``X``.

        Returns
        -------
        self : CoarseSDE
        """
        self._validate_params()
        n_micro = int(self.n_micro)
        stencil, window = int(self.stencil), int(self.window)
        hidden = tuple(int(h) for h in self.hidden_layers)
        if stencil % 2 == 0:
            raise ValueError(f"stencil must be odd, got {stencil}.")
        device = resolve_device(self.device)
        arr = check_real_array(X, estimator=self)
        params = dict(
            grid_shape=self.grid_shape,
            n_channels=self.n_channels,
            n_coarse=self.n_coarse,
            periodic=self.periodic,
        )
        if self.grid_shape is None and self.n_channels is None and arr.ndim <= 3:
            X = check_trajectories(arr, min_steps=window, estimator=self)
            layout = resolve_layout(X.shape, **params)
        else:
            layout = resolve_layout(arr.shape, **params)
            X = check_trajectories(
                flatten_fields(arr, layout, estimator=self),
                min_steps=window,
                estimator=self,
            )
        n_traj, n_steps, n_grid = X.shape
        U = self._check_inputs(U, X.shape)
        n_inputs = 0 if U is None else U.shape[2]
        if stencil > min(layout.n_coarse):
            shown = layout.n_coarse if len(layout.n_coarse) > 1 else layout.n_coarse[0]
            raise ValueError(f"stencil={stencil} exceeds n_coarse={shown}.")
        self._set_fit_context(X)
        self.grid_shape_, self.n_channels_ = layout.grid_shape, layout.n_channels
        self.field_shape_, self.n_coarse_ = layout.field_shape, layout.n_coarse
        self.periodic_ = layout.periodic
        n_macro = layout.n_macro

        if layout.n_channels == 1:
            self.field_mean_ = float(X.mean())
            scale = float(X.std())
            self.field_scale_ = scale if scale > 0 else 1.0
        else:
            by_channel = X.reshape(n_traj, n_steps, layout.n_channels, -1)
            self.field_mean_ = by_channel.mean(axis=(0, 1, 3))
            scale = by_channel.std(axis=(0, 1, 3))
            self.field_scale_ = np.where(scale > 0, scale, 1.0)
        Xn = self._normalise(X)
        self.n_inputs_in_ = n_inputs
        if U is None:
            self.input_mean_, self.input_scale_ = np.zeros(0), np.ones(0)
        else:
            self.input_mean_ = U.mean(axis=(0, 1))
            scale = U.std(axis=(0, 1))
            self.input_scale_ = np.where(scale > 0, scale, 1.0)
        rate = float(np.std(np.diff(Xn, axis=1)))
        rate = max(rate, 1e-3)

        seq = as_seed_sequence(self.random_state)
        window_seed, torch_seq = named_seeds(seq, ("windows", "torch"))
        rng = np.random.default_rng(window_seed)
        with torch_seed(torch_seq):
            autoencoder = FieldAutoencoder(layout, n_micro).to(device)
            gp = DeepKernelGP(window).to(device)
            sde = LocalDriftSDE(
                layout,
                n_micro,
                stencil,
                hidden,
                rate,
                n_inputs,
                node_position=bool(self.node_position),
            ).to(device)
            data = torch.as_tensor(Xn, dtype=_DTYPE, device=device)
            inputs = None
            if n_inputs:
                inputs = torch.as_tensor(
                    self._normalise_inputs(U), dtype=_DTYPE, device=device
                )
            offsets = torch.arange(window, device=device)
            n_latent = n_macro + n_micro
            B, Q = self.batch_size, self.n_quadrature

            def beta_at(epoch):
                return min(1.0, (epoch + 1) / max(self.beta_warmup, 1e-12))

            def batches(epoch):
                # the windows and noises are drawn in the step
                return [(beta_at(epoch), 1)] * self.batches_per_epoch

            def negative_elbo(beta):
                traj = torch.as_tensor(rng.integers(0, n_traj, B), device=device)
                start = torch.as_tensor(
                    rng.integers(0, n_steps - window + 1, B), device=device
                )
                xb = data[traj[:, None], start[:, None] + offsets]
                ub = None
                if inputs is not None:
                    ub = inputs[traj[:, None], start[:, None] + offsets]
                # stratified quadrature times: one uniform draw per sub-interval
                u = torch.rand(B, Q, dtype=_DTYPE, device=device)
                tau = (torch.arange(Q, device=device) + u) * ((window - 1) / Q)
                eps_obs = torch.randn(B, window, n_latent, dtype=_DTYPE, device=device)
                eps_quad = torch.randn(B, Q, n_latent, dtype=_DTYPE, device=device)
                elbo, log_lik, kl = window_elbo(
                    autoencoder, gp, sde, xb, tau, eps_obs, eps_quad, beta, ub
                )
                return -elbo, torch.stack((elbo, log_lik, kl)).detach()

            gamma = 0.1 ** (1.0 / self.max_epochs)
            logger.info(
                "CoarseSDE: maximising the ELBO on %d trajectories x %d snapshots "
                "of %d values (%d macro + %d micro states), %d epochs of "
                "%d x %d windows",
                n_traj,
                n_steps,
                n_grid,
                n_macro,
                n_micro,
                self.max_epochs,
                self.batches_per_epoch,
                self.batch_size,
            )
            log = train(
                # the optimizer sees the three modules' parameters in order
                torch.nn.ModuleList([autoencoder, gp, sde]),
                negative_elbo,
                batches,
                max_epochs=self.max_epochs,
                learning_rate=self.learning_rate,
                callbacks=[
                    GradientClipping(1e3),
                    LRSchedule(
                        lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma)
                    ),
                ],
                metric_names=("elbo", "log_lik", "kl"),
                name=type(self).__name__,
                divergence_hint="or check the data scale",
                verbose=self.verbose,
            )
            self.history_ = [
                dict(
                    epoch=e["epoch"],
                    elbo=e["elbo"],
                    log_lik=e["log_lik"],
                    kl=e["kl"],
                    beta=beta_at(e["epoch"]),
                    lr=e["lr"],
                )
                for e in log
            ]

        self.autoencoder_ = autoencoder.cpu().eval()
        self.posterior_ = gp.cpu().eval()
        self.sde_ = sde.cpu().eval()
        for module in (self.autoencoder_, self.posterior_, self.sde_):
            module.requires_grad_(False)
        self.n_features_in_ = n_grid
        self.n_latent_ = n_macro + n_micro
        self.init_field_ = X[:, 0].mean(axis=0).reshape(layout.field_shape)
        self.diffusion_ = self.sde_.diffusion.double().numpy() / np.sqrt(float(self.dt))
        return self

    # --------------------------------------------------------------- inputs --
    def _check_inputs(self, U, X_shape, n_inputs=None):
        """Inputs aligned with trajectories ``X_shape``, as (n_traj, n_steps, n_inputs).

        A 2-D ``U`` with one row per trajectory holds parameters constant in
        time (for a single trajectory, a 2-D ``U`` with one row per snapshot
        is its forcing, as everywhere else).
        """
        n_traj, n_steps = X_shape[:2]
        if U is not None and not callable(U):
            arr = np.asarray(U)
            # one row for a single trajectory is a parameter unless it has one step
            if arr.ndim == 2 and arr.shape[0] == n_traj and (n_traj > 1 or n_steps > 1):
                U = np.repeat(arr[:, None, :], n_steps, axis=1)
            elif arr.ndim == 2 and n_traj > 1:
                raise ValueError(
                    f"{type(self).__name__}: U must have shape (n_trajectories, "
                    f"n_steps, n_inputs) = ({n_traj}, {n_steps}, n_inputs), or "
                    f"({n_traj}, n_inputs) for parameters constant in time; got "
                    f"shape {arr.shape}."
                )
        return check_fit_inputs(U, X_shape, estimator=self, n_inputs=n_inputs)

    def _normalise_inputs(self, U):
        return (U - self.input_mean_) / self.input_scale_

    # ------------------------------------------------------------ inference --
    def _layout(self):
        return FieldLayout(
            self.grid_shape_,
            self.n_channels_,
            self.field_shape_,
            self.n_coarse_,
            self.periodic_,
        )

    def _stats(self, per):
        """Mean and scale broadcastable over ``per`` values of each channel."""
        if np.ndim(self.field_mean_) == 0:
            return self.field_mean_, self.field_scale_
        return np.repeat(self.field_mean_, per), np.repeat(self.field_scale_, per)

    def _normalise(self, X):
        mean, scale = self._stats(X.shape[-1] // self.n_channels_)
        return (X - mean) / scale

    def _normalised(self, X):
        return torch.as_tensor(self._normalise(X), dtype=_DTYPE)

    def _flat(self, X, name="X"):
        """Fields in the fitted form or flat -> flat, as given otherwise."""
        return flatten_fields(X, self._layout(), name=name, estimator=self)

    def _code_to_output(self, codes):
        out = codes.double().numpy()
        n_macro = self.n_latent_ - self.n_micro
        mean, scale = self._stats(n_macro // self.n_channels_)
        out[..., :n_macro] = out[..., :n_macro] * scale + mean
        return out

    def _to_fields(self, X):
        return X.reshape(X.shape[:-1] + tuple(self.field_shape_))

    def transform(self, X):
        """Encode fields into the coarse + micro state (posterior mean codes).

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps) + field_shape
            Fields in the form given to ``fit`` or flat; without the
            trajectory axis for a single trajectory.

        Returns
        -------
        Z : ndarray of shape (n_trajectories, n_steps, n_latent)
            2-D for a single trajectory. The first ``n_latent - n_micro``
            columns are the filtered field at the coarse nodes (channels
            first, then the coarse mesh in C order), in the units of ``X``;
            the rest is the micro state.
        """
        check_is_fitted(self)
        Xf = self._flat(X)
        X3 = check_trajectories(
            Xf, min_steps=1, n_features=self.n_features_in_, estimator=self
        )
        with torch.no_grad():
            Z = self._code_to_output(self.autoencoder_.encode(self._normalised(X3)))
        return Z[0] if Xf.ndim == 2 else Z

    def inverse_transform(self, Z):
        """Decode coarse + micro states (as returned by :meth:`transform`) to fields.

        Parameters
        ----------
        Z : array-like of shape (n_trajectories, n_steps, n_latent) or 2-D

        Returns
        -------
        X : ndarray of shape ``(n_trajectories, n_steps) + field_shape_``
            Without the trajectory axis for 2-D input.
        """
        check_is_fitted(self)
        Z3 = check_trajectories(
            Z, min_steps=1, n_features=self.n_latent_, name="Z", estimator=self
        )
        n_macro = self.n_latent_ - self.n_micro
        mean, scale = self._stats(n_macro // self.n_channels_)
        Z3[..., :n_macro] = (Z3[..., :n_macro] - mean) / scale
        with torch.no_grad():
            mean, _ = self.autoencoder_.decode(torch.as_tensor(Z3, dtype=_DTYPE))
        X = self._to_fields(self._denormalise(mean.double().numpy()))
        return X[0] if np.asarray(Z).ndim == 2 else X

    def _denormalise(self, Xn):
        mean, scale = self._stats(Xn.shape[-1] // self.n_channels_)
        return Xn * scale + mean

    def sample(
        self,
        n_steps,
        x0=None,
        n_paths=1,
        random_state=None,
        U=None,
        *,
        observation_noise=False,
    ):
        """Predict fine fields by integrating the learned SDE from an initial field.

        ``x0`` is encoded, its code perturbed by a draw from the encoder's
        posterior variance, and the latent SDE integrated by ``integrator``
        (``n_substeps`` steps per snapshot interval); every latent state is decoded
        to the mean of p(x | z), a noise-free field, to which
        ``observation_noise`` adds a draw of the decoder's noise.

        Parameters
        ----------
        n_steps : int
            Snapshots per path, the first being ``x0``.
        x0 : array-like of shape ``field_shape_`` or ``(n_paths,) + field_shape_``, optional
            Initial field(s) (or flat, ``(n_features_in_,)`` per path), within
            ``state_bound_``; defaults to ``init_field_``.
        n_paths : int, default=1
        random_state : None, int, SeedSequence or Generator
        U : array-like or callable, optional
            The inputs at the ``n_steps`` snapshots of the paths, for a model
            fitted with inputs (and only then): shape ``(n_steps, n_inputs)``
            for every path or ``(n_paths, n_steps, n_inputs)``, or a callable
            ``U(t)`` of the time ``t = k * dt`` since ``x0`` returning shape
            ``(n_inputs,)`` or ``(n_paths, n_inputs)`` (a parameter:
            ``U=lambda t: [nu]``).
        observation_noise : bool, default=False
            False: the decoded means, smooth fields whose spread across paths
            is that of the latent state alone. True: each field plus a draw
            of p(x | z)'s noise (the unresolved scales the decoder cannot
            place, and the data's noise): draws of the predictive
            distribution of the observed field, whose percentile bands are
            the ones to quote (2-D Burgers, 800 epochs, Heun at 4 substeps:
            the 5-95% band of 16 paths holds 47% of the held-out truth
            without, 92% with). The latent paths
            are the same for either value and one ``random_state``; the
            first snapshot stays ``x0``.

        Returns
        -------
        X : ndarray of shape ``(n_paths, n_steps) + field_shape_``
        """
        check_is_fitted(self, "sde_")
        # n_substeps and integrator may be set after fit: check them here
        self._validate_params()
        if not isinstance(observation_noise, (bool, np.bool_)):
            raise TypeError(
                f"observation_noise must be True or False, got {observation_noise!r}."
            )
        x0 = self.init_field_ if x0 is None else x0
        if len(self.field_shape_) > 1:
            x0 = self._flat(x0, name="x0")
        n_steps, x0, n_paths = self._check_sample_args(n_steps, x0, n_paths)
        U = self._check_sample_inputs(U, n_steps, n_paths)
        inputs = None
        if U is not None:
            inputs = torch.as_tensor(self._normalise_inputs(U), dtype=_DTYPE)
        rng = np.random.default_rng(as_seed_sequence(random_state))
        with torch.no_grad():
            code = self.autoencoder_.encode(self._normalised(x0))
            std = self.autoencoder_.enc_var.sqrt()
            noise = torch.as_tensor(rng.standard_normal(code.shape), dtype=_DTYPE)
            z0 = code + std * noise
            Z = _solver.integrate(
                self.sde_.drift,
                self.sde_.diffusion,
                z0,
                n_steps,
                self.n_substeps,
                rng,
                inputs,
                scheme=self.integrator,
            )
            fields, var = self.autoencoder_.decode(Z)
            if observation_noise:
                # drawn after the latent noise, so the paths do not move
                eps = torch.as_tensor(rng.standard_normal(fields.shape), dtype=_DTYPE)
                fields = fields + var.sqrt() * eps
        X = self._denormalise(fields.double().numpy())
        X[:, 0] = x0
        # a learned drift can run away to huge but finite fields (KdV with one
        # micro state reached 1e17): refuse them like NaN
        bound = getattr(self, "state_bound_", None)
        X = check_finite_result(X, what="CoarseSDE.sample", bound=bound)
        return self._to_fields(X)

    def score(self, X, y=None, U=None):
        """ELBO per snapshot on held-out trajectories (higher is better).

        Each trajectory is tiled by windows of ``window`` snapshots (the last
        aligned with its end); the reconstruction and KL terms use fixed
        quadrature nodes and a fixed seed, so the score is deterministic.

        Parameters
        ----------
        X : array-like of shape (n_trajectories, n_steps) + field_shape
            Fields in the form given to ``fit`` or flat, with
            ``n_steps >= window``.
        y : None
            Ignored.
        U : array-like of shape (n_trajectories, n_steps, n_inputs), optional
            The inputs at every snapshot of ``X`` (or ``(n_trajectories,
            n_inputs)`` parameters), for a model fitted with inputs (and only
            then); request it with ``set_score_request(U=True)`` under
            metadata routing.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        W = self.window
        n_inputs = getattr(self, "n_inputs_in_", 0)
        check_inputs_presence(U, n_inputs, self)
        X = check_trajectories(
            self._flat(X), min_steps=W, n_features=self.n_features_in_, estimator=self
        )
        U = self._check_inputs(U, X.shape, n_inputs)
        n_steps = X.shape[1]
        starts = list(range(0, n_steps - W + 1, W - 1))
        if starts[-1] != n_steps - W:
            starts.append(n_steps - W)
        idx = np.asarray(starts)[:, None] + np.arange(W)
        windows = self._normalised(X[:, idx].reshape(-1, W, X.shape[2]))
        u_windows = None
        if U is not None:
            u_windows = torch.as_tensor(
                self._normalise_inputs(U[:, idx].reshape(-1, W, n_inputs)),
                dtype=_DTYPE,
            )
        Q = self.n_quadrature
        gen = torch.Generator().manual_seed(0)
        total, count = 0.0, 0
        with torch.no_grad():
            for a in range(0, windows.shape[0], 64):
                xb = windows[a : a + 64]
                B = xb.shape[0]
                tau = ((torch.arange(Q) + 0.5) * ((W - 1) / Q)).expand(B, Q)
                eps_obs = torch.randn(B, W, self.n_latent_, generator=gen, dtype=_DTYPE)
                eps_quad = torch.randn(
                    B, Q, self.n_latent_, generator=gen, dtype=_DTYPE
                )
                elbo, _, _ = window_elbo(
                    self.autoencoder_,
                    self.posterior_,
                    self.sde_,
                    xb,
                    tau,
                    eps_obs,
                    eps_quad,
                    1.0,
                    None if u_windows is None else u_windows[a : a + 64],
                )
                total += elbo.item() * B
                count += B
        # undo the normalisation's Jacobian so the ELBO is of the data as given
        if np.ndim(self.field_scale_) == 0:
            log_scale = self.n_features_in_ * np.log(self.field_scale_)
        else:
            n_grid = self.n_features_in_ // self.n_channels_
            log_scale = n_grid * float(np.sum(np.log(self.field_scale_)))
        per_snapshot = total / count - log_scale
        return float(per_snapshot)
