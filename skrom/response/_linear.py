r"""Linear (and second-order) response from unperturbed data and a score.

By the fluctuation-dissipation theorem, after a kick ``x -> x + delta u(x)``
at ``t = 0`` the mean of an observable moves by ``delta R_A(t)`` with

.. math::

    R_A(t) = -\left\langle A(x(t))\,
             \left[\nabla\cdot u(x(0)) + u(x(0))\cdot s(x(0))\right]
             \right\rangle,

``s = grad log p`` the score of the invariant density (Majda, Abramov &
Grote 2005; Giorgini et al. 2024). ``R_A`` is also the impulse response of
the drift perturbation ``delta u(x) f(t)``, so the response to a constant
forcing switched on at ``t = 0`` (a step) is its time integral. The
average is over every time origin of every trajectory.
"""

import numbers
import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import irfft, next_fast_len, rfft
from sklearn.utils import Bunch

from .._validation import check_trajectories
from ..metrics import decorrelation_time
from ._gaussian import GaussianScore
from ._observables import evaluate_observable
from ._perturbations import check_perturbation

__all__ = ["score_response", "gaussian_response"]

_KINDS = ("step", "impulse")


def check_kind(kind):
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'step' or 'impulse', got {kind!r}.")
    return kind


def _lagged_covariance(A, B, max_lag):
    """``mean_t (A[t + lag] - mean A) B[t]`` for lag = 0..max_lag, over trajectories.

    ``A``: (n_traj, n_steps, m), ``B``: (n_traj, n_steps). FFT-based, so a
    long record costs ``O(n log n)`` whatever ``max_lag``.
    """
    n_traj, n_steps, m = A.shape
    A = A - A.mean(axis=(0, 1))
    size = next_fast_len(n_steps + max_lag + 1)
    total = np.zeros((max_lag + 1, m))
    fb = np.conj(rfft(B, n=size, axis=1))  # (n_traj, nf)
    for j in range(m):
        fa = rfft(A[:, :, j], n=size, axis=1)
        corr = irfft(fa * fb, n=size, axis=1)[:, : max_lag + 1]
        total[:, j] = corr.sum(axis=0)
    counts = n_traj * (n_steps - np.arange(max_lag + 1))
    return total / counts[:, None]


def _block_impulses(A, B, max_lag, block_length):
    """Lagged covariance per block of ``block_length`` consecutive time origins.

    Returns shape (n_blocks, max_lag + 1, m): blocks are the whole ones whose
    every origin sees all lags, ``block_length`` apart in each trajectory.
    """
    n_traj, n_steps, m = A.shape
    per_traj = (n_steps - max_lag) // block_length
    if per_traj == 0:
        return np.zeros((0, max_lag + 1, m))
    width = block_length + max_lag
    size = next_fast_len(width)
    A = A - A.mean(axis=(0, 1))
    Bb = B[:, : per_traj * block_length].reshape(n_traj * per_traj, block_length)
    fb = np.conj(rfft(Bb, n=size, axis=1))
    out = np.empty((n_traj * per_traj, max_lag + 1, m))
    for j in range(m):
        # window of each block: its origins and the max_lag steps after them
        Aw = sliding_window_view(A[:, :, j], width, axis=1)[:, ::block_length]
        Aw = Aw[:, :per_traj].reshape(n_traj * per_traj, width)
        corr = irfft(rfft(Aw, n=size, axis=1) * fb, n=size, axis=1)
        out[:, :, j] = corr[:, : max_lag + 1] / block_length
    return out


