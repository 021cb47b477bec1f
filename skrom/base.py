"""The base classes of every skrom estimator.

:class:`SkromEstimator` holds what every estimator shares, as
scikit-learn's ``BaseMixture`` holds what its mixtures share:

- parameter validation from a class-level ``_parameter_constraints`` dict
  (:mod:`skrom._param_validation`), run at the start of ``fit``;
- the region of state space the fitted model can be trusted in,
  ``state_bound_`` (the training data's range plus 100 data spreads), fixed
  when the training data are validated: initial states beyond it are
  refused, and the simulation kernels treat a path beyond it as blown up;
- the initial-state (``x0``) checks of ``sample`` and ``forecast``;
- the refusal to simulate with a ``dt`` other than the one fitted with;
- tags (``__sklearn_tags__``) and the version stamp on pickles
  (:class:`skrom._persistence.VersionedStateMixin`).

:class:`TrajectoryModel` adds, for the models that generate trajectories
with ``sample(n_steps, x0=None, n_paths=1, random_state=None)``, the checks
of ``sample``'s arguments and the statistical score (density and ACF
distance of a simulation from held-out data).
"""

import warnings

import numpy as np
from sklearn.base import BaseEstimator

from ._known_inputs import check_sample_inputs
from ._param_validation import validate_parameter_constraints
from ._persistence import VersionedStateMixin
from ._random import named_seeds
from ._validation import (
    SimulationBlowUpError,
    check_int,
    check_real_array,
    check_trajectories,
)

__all__ = ["SkromEstimator", "TrajectoryModel", "state_bound"]

# a state farther than this many data spreads beyond the data is not trusted
_BOUND_SPREADS = 100.0


def state_bound(X):
    """Largest ``|x|`` a model fitted on ``X`` is trusted at.

    The data's largest ``|x|`` plus 100 times the largest per-feature
    standard deviation. Initial states beyond it are refused, and the
    simulations stop with :class:`~skrom.exceptions.SimulationBlowUpError`
    when a path leaves it.

    Parameters
    ----------
    X : ndarray of shape (n_trajectories, n_steps, n_features) or (n_samples, n_features)
        Validated (finite, float) training data.

    Returns
    -------
    bound : float
    """
    X = np.asarray(X)
    # the same reductions the blow-up bounds of the kernels were computed with
    spread = X.std(axis=(0, 1)) if X.ndim == 3 else X.std(axis=0)
    spread = float(np.max(spread))
    return float(np.max(np.abs(X)) + _BOUND_SPREADS * max(spread, 1e-12))


