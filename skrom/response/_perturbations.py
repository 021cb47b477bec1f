"""Perturbations ``u(x)`` of the drift: constant vectors and gradients."""

import numpy as np

__all__ = ["GradientPerturbation", "check_perturbation"]


class GradientPerturbation:
    """The drift perturbation ``u(x) = grad phi(x)``, given by its derivatives.

    Parameters
    ----------
    gradient : callable
        ``gradient(X)`` maps states of shape (n_samples, n_features) to
        ``grad phi`` of the same shape.
    laplacian : callable
        ``laplacian(X)`` maps them to ``div u = Laplacian phi``, shape
        (n_samples,).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.response import GradientPerturbation
    >>> u = GradientPerturbation(lambda X: -X, lambda X: -np.full(len(X), X.shape[1]))
    >>> u.divergence(np.zeros((2, 3)))
    array([-3., -3.])
    """

    def __init__(self, gradient, laplacian):
        if not (callable(gradient) and callable(laplacian)):
            raise TypeError("gradient and laplacian must both be callables.")
        self.gradient = gradient
        self.laplacian = laplacian

    def field(self, X):
        """``u(X)``, shape (n_samples, n_features)."""
        values = np.asarray(self.gradient(X), dtype=np.float64)
        if values.shape != X.shape:
            raise ValueError(
                f"the perturbation's gradient returned shape {values.shape} for "
                f"states of shape {X.shape}; expected {X.shape}."
            )
        return values

    def divergence(self, X):
        """``div u(X)``, shape (n_samples,)."""
        values = np.asarray(self.laplacian(X), dtype=np.float64).reshape(-1)
        if values.shape != (X.shape[0],):
            raise ValueError(
                f"the perturbation's laplacian returned {values.size} values for "
                f"{X.shape[0]} states; expected shape ({X.shape[0]},)."
            )
        return values

    def __repr__(self):
        return f"GradientPerturbation({self.gradient!r}, {self.laplacian!r})"


class _ConstantPerturbation:
    def __init__(self, u):
        self.u = u

    def field(self, X):
        return np.broadcast_to(self.u, X.shape)

    def divergence(self, X):
        return np.zeros(X.shape[0])


def check_perturbation(perturbation, n_features):
    """Return an object with ``field``/``divergence`` and the constant (or None)."""
    if isinstance(perturbation, GradientPerturbation):
        return perturbation, None
    try:
        u = np.array(perturbation, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "perturbation must be a constant vector of shape (n_features,) or a "
            f"GradientPerturbation; got {type(perturbation).__name__}."
        ) from exc
    if u.shape != (n_features,):
        raise ValueError(
            f"the constant perturbation has {u.size} entries but the states have "
            f"{n_features} features; pass a vector of shape ({n_features},)."
        )
    if not np.all(np.isfinite(u)):
        raise ValueError("the constant perturbation contains NaN or infinity.")
    return _ConstantPerturbation(u), u
