"""Simulators that take a constant drift perturbation, for ensemble responses.

Each is a callable ``simulator(initial_state, n_steps, random_state, *,
forcing)`` returning the observed trajectory, shape (n_steps, n_features);
the first ``n_features`` entries of ``initial_state`` are the observed
features and ``forcing`` (shape (n_features,)) is added to their drift.
Plain classes holding the simulator's parameters, so they pickle for joblib.
"""

import numpy as np

from ..datasets import (
    make_bistable_additive,
    make_bistable_multiplicative,
    make_lorenz96,
)

__all__ = ["SlowFastSimulator", "Lorenz96Simulator"]


class SlowFastSimulator:
    """The L63-driven bistable systems with a constant forcing on ``x``.

    The state is ``(x, y1, y2, y3)`` (the layout of ``full_state`` in
    :func:`~skrom.datasets.make_bistable_additive`'s bunch); ``x`` is observed.
    The driver does not feel ``x``, so a perturbed run and an unperturbed run
    from one state share the same chaotic forcing: the common noise.

    Parameters
    ----------
    system : {"additive", "multiplicative"}, default="additive"
        :func:`~skrom.datasets.make_bistable_additive` or
        :func:`~skrom.datasets.make_bistable_multiplicative`.
    **params
        Their keyword arguments (``dt``, ``s``, ``eps``, ``alpha``,
        ``integration_dt``).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.response import SlowFastSimulator
    >>> sim = SlowFastSimulator(dt=0.01)
    >>> sim(np.array([1.0, 1.0, 1.0, 20.0]), 5, 0, forcing=[0.1]).shape
    (5, 1)
    """

    def __init__(self, system="additive", **params):
        makers = {
            "additive": make_bistable_additive,
            "multiplicative": make_bistable_multiplicative,
        }
        if system not in makers:
            raise ValueError(
                f"system must be 'additive' or 'multiplicative', got {system!r}."
            )
        self.system = system
        self.params = params
        self._make = makers[system]
        self.dt = params.get("dt", 0.01)
        self.n_features = 1

    def __call__(self, initial_state, n_steps, random_state, *, forcing):
        state = np.asarray(initial_state, dtype=np.float64)
        if state.shape != (4,):
            raise ValueError(
                f"a {self.system} bistable state is (x, y1, y2, y3); got shape "
                f"{state.shape}."
            )
        forcing = np.asarray(forcing, dtype=np.float64).reshape(-1)
        return self._make(
            1,
            n_steps,
            x0=state[0],
            y0=state[1:],
            constant_forcing=float(forcing[0]),
            random_state=random_state,
            **self.params,
        )[0]

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"SlowFastSimulator({self.system!r}{', ' if args else ''}{args})"


class Lorenz96Simulator:
    """Lorenz-96 (:func:`~skrom.datasets.make_lorenz96`) with forcing ``F + delta u``.

    With ``noise > 0`` a perturbed and an unperturbed run given the same
    ``random_state`` see the same noise increments.

    Parameters
    ----------
    forcing : float or array-like of shape (n_variables,), default=8.0
        The unperturbed ``F``.
    **params
        Keyword arguments of :func:`~skrom.datasets.make_lorenz96` (``dt``,
        ``noise``, ``integration_dt``).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.response import Lorenz96Simulator
    >>> sim = Lorenz96Simulator(noise=0.5)
    >>> sim(np.full(8, 8.0), 5, 0, forcing=np.zeros(8)).shape
    (5, 8)
    """

    def __init__(self, forcing=8.0, **params):
        self.forcing = forcing
        self.params = params
        self.dt = params.get("dt", 0.05)

    def __call__(self, initial_state, n_steps, random_state, *, forcing):
        state = np.asarray(initial_state, dtype=np.float64).reshape(-1)
        return make_lorenz96(
            1,
            n_steps,
            n_variables=state.size,
            forcing=np.asarray(self.forcing, dtype=np.float64)
            + np.asarray(forcing, dtype=np.float64),
            x0=state,
            random_state=random_state,
            **self.params,
        )[0]

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Lorenz96Simulator(forcing={self.forcing!r}{args})"