class SkromEstimator(VersionedStateMixin, BaseEstimator):
    """Base class of every skrom estimator.

    Subclasses declare ``_parameter_constraints`` (one entry per constructor
    parameter) and, in ``fit``, call :meth:`_validate_params` first and
    :meth:`_set_fit_context` as soon as the training data are validated.

    Attributes
    ----------
    state_bound_ : float
        Largest ``|x|`` (any feature, data units) the fitted model is trusted
        at; see :func:`state_bound`.
    """

    _parameter_constraints: dict = {}
    # parameters a fitted model simulates with: changed by set_params after
    # fit, they would change its output without a refit, so they are refused
    _fit_time_parameters = ("dt",)

    # ------------------------------------------------------------ fit
    def _validate_params(self):
        """Check every constructor parameter against ``_parameter_constraints``."""
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            type(self).__name__,
        )

    def _set_fit_context(self, X):
        """Record what the fitted model's checks need: ``state_bound_``, ``dt``.

        Parameters
        ----------
        X : ndarray
            The validated training data (states in data units).
        """
        self.state_bound_ = state_bound(X)
        params = self.get_params(deep=False)
        self._fit_time_values = {
            name: params[name] for name in self._fit_time_parameters if name in params
        }

    # ------------------------------------------------------- fitted use
    def _check_fit_time_parameters(self):
        """Refuse to run with a ``dt`` (etc.) other than the one fitted with."""
        # models pickled before this check have no record: nothing to compare
        for name, fitted in getattr(self, "_fit_time_values", {}).items():
            now = getattr(self, name)
            if now != fitted:
                raise ValueError(
                    f"{type(self).__name__}: {name} was {fitted!r} when the model "
                    f"was fitted and is now {now!r}; the fitted model is only valid "
                    f"at the {name} it was fitted with. Refit it (fit) at "
                    f"{name}={now!r}, or set {name}={fitted!r} back."
                )

    def _check_within_bound(self, values, name):
        """Raise ValueError if any entry of ``values`` exceeds ``state_bound_``."""
        bound = getattr(self, "state_bound_", None)
        if bound is None:  # pickled before the bound was recorded
            return
        outside = np.abs(values) > bound
        if np.any(outside):
            where = tuple(int(i) for i in np.argwhere(outside)[0])
            index = ", ".join(map(str, where))
            raise ValueError(
                f"{type(self).__name__}: {name}[{index}] = {values[where]:g} lies "
                "outside the region the model can be trusted in, |x| <= "
                f"state_bound_ = {bound:g} (the training data's range plus "
                f"{_BOUND_SPREADS:g} data spreads). Start inside it, or refit on "
                "data that reach that far."
            )

    def _check_x0(self, x0, n_paths, *, width=None, name="x0", count_name="n_paths"):
        """Validate initial states: ``(width,)`` for every path, or one per path.

        Parameters
        ----------
        x0 : array-like of shape (width,), (1, width) or (n_paths, width)
            Initial states in data units; a single state is used for every
            path (a scalar too, when ``width`` is 1).
        n_paths : int
            Number of paths.
        width : int or None
            Values per state; None: ``n_features_in_``.
        name, count_name : str
            Names of the argument and of the path count in messages.

        Returns
        -------
        x0 : ndarray of shape (n_paths, width), a C-contiguous copy
        """
        who = type(self).__name__
        width = self.n_features_in_ if width is None else width
        # refuses complex (never truncated to its real part), strings, ragged
        arr = check_real_array(x0, name=name, estimator=self)
        if arr.ndim == 0 and width == 1:
            arr = arr.reshape(1)
        if arr.ndim == 1 and arr.shape[0] == width:
            arr = arr[None, :]
        if arr.ndim == 2 and arr.shape == (1, width):
            arr = np.broadcast_to(arr, (n_paths, width))
        if arr.shape != (n_paths, width):
            raise ValueError(
                f"{who}: {name} must have shape ({width},) for every path or "
                f"({count_name}={n_paths}, {width}), one state per path; got shape "
                f"{arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            i, j = np.argwhere(~np.isfinite(arr))[0]
            raise ValueError(
                f"{who}: {name} contains NaN or infinity (first at path {i}, "
                f"feature {j})."
            )
        self._check_within_bound(arr, name)
        return np.ascontiguousarray(arr)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # fixed random_state gives identical results; NaN/inf are refused
        tags.non_deterministic = False
        tags.input_tags.allow_nan = False
        return tags


class TrajectoryModel(SkromEstimator):
    """Base class of the models that generate trajectories.

    Their ``sample(n_steps, x0=None, n_paths=1, random_state=None)`` returns
    an array of shape ``(n_paths, n_steps, n_features)`` whose first point is
    ``x0``.
    """

    def _check_sample_args(self, n_steps, x0, n_paths, *, width=None):
        """The checks at the start of ``sample``; ``x0`` None stays None.

        Returns
        -------
        n_steps : int
        x0 : ndarray of shape (n_paths, width) or None
        n_paths : int
        """
        self._check_fit_time_parameters()
        n_steps = check_int(n_steps, "n_steps")
        n_paths = check_int(n_paths, "n_paths")
        if x0 is not None:
            x0 = self._check_x0(x0, n_paths, width=width)
        return n_steps, x0, n_paths

    def _check_sample_inputs(self, U, n_steps, n_paths, time_step=None):
        """``U`` of ``sample`` checked against the inputs the model was fitted with.

        ``time_step`` (default ``dt``) is the interval between output points, at
        which a callable ``U(t)`` is evaluated; see
        :func:`skrom._known_inputs.check_sample_inputs`.
        """
        time_step = float(self.dt) if time_step is None else time_step
        # models pickled before inputs existed have no n_inputs_in_
        n_inputs = getattr(self, "n_inputs_in_", 0)
        return check_sample_inputs(
            U, n_steps, n_paths, n_inputs, time_step, estimator=self
        )

    def _statistical_score(self, X, *, seed_slots, columns):
        """Minus ``KL(pdf_X || pdf_model) + max |ACF_X - ACF_model|``.

        The model is simulated from the first state of every held-out
        trajectory for as many steps, seeded by the ``score_eval`` slot of
        ``seed_slots``, the estimator's named children of ``random_state``
        (0 when ``random_state`` is None, so the score is deterministic).
        Only ``columns`` are compared. A simulation that blows up scores ``-inf``
        with a warning, so a grid search ranks the model last.
        """
        from .metrics import acf_error, pdf_kl_divergence

        X = check_trajectories(
            X, min_steps=8, n_features=self.n_features_in_, estimator=self
        )
        seed = (
            0
            if self.random_state is None
            else named_seeds(self.random_state, seed_slots).score_eval
        )
        try:
            sim = self.sample(
                X.shape[1], x0=X[:, 0], n_paths=X.shape[0], random_state=seed
            )
        except SimulationBlowUpError as exc:
            # a model that cannot be simulated is the worst possible candidate
            warnings.warn(f"{exc} Its score is -inf.", RuntimeWarning, stacklevel=3)
            return -np.inf
        max_lag = max(1, min(500, X.shape[1] // 4))
        X, sim = X[..., columns], sim[..., columns]
        return -float(pdf_kl_divergence(X, sim) + acf_error(X, sim, max_lag))