def _default_block_length(A3, B3, max_lag):
    """Ten integral decorrelation times of the observable and the conjugate.

    And at least twice the window of lags, so that consecutive blocks'
    means are nearly independent (batch means).
    """
    n_steps = A3.shape[1]
    series = np.concatenate([A3, B3[:, :, None]], axis=2)
    # a constant series (an indicator never hit) has no decorrelation time
    varying = series.reshape(-1, series.shape[2]).std(axis=0) > 0
    tau = 0.0
    if np.any(varying):
        times = decorrelation_time(
            series[:, :, varying],
            method="integral",
            max_lag=max(min(n_steps // 2, 10_000), 1),
        )
        tau = float(np.max(np.where(np.isfinite(times), times, 0.0)))
    return max(2 * (max_lag + 1), int(np.ceil(10.0 * tau)))


def _check_block_length(block_length, n_steps):
    if block_length is None:
        return None
    if (
        isinstance(block_length, bool)
        or not isinstance(block_length, numbers.Integral)
        or not 1 <= block_length <= n_steps
    ):
        raise ValueError(
            "block_length must be None or an int in [1, n_steps] = "
            f"[1, {n_steps}]; got {block_length!r}."
        )
    return int(block_length)


def _block_stderr(blocks, dt, kind):
    """Standard error of the mean over blocks; NaN below two blocks."""
    n = blocks.shape[0]
    if n < 2:
        warnings.warn(
            f"only {n} block(s) of time origins fit the data: the response's "
            "stderr is NaN; pass longer or more trajectories, or a shorter "
            "block_length.",
            UserWarning,
            stacklevel=3,
        )
        return np.full(blocks.shape[1:], np.nan)
    if kind == "step":
        blocks = np.stack([_step_from_impulse(b, dt) for b in blocks])
    return blocks.std(axis=0, ddof=1) / np.sqrt(n)


def _check_score(score, n_features, samples):
    if not callable(getattr(score, "predict", None)):
        raise TypeError(
            "score must have a predict method returning grad log p (e.g. a fitted "
            f"KGMMScore or GaussianScore); {type(score).__name__} has none."
        )
    fitted = getattr(score, "n_features_in_", None)
    if fitted is not None and fitted != n_features:
        raise ValueError(
            f"the score was fitted on {fitted} features but X has {n_features}; "
            "fit it on states of the same dimension."
        )
    s = np.asarray(score.predict(samples), dtype=np.float64)
    if s.shape != samples.shape:
        raise ValueError(
            f"score.predict returned shape {s.shape} for states of shape "
            f"{samples.shape}; the score must have the dimension of X "
            f"({n_features})."
        )
    if not np.all(np.isfinite(s)):
        raise ValueError("the score returned NaN or infinity on X.")
    return s


def _stein_calibration(s, samples):
    """The ``M`` with ``mean((M s) (x - mean)^T) = -I`` (Stein's identity)."""
    stein = s.T @ (samples - samples.mean(axis=0)) / samples.shape[0]
    if not np.linalg.cond(stein) < 1e8:
        raise ValueError(
            "calibrate=True: the score is (nearly) uncorrelated with some "
            "direction of X, so no linear correction can make it satisfy "
            "Stein's identity; check the score."
        )
    return -np.linalg.inv(stein)


def _check_lag(max_lag, n_steps):
    if (
        isinstance(max_lag, bool)
        or not isinstance(max_lag, numbers.Integral)
        or not 0 <= max_lag < n_steps
    ):
        raise ValueError(
            f"max_lag must be an int in [0, n_steps) = [0, {n_steps}); got {max_lag!r}."
        )
    return int(max_lag)


def _step_from_impulse(impulse, dt):
    """Trapezoid integral of the impulse response from 0 to each lag."""
    step = np.zeros_like(impulse)
    step[1:] = np.cumsum(0.5 * dt * (impulse[1:] + impulse[:-1]), axis=0)
    return step


def score_response(
    X,
    score,
    perturbation,
    *,
    observable=None,
    max_lag=100,
    dt=1.0,
    kind="step",
    order=1,
    calibrate=False,
    block_length=None,
):
    r"""Response of ``<A>`` to a drift perturbation, from data and a score.

    Estimates, from unperturbed trajectories only,

    .. math::

        R_A(t) = -\left\langle A(x(t))\,
                 \left[\nabla\cdot u(x(0)) + u(x(0))\cdot s(x(0))\right]
                 \right\rangle,

    the change of ``<A>`` per unit ``delta`` after the kick
    ``x -> x + delta u(x)`` (``kind="impulse"``), or its integral
    ``int_0^t R_A``, the change after the constant forcing ``delta u`` is
    switched on at ``t = 0`` (``kind="step"``). With ``order=2`` and a
    constant ``u`` the second-order impulse response

    .. math::

        R^{(2)}_A(t) = \left\langle A(x(t))\,
        \left[(u\cdot\nabla)(u\cdot s) + (u\cdot s)^2\right](x(0))\right\rangle,

    the coefficient of ``delta^2 / 2``, is returned as well; its directional
    derivative is a central difference of ``score.predict``.

    Read more in the :ref:`User Guide <response>`.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features) or (n_steps, n_features)
        Unperturbed, stationary trajectories sampled every ``dt``.
    score : object
        Fitted score with ``predict(X)`` returning ``grad log p`` of shape
        (n_samples, n_features), e.g. a fitted
        :class:`~skrom.score.KGMMScore` or :class:`GaussianScore`. Its
        divergence is not needed: ``div u`` is the perturbation's.
    perturbation : array-like of shape (n_features,) or GradientPerturbation
        The perturbation ``u``: a constant vector, or ``u = grad phi``.
    observable : None or callable, default=None
        ``A``: None for the state, else a callable such as
        :class:`StatePower` or :class:`WellIndicator` mapping
        (n_samples, n_features) to (n_samples,) or (n_samples, n_observables).
    max_lag : int, default=100
        Largest lag, in steps of ``dt``.
    dt : float, default=1.0
        Sampling interval of ``X``; sets ``time`` and the step integral.
    kind : {"step", "impulse"}, default="step"
        Response to a constant forcing from ``t = 0``, or to a kick at ``t = 0``.
    order : {1, 2}, default=1
        2 adds ``second_order`` (impulse, constant ``u`` only).
    calibrate : bool, default=False
        Replace the score ``s`` by ``M s`` with the matrix ``M`` that makes it
        satisfy Stein's identity for linear functions on ``X``,
        ``<M s(x) (x - mean)^T> = -I``, which the true score satisfies
        exactly. This removes an overall shrinkage or mixing of the learned
        score (a network fitted to cell averages in several dimensions
        extrapolates weakly to the outer shell of the data), not errors of
        its shape; it makes the impulse response of the state at ``t = 0``
        exactly ``u``.
    block_length : int or None, default=None
        Time origins per block for the standard error (batch means): each
        trajectory is cut into whole blocks of ``block_length`` consecutive
        origins (each followed by ``max_lag`` steps), the response is
        estimated on every block, and ``stderr`` is the standard deviation
        of these estimates over the square root of their number. Blocks must
        be much longer than the correlation time of the data, or the error
        bar comes out too small. None: ten integral decorrelation times of
        the observable and of the conjugate ``div u + u . s``, and at least
        ``2 * (max_lag + 1)``. The error bar is statistical: it holds the
        score fixed, so it does not include the score's bias.

    Returns
    -------
    result : Bunch
        ``time`` of shape (max_lag + 1,); ``response`` of shape
        (max_lag + 1, n_observables); ``stderr`` of the same shape, its
        standard error from blocks of the trajectories (NaN, with a warning,
        when fewer than two blocks fit); ``block_length`` and ``n_blocks``;
        ``kind``; ``observable_mean`` of shape (n_observables,); with
        ``order=2``, ``second_order`` and ``second_order_stderr`` of shape
        (max_lag + 1, n_observables); with ``calibrate=True``,
        ``calibration``, the matrix ``M`` of shape (n_features, n_features).

    Raises
    ------
    ValueError
        If the score, the perturbation or the observable does not fit the
        shape of ``X``.

    See Also
    --------
    gaussian_response : The same with the quasi-Gaussian score.
    ensemble_response : The direct reference from perturbed simulations.

    References
    ----------
    A. J. Majda, R. V. Abramov and M. J. Grote, "Information Theory and
    Stochastics for Multiscale Nonlinear Systems", CRM Monograph Series 25
    (2005).
    L. T. Giorgini, K. Deck, T. Bischoff and A. N. Souza, "Response theory via
    generative score modeling", Phys. Rev. Lett. 133 (2024).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.response import GaussianScore, score_response
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(20000)
    >>> for t in range(1, x.size):  # Ornstein-Uhlenbeck, theta = 1, dt = 0.01
    ...     x[t] = 0.99 * x[t - 1] + 0.1414 * rng.standard_normal()
    >>> X = x[:, None]
    >>> r = score_response(X, GaussianScore().fit(X), [1.0], max_lag=100,
    ...                    dt=0.01, kind="impulse")
    >>> float(r.response[0, 0].round(2))  # R(0) = 1 for A = x
    1.0
    >>> r.n_blocks  # blocks of ten decorrelation times (batch means)
    19
    >>> bool(abs(r.response[50, 0] - np.exp(-0.5)) < 2 * r.stderr[50, 0])
    True
    """
    X = check_trajectories(X, min_steps=2, name="X")
    n_traj, n_steps, d = X.shape
    max_lag = _check_lag(max_lag, n_steps)
    block_length = _check_block_length(block_length, n_steps)
    if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not dt > 0:
        raise ValueError(f"dt must be a positive number, got {dt!r}.")
    check_kind(kind)
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}.")
    field, u = check_perturbation(perturbation, d)
    if order == 2 and (u is None or kind != "impulse"):
        raise ValueError("order=2 needs a constant perturbation and kind='impulse'.")
    samples = X.reshape(-1, d)
    s = _check_score(score, d, samples)
    M = None
    if calibrate:
        M = _stein_calibration(s, samples)
        s = s @ M.T
    us = np.sum(field.field(samples) * s, axis=1)
    conjugate = -(field.divergence(samples) + us)
    A = evaluate_observable(observable, samples)
    m = A.shape[1]
    A3 = A.reshape(n_traj, n_steps, m)
    B3 = conjugate.reshape(n_traj, n_steps)
    impulse = _lagged_covariance(A3, B3, max_lag)
    time = dt * np.arange(max_lag + 1)
    response = impulse if kind == "impulse" else _step_from_impulse(impulse, dt)
    if block_length is None:
        block_length = _default_block_length(A3, B3, max_lag)
    blocks = _block_impulses(A3, B3, max_lag, block_length)
    result = Bunch(
        time=time,
        response=response,
        stderr=_block_stderr(blocks, dt, kind),
        block_length=block_length,
        n_blocks=blocks.shape[0],
        kind=kind,
        observable_mean=A.mean(axis=0),
    )
    if M is not None:
        result.calibration = M
    if order == 2:
        # central difference along u, at a step small against the data spread
        h = 1e-3 * float(np.max(samples.std(axis=0))) / max(np.linalg.norm(u), 1e-300)
        Mu = u if M is None else M.T @ u
        plus = np.asarray(score.predict(samples + h * u)) @ Mu
        minus = np.asarray(score.predict(samples - h * u)) @ Mu
        second = (plus - minus) / (2.0 * h) + us**2
        second = second.reshape(n_traj, n_steps)
        result.second_order = _lagged_covariance(A3, second, max_lag)
        result.second_order_stderr = _block_stderr(
            _block_impulses(A3, second, max_lag, block_length), dt, "impulse"
        )
    return result


def gaussian_response(
    X,
    perturbation,
    *,
    observable=None,
    max_lag=100,
    dt=1.0,
    kind="step",
    block_length=None,
):
    """Quasi-Gaussian response: :func:`score_response` with :class:`GaussianScore`.

    The classical baseline (Leith 1975): the score is that of the Gaussian
    with the data's mean and covariance, exact for linear systems and biased
    where the invariant density is far from Gaussian.

    Parameters
    ----------
    X : array-like of shape (n_trajectories, n_steps, n_features) or (n_steps, n_features)
        Unperturbed, stationary trajectories sampled every ``dt``.
    perturbation : array-like of shape (n_features,) or GradientPerturbation
        The perturbation ``u``.
    observable : None or callable, default=None
        ``A`` (see :func:`score_response`).
    max_lag : int, default=100
        Largest lag, in steps.
    dt : float, default=1.0
        Sampling interval.
    kind : {"step", "impulse"}, default="step"
        Constant forcing from ``t = 0``, or a kick at ``t = 0``.
    block_length : int or None, default=None
        Time origins per block for ``stderr`` (see :func:`score_response`).

    Returns
    -------
    result : Bunch
        As :func:`score_response` (``order=1``).

    See Also
    --------
    score_response : With any fitted score.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.response import gaussian_response
    >>> X = np.random.default_rng(0).normal(size=(2, 500, 2))
    >>> gaussian_response(X, [1.0, 0.0], max_lag=5).response.shape
    (6, 2)
    """
    X = check_trajectories(X, min_steps=2, name="X")
    return score_response(
        X,
        GaussianScore().fit(X),
        perturbation,
        observable=observable,
        max_lag=max_lag,
        dt=dt,
        kind=kind,
        block_length=block_length,
    )
