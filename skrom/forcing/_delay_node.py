"""DelayNODEForcing: a neural ODE on delay vectors of a (residual forcing) series."""

import logging
import numbers

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .._mlp_kernels import pack_mlp
from .._param_validation import (
    RANDOM_STATE,
    VERBOSE,
    Boolean,
    Interval,
    Options,
    SequenceOf,
)
from .._random import as_seed_sequence
from .._torch import ACTIVATIONS, resolve_device, torch_seed
from .._validation import (
    check_finite_result,
    check_int,
    check_real_array,
    check_trajectories,
)
from ..base import TrajectoryModel
from ._delay_embedding import decorrelation_lag, delay_embed, embedding_span
from ._node import DelayVectorField, train_trajectory_matching, window_weights
from ._node_kernels import NodeKernel, node_rollout

__all__ = ["DelayNODEForcing"]

logger = logging.getLogger(__name__)

# delay vectors kept from the training data to start sample() paths from
_N_BANK = 4096
# forecasts started per held-out series in score()
_N_SCORE_STARTS = 512
# precision of the neural ODE's training (the fitted field is float64)
_TRAIN_DTYPE = torch.float64


class DelayNODEForcing(TrajectoryModel):
    r"""Neural-ODE surrogate of a chaotic forcing series, on its delay vectors.

    The series :math:`y(t)` (typically the residual forcing of a slow
    variable, see :class:`skrom.hybrid.HybridLangevinROM`) is standardised and
    delay-embedded,
    :math:`z(t) = (y(t), y(t - \tau), \dots, y(t - (m - 1)\tau))`, and a
    neural ODE :math:`\dot z = g_\theta(z) / T` is fitted to the embedded
    trajectories by trajectory matching on short windows (Del Felice &
    Giorgini 2025), :math:`T` being the decorrelation time of :math:`y`.
    :meth:`predict` and :meth:`sample` run the fitted field in a numba RK4
    kernel.

    Read more in the :ref:`User Guide <delay_node_forcing>`.

    Parameters
    ----------
    delay : float or None, default=None
        Lag :math:`\tau` in time units, rounded to a whole number (>= 1) of
        sampling steps. None chooses it from the autocorrelation.
    delay_fraction : float, default=0.25
        Fraction of the decorrelation time used as the lag when ``delay`` is None.
    n_delays : int, default=10
        Embedding dimension :math:`m` (delayed copies of each feature).
    hidden_layers : tuple of int, default=(256, 256)
        Widths of the MLP's hidden layers.
    activation : str, default="swish"
        Hidden activation: one of "swish", "silu", "tanh", "relu", "elu",
        "gelu", "softplus".
    coupled : bool, default=False
        Learn only :math:`\dot z_1` and chain the older blocks (cheaper).
    symmetric : bool, default=False
        Make the field odd, for a series whose statistics are symmetric under
        ``y -> -y``; the series is then scaled about zero, not its mean.
    window : int, default=60
        Steps of each training window (the paper's, for data sampled every
        0.001); keep ``window * dt`` below about one Lyapunov time of the
        forcing.
    window_decay : float, default=3.0
        Decay rate λ of the loss weights along a window (0 = uniform).
    n_windows : int, default=1024
        Training windows drawn at random per fit; an epoch visits each once.
    dt : float, default=0.01
        Sampling interval of the series (also the RK4 step).
    max_epochs : int, default=100
        Passes over the training windows.
    batch_size : int, default=64
        Windows per Adam step.
    learning_rate : float, default=1e-3
        Initial Adam learning rate (cosine decay to 1/100 of it).
    device : str, default="cpu"
        Torch device for training; the fitted module is kept on the CPU.
    random_state : None, int, SeedSequence or Generator, default=None
        Seeds the initial weights, the windows and their order.
    verbose : int, default=0
        Show a progress bar over the epochs when > 0.

    Attributes
    ----------
    n_features_in_ : int
        Features of the series, :math:`d`.
    mean_ : ndarray of shape (n_features,)
        Mean removed before embedding (zero when ``symmetric``).
    scale_ : ndarray of shape (n_features,)
        Root-mean-square deviation from ``mean_``, divided out before embedding.
    decorrelation_time_ : float
        Time at which the autocorrelation first falls below 0.2 (also :math:`T`).
    delay_ : float
        Lag :math:`\tau` used, a whole multiple of ``dt``.
    lag_ : int
        The lag in sampling steps.
    n_state_ : int
        Length of a delay vector, ``n_delays * n_features_in_``: the number
        of columns of :meth:`predict`'s input and of ``sample``'s ``x0``.
    state_bound_ : float
        Largest ``|y|`` the model is trusted at: the series' range plus 100
        spreads (see :func:`skrom.base.state_bound`).
    confinement_radius_ : float
        Radius :math:`R` beyond which the field pulls the state back (1.5
        times the largest standardised training value).
    module_ : torch.nn.Module
        The fitted vector field (on the CPU).
    mlp_pack_ : MLPPack
        The MLP's weights as plain arrays, for the numba kernels.
    node_kernel_ : NodeKernel
        Everything the numba RK4 kernels read of the fitted field (its
        ``net`` is ``mlp_pack_``), built once here; see
        :class:`skrom.forcing._node_kernels.NodeKernel`.
    initial_states_ : ndarray of shape (n_bank, n_state)
        Standardised delay vectors of the training data that :meth:`sample`
        starts from when no ``x0`` is given.
    history_ : list of dict
        Per-epoch training loss (weighted MSE in standardised units).

    See Also
    --------
    skrom.hybrid.HybridLangevinROM : Langevin slow dynamics driven by this forcing.

    References
    ----------
    G. Del Felice and L. T. Giorgini, "Integrating score-based generative
    modeling and neural ODEs for accurate representation of multiscale
    chaotic dynamics", arXiv:2511.03862 (2025).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.forcing import DelayNODEForcing
    >>> t = np.arange(300) * 0.05
    >>> Y = np.sin(t)[:, None]
    >>> node = DelayNODEForcing(dt=0.05, n_delays=3, hidden_layers=(16,), window=5,
    ...                         n_windows=32, max_epochs=2, random_state=0).fit(Y)
    >>> node.sample(50, n_paths=2, random_state=0).shape
    (2, 50, 1)
    >>> X0 = np.array([[0.0, -0.5, -0.8]])
    >>> node.predict(X0, n_steps=5).shape
    (1, 5, 1)
    """

    _parameter_constraints = {
        "delay": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "delay_fraction": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_delays": [Interval(numbers.Integral, 1, None)],
        "hidden_layers": [
            Interval(numbers.Integral, 1, None),
            SequenceOf(Interval(numbers.Integral, 1, None)),
        ],
        "activation": [Options(sorted(ACTIVATIONS))],
        "coupled": [Boolean()],
        "symmetric": [Boolean()],
        "window": [Interval(numbers.Integral, 1, None)],
        "window_decay": [Interval(numbers.Real, 0, None)],
        "n_windows": [Interval(numbers.Integral, 1, None)],
        "dt": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 1, None)],
        "batch_size": [Interval(numbers.Integral, 1, None)],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        # resolved against the torch build in fit (resolve_device)
        "device": "no_validation",
        "random_state": RANDOM_STATE,
        "verbose": VERBOSE,
    }

    def __init__(
        self,
        *,
        delay=None,
        delay_fraction=0.25,
        n_delays=10,
        hidden_layers=(256, 256),
        activation="swish",
        coupled=False,
        symmetric=False,
        window=60,
        window_decay=3.0,
        n_windows=1024,
        dt=0.01,
        max_epochs=100,
        batch_size=64,
        learning_rate=1e-3,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.delay = delay
        self.delay_fraction = delay_fraction
        self.n_delays = n_delays
        self.hidden_layers = hidden_layers
        self.activation = activation
        self.coupled = coupled
        self.symmetric = symmetric
        self.window = window
        self.window_decay = window_decay
        self.n_windows = n_windows
        self.dt = dt
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def _validate_series(self, Y, *, name, n_features=None, min_steps=2):
        return check_trajectories(
            Y,
            min_steps=min_steps,
            name=name,
            n_features=n_features,
            estimator=self,
            needed_for=f"n_delays={self.n_delays}, the lag and window={self.window}",
        )

    def fit(self, Y, y=None):
        """Fit the neural ODE to the delay-embedded series ``Y``.

        Parameters
        ----------
        Y : array-like of shape (n_trajectories, n_steps, n_features)
            Series sampled every ``dt``; a 2-D array ``(n_steps, n_features)``
            is one trajectory.
        y : None
            Ignored.

        Returns
        -------
        self : DelayNODEForcing
        """
        self._validate_params()
        dt, n_delays, window = float(self.dt), int(self.n_delays), int(self.window)
        hidden = self.hidden_layers
        hidden = (
            (int(hidden),)
            if isinstance(hidden, numbers.Integral)
            else tuple(int(h) for h in hidden)
        )
        device = resolve_device(self.device)
        Y = self._validate_series(Y, name="Y", min_steps=window + 2)
        self._set_fit_context(Y)
        d = Y.shape[2]
        # a symmetric forcing is odd about zero, not about the sample mean
        mean = np.zeros(Y.shape[2]) if self.symmetric else Y.mean(axis=(0, 1))
        scale = np.sqrt(np.mean((Y - mean) ** 2, axis=(0, 1)))
        scale[scale <= 1e-12 * np.maximum(1.0, np.abs(mean))] = 1.0
        Ys = (Y - mean) / scale

        lag0 = decorrelation_lag(Ys, threshold=0.2)
        decorrelation_time = max(lag0, 1) * dt
        delay = (
            self.delay
            if self.delay is not None
            else (self.delay_fraction * decorrelation_time)
        )
        lag = max(1, int(round(delay / dt)))
        span = embedding_span(lag, n_delays)
        if Y.shape[1] < span + window + 2:
            raise ValueError(
                f"{type(self).__name__}: Y has trajectories of {Y.shape[1]} sample(s) "
                f"(time steps); the delay vector spans {span} steps (lag {lag} x "
                f"{n_delays - 1}) and a window needs {window} more, so at least "
                f"{span + window + 2} are needed. Pass longer trajectories or "
                "reduce n_delays, delay or window."
            )
        Z = delay_embed(Ys, lag, n_delays)

        seed = as_seed_sequence(self.random_state)
        torch_ss, data_ss, bank_ss = seed.spawn(3)
        rng = np.random.default_rng(data_ss)
        # beyond this the field squashes its input and pulls the state back
        radius = 1.5 * float(np.max(np.abs(Z)))
        with torch_seed(torch_ss):
            field = DelayVectorField(
                d,
                n_delays,
                hidden,
                self.activation,
                bool(self.coupled),
                decorrelation_time,
                radius,
                bool(self.symmetric),
            )
        logger.info(
            "%s: training the neural ODE on delay vectors of %d values (lag %d), "
            "%d epochs of %d windows of %d steps",
            type(self).__name__,
            Z.shape[2],
            lag,
            self.max_epochs,
            self.n_windows,
            window,
        )
        # a diverged training raises TrainingDivergedError (a ValueError)
        history = train_trajectory_matching(
            field,
            Z,
            window=window,
            weights=window_weights(window, float(self.window_decay)),
            n_windows=self.n_windows,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            dt=dt,
            rng=rng,
            device=device,
            verbose=self.verbose,
            name=type(self).__name__,
            dtype=_TRAIN_DTYPE,
        )
        field.eval()
        for p in field.parameters():
            p.requires_grad_(False)

        flat = Z.reshape(-1, Z.shape[2])
        bank_rng = np.random.default_rng(bank_ss)
        keep = np.sort(
            bank_rng.choice(
                flat.shape[0], size=min(_N_BANK, flat.shape[0]), replace=False
            )
        )

        self.n_features_in_ = d
        self.mean_ = mean
        self.scale_ = scale
        self.decorrelation_time_ = float(decorrelation_time)
        self.lag_ = lag
        self.delay_ = lag * dt
        self.n_state_ = d * n_delays
        self.confinement_radius_ = radius
        self.module_ = field
        self.mlp_pack_ = pack_mlp(field.mlp, activation=self.activation)
        self.node_kernel_ = NodeKernel(
            net=self.mlp_pack_,
            coupled=bool(self.coupled),
            symmetric=bool(self.symmetric),
            n_block=int(d),
            inv_time_scale=1.0 / self.decorrelation_time_,
            radius=float(radius),
        )
        self.initial_states_ = np.ascontiguousarray(flat[keep])
        self.history_ = history
        return self

    # -------------------------------------------------------------- helpers
    def _standardise_states(self, X):
        """Delay vectors in data units -> standardised delay vectors."""
        return (X - np.tile(self.mean_, self.n_delays)) / np.tile(
            self.scale_, self.n_delays
        )

    def _check_states(self, X, name):
        """Validate delay vectors in data units (``predict``'s input)."""
        X = check_real_array(X, name=name, estimator=self)
        # unlike fit's series, the states are delay vectors (n_state_ values),
        # since a forecast needs the delayed past of its start
        how = (
            f"{type(self).__name__} forecasts from delay vectors, not from "
            "trajectories: the delay vector of a series Y at step t is "
            f"np.concatenate([Y[t - k * lag_] for k in range(n_delays)]) with "
            f"lag_={self.lag_} steps and n_delays={self.n_delays}"
        )
        if X.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (n_samples, n_delays * n_features) delay vectors "
                f"(newest first); got shape {X.shape}. Reshape your data: a single "
                f"delay vector with {name}.reshape(1, -1). {how}."
            )
        if X.shape[1] != self.n_state_:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but {type(self).__name__} is "
                f"expecting {self.n_state_} features as input (delay vectors of "
                f"n_delays={self.n_delays} blocks of {self.n_features_in_} values; "
                f"{how})."
            )
        if X.shape[0] < 1:
            raise ValueError(f"{name} holds no delay vectors (0 samples).")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} contains NaN or infinity.")
        self._check_within_bound(X, name)
        return X

    def _rollout(self, Z0, n_steps, n_keep=None):
        """Numba RK4 rollout of standardised states: ``(n, n_steps, n_keep)``."""
        n_keep = self.n_features_in_ if n_keep is None else n_keep
        out = np.empty((Z0.shape[0], n_steps, n_keep))
        node_rollout(
            np.ascontiguousarray(Z0), n_steps, float(self.dt), self.node_kernel_, out
        )
        check_finite_result(out, what=f"{type(self).__name__} rollout")
        return out

    def _torch_rollout(self, X, n_steps):
        """Roll out with ``torchdiffeq.odeint`` (the reference for the numba kernel).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_state)
            Initial delay vectors in data units.
        n_steps : int
            Points per path, the first being the start.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_steps, n_state)
            Full delay-vector paths in standardised units.
        """
        from ._node import torch_rollout

        check_is_fitted(self)
        n_steps = check_int(n_steps, "n_steps")
        Z0 = self._standardise_states(self._check_states(X, "X"))
        with torch.no_grad():
            path = torch_rollout(
                self.module_, torch.as_tensor(Z0), n_steps, float(self.dt)
            )
        return np.ascontiguousarray(path.numpy().transpose(1, 0, 2))

    # -------------------------------------------------------------- public
    def predict(self, X, n_steps=None):
        """Forecast the series from initial delay vectors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_delays * n_features)
            Delay vectors in data units, newest block first:
            ``(y_t, y_{t - lag}, ..., y_{t - (n_delays - 1) lag})`` with each
            ``y`` a block of ``n_features`` values and ``lag = lag_``. Unlike
            ``fit`` and ``score``, which take series of ``n_features_in_``
            columns, ``predict`` takes these ``n_state_`` columns (a forecast
            needs the delayed past of its start); a trajectory set is refused
            with a message that says how to build them. Values beyond
            ``state_bound_`` are refused.
        n_steps : int or None, default=None
            Points per forecast (the first is ``y_t``); None uses ``window + 1``.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_steps, n_features)
            Forecast series in data units, ``dt`` apart.
        """
        check_is_fitted(self)
        self._check_fit_time_parameters()
        n_steps = self.window + 1 if n_steps is None else check_int(n_steps, "n_steps")
        Z0 = self._standardise_states(self._check_states(X, "X"))
        return self._rollout(Z0, n_steps) * self.scale_ + self.mean_

    def sample(self, n_steps, x0=None, n_paths=1, random_state=None):
        """Generate forcing paths by integrating the neural ODE.

        Parameters
        ----------
        n_steps : int
            Points per path (the first is the start).
        x0 : array-like of shape (n_paths, n_delays * n_features), default=None
            Initial delay vectors in data units (one vector of shape
            ``(n_delays * n_features,)`` is used for every path); None draws
            ``n_paths`` of the training delay vectors with ``random_state``.
        n_paths : int, default=1
            Number of paths.
        random_state : None, int, SeedSequence or Generator, default=None
            Chooses the starting delay vectors when ``x0`` is None (the
            dynamics themselves are deterministic).

        Returns
        -------
        Y : ndarray of shape (n_paths, n_steps, n_features)
            Forcing paths in data units; ``Y[:, 0]`` is the newest block of the start.
        """
        check_is_fitted(self)
        n_steps, X0, n_paths = self._check_sample_args(
            n_steps, x0, n_paths, width=self.n_state_
        )
        if X0 is None:
            rng = np.random.default_rng(as_seed_sequence(random_state))
            idx = rng.integers(0, self.initial_states_.shape[0], size=n_paths)
            Z0 = self.initial_states_[idx]
        else:
            Z0 = self._standardise_states(X0)
        return self._rollout(Z0, n_steps) * self.scale_ + self.mean_

    def score(self, Y, y=None):
        """Negative mean squared multi-step forecast error on held-out series.

        Forecasts of ``window`` steps are started from evenly spaced delay
        vectors of each trajectory of ``Y`` and compared with the data, in
        standardised units (so 1.0 is the error of a forecast that has lost
        all memory of its start).

        Parameters
        ----------
        Y : array-like of shape (n_trajectories, n_steps, n_features)
            Held-out series sampled every ``dt`` (2-D: one trajectory).
        y : None
            Ignored.

        Returns
        -------
        score : float
            Minus the mean squared error (higher is better).
        """
        check_is_fitted(self)
        # the rollout steps with dt: it must be the dt the model was fitted at
        self._check_fit_time_parameters()
        horizon = self.window
        span = embedding_span(self.lag_, self.n_delays)
        # named X, as scikit-learn names what score is given
        Y = self._validate_series(
            Y, name="X", n_features=self.n_features_in_, min_steps=span + horizon + 1
        )
        Ys = (Y - self.mean_) / self.scale_
        Z = delay_embed(Ys, self.lag_, self.n_delays)
        n_starts = Z.shape[1] - horizon
        starts = np.unique(
            np.linspace(0, n_starts - 1, min(n_starts, _N_SCORE_STARTS)).astype(int)
        )
        Z0 = Z[:, starts].reshape(-1, Z.shape[2])
        pred = self._rollout(Z0, horizon + 1)[:, 1:]
        idx = starts[:, None] + np.arange(1, horizon + 1)
        truth = Z[:, idx, : self.n_features_in_].reshape(pred.shape)
        return -float(np.mean((pred - truth) ** 2))
