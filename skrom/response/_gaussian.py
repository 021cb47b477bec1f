"""The score of the Gaussian fitted to the data: the quasi-Gaussian baseline."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._validation import check_trajectories
from ..base import SkromEstimator

__all__ = ["GaussianScore"]


def _samples(X, estimator, n_features=None):
    arr = check_trajectories(X, min_steps=1, n_features=n_features, estimator=estimator)
    return arr.reshape(-1, arr.shape[2])


class GaussianScore(SkromEstimator):
    r"""Score of the Gaussian with the data's mean and covariance.

    ``s(x) = -C^{-1} (x - mu)``, with constant divergence ``-tr C^{-1}``.
    Used as the score in :func:`~skrom.response.score_response` it gives the
    classical quasi-Gaussian response ``R(t) = <A(x(t)) C^{-1} (x(0) - mu)> . u``
    (Leith 1975), exact for linear (Ornstein-Uhlenbeck) systems.

    Read more in the :ref:`User Guide <response>`.

    Attributes
    ----------
    n_features_in_ : int
        Number of features.
    mean_ : ndarray of shape (n_features,)
        Mean of the training samples.
    covariance_ : ndarray of shape (n_features, n_features)
        Their covariance.
    precision_ : ndarray of shape (n_features, n_features)
        Its (pseudo-)inverse.

    See Also
    --------
    skrom.score.KGMMScore : A score that follows a non-Gaussian density.
    gaussian_response : The response with this score.

    References
    ----------
    C. E. Leith, "Climate response and fluctuation dissipation", J. Atmos.
    Sci. 32 (1975).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.response import GaussianScore
    >>> X = np.random.default_rng(0).normal(size=(20000, 1))
    >>> est = GaussianScore().fit(X)
    >>> est.predict(np.array([[1.0]])).round(1)
    array([[-1.]])
    """

    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    def fit(self, X, y=None):
        """Estimate the mean and covariance of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_traj, n_steps, n_features)
            Samples; a trajectory set is flattened.
        y : None
            Ignored.

        Returns
        -------
        self : GaussianScore
        """
        self._validate_params()
        samples = _samples(X, self)
        if samples.shape[0] < 2:
            raise ValueError(
                "GaussianScore needs at least 2 samples to fit, got n_samples="
                f"{samples.shape[0]}."
            )
        self._set_fit_context(samples)
        self.n_features_in_ = samples.shape[1]
        self.mean_ = samples.mean(axis=0)
        self.covariance_ = np.atleast_2d(np.cov(samples, rowvar=False))
        self.precision_ = np.linalg.pinv(self.covariance_, hermitian=True)
        return self

    def predict(self, X):
        """Score ``-C^{-1} (x - mu)`` at ``X``, shape (n_samples, n_features)."""
        check_is_fitted(self, "precision_")
        samples = _samples(X, self, n_features=self.n_features_in_)
        return -(samples - self.mean_) @ self.precision_

    def predict_divergence(self, X):
        """Divergence ``-tr C^{-1}`` of the score, shape (n_samples,)."""
        check_is_fitted(self, "precision_")
        samples = _samples(X, self, n_features=self.n_features_in_)
        return np.full(samples.shape[0], -float(np.trace(self.precision_)))
