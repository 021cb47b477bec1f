"""Observables ``A(x)`` whose response is measured: the state, its powers,
the indicator of a well, or any callable."""

import numbers

import numpy as np

__all__ = ["StatePower", "WellIndicator", "evaluate_observable"]


class StatePower:
    """The observable ``A(x) = x ** power``, one column per feature.

    Parameters
    ----------
    power : int, default=1
        Exponent; 1 is the state itself, 2 its second moments.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.response import StatePower
    >>> StatePower(2)(np.array([[1.0, -2.0]]))
    array([[1., 4.]])
    """

    def __init__(self, power=1):
        if (
            isinstance(power, bool)
            or not isinstance(power, numbers.Integral)
            or power < 1
        ):
            raise ValueError(f"power must be an int >= 1, got {power!r}.")
        self.power = int(power)

    def __call__(self, X):
        return np.asarray(X, dtype=np.float64) ** self.power

    def __repr__(self):
        return f"StatePower({self.power})"


class WellIndicator:
    """The observable ``A(x) = 1`` if ``low <= x[feature] < high`` else 0.

    Its mean is the probability of the well, so its response is how that
    probability moves under a perturbation.

    Parameters
    ----------
    low, high : float
        Bounds of the well (``-inf`` and ``inf`` allowed), ``low < high``.
    feature : int, default=0
        The feature that is tested.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.response import WellIndicator
    >>> WellIndicator(0.0, np.inf)(np.array([[-1.0], [0.5]]))
    array([0., 1.])
    """

    def __init__(self, low, high, feature=0):
        if not (float(low) < float(high)):
            raise ValueError(f"low must be below high, got low={low!r}, high={high!r}.")
        if (
            isinstance(feature, bool)
            or not isinstance(feature, numbers.Integral)
            or feature < 0
        ):
            raise ValueError(f"feature must be an int >= 0, got {feature!r}.")
        self.low = float(low)
        self.high = float(high)
        self.feature = int(feature)

    def __call__(self, X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or self.feature >= X.shape[1]:
            raise ValueError(
                f"WellIndicator tests feature {self.feature} but the states have "
                f"shape {X.shape}."
            )
        x = X[:, self.feature]
        return ((x >= self.low) & (x < self.high)).astype(np.float64)

    def __repr__(self):
        return f"WellIndicator({self.low!r}, {self.high!r}, feature={self.feature})"


def evaluate_observable(observable, samples):
    """``A`` at ``samples`` (n_samples, n_features) as (n_samples, n_observables).

    ``observable`` is None (the state), a :class:`StatePower`, a
    :class:`WellIndicator` or any callable mapping an (n_samples, n_features)
    array to (n_samples,) or (n_samples, n_observables).
    """
    if observable is None:
        return np.array(samples, dtype=np.float64)
    if not callable(observable):
        raise TypeError(
            "observable must be None (the state) or a callable mapping states of "
            f"shape (n_samples, n_features) to values; got {type(observable).__name__}."
        )
    values = np.asarray(observable(np.array(samples, dtype=np.float64)))
    n = samples.shape[0]
    if values.ndim == 1 and values.shape[0] == n:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] != n:
        raise ValueError(
            f"observable {observable!r} returned shape {values.shape} for "
            f"{n} states of shape {samples.shape}; expected ({n},) or "
            f"({n}, n_observables)."
        )
    values = values.astype(np.float64, copy=False)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"observable {observable!r} returned NaN or infinity.")
    return values
