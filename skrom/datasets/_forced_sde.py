"""SDEs driven by a known input: the disturbed Ornstein-Uhlenbeck process,
and the periodically forced double well of stochastic resonance.

.. math::

    dx = (-\\mu x + b(t))\\,dt + \\sigma\\,dW

with a known excitation :math:`b(t)` (Chen & Xiu 2026, "Modeling unknown
stochastic dynamical system subject to external excitation", example
"disturbed OU"). The process is linear with additive noise, so each fine
step of ``dt / substeps`` is sampled from its exact Gaussian law with
:math:`b` linear over the fine step: the only approximation is that
interpolation, of order ``(omega * dt / substeps)**2`` of the excitation.
The excitation is returned beside the paths as the known input ``U``.

The forced double well :math:`dx = (x - x^3 + b(t))\\,dt + \\sigma\\,dW`
(the same paper's stochastic-resonance example) is integrated by
Euler-Maruyama, as the authors' data are.
"""

import numbers
from typing import NamedTuple

import numpy as np
from numba import njit

from .._validation import check_int, check_option, check_positive_float
from ._sde import _check_initial_state, _run_paths

__all__ = [
    "make_disturbed_ou",
    "disturbed_ou_excitation",
    "make_stochastic_resonance",
]

_FAMILIES = ("sine", "random_sine", "two_tone", "beat", "decay")
# the authors' excitation: V sin(omega t), V = 0.5, omega = 6
_V, _OMEGA = 0.5, 6.0
# ranges of the random_sine family: amplitude, angular frequency
_RANDOM_AMPLITUDE = (0.0, 1.0)
_RANDOM_OMEGA = (1.0, 10.0)


class _OUStep(NamedTuple):
    """Exact coefficients of one fine step of length h (b linear over it)."""

    decay: float  # exp(-mu h)
    weight0: float  # int_0^h exp(-mu (h - s)) ds
    weight1: float  # int_0^h exp(-mu (h - s)) s ds / h
    noise: float  # standard deviation of the step's noise
    substeps: int


@njit(cache=True, nogil=True)
def _disturbed_ou_kernel(x0, b_fine, step, rng, out):
    """Fill ``out`` (n_steps,) from ``x0``; ``b_fine`` holds b at every fine point."""
    decay, weight0, weight1, noise, substeps = step
    x = x0
    out[0] = x
    j = 0
    for n in range(1, out.shape[0]):
        for _ in range(substeps):
            b0 = b_fine[j]
            b1 = b_fine[j + 1]
            x = decay * x + b0 * weight0 + (b1 - b0) * weight1
            x += noise * rng.standard_normal()
            j += 1
        if not np.isfinite(x):
            out[n:] = np.nan
            return n
        out[n] = x
    return -1


def disturbed_ou_excitation(excitation, t, rng=None):
    """Values of an excitation family at the times ``t``.

    Parameters
    ----------
    excitation : {"sine", "random_sine", "two_tone", "beat", "decay"} or callable
        ``"sine"``: :math:`0.5 \\sin 6t`, the authors' excitation.
        ``"random_sine"``: :math:`A \\sin(\\Omega t + \\varphi)` with
        :math:`A \\sim U(0, 1)`, :math:`\\Omega \\sim U(1, 10)`,
        :math:`\\varphi \\sim U(0, 2\\pi)` drawn from ``rng`` (a family to
        train on). The authors' alternative forms:
        ``"two_tone"``: :math:`0.5 \\sin 6t + 0.4 \\sin 18t`;
        ``"beat"``: :math:`0.5 \\sin 5t + 0.2 \\sin 1.5t`;
        ``"decay"``: :math:`0.5 e^{-0.1 t}`.
        A callable ``b(t)`` takes an array of times and returns an array of
        the same shape.
    t : ndarray
        Times.
    rng : numpy.random.Generator, optional
        Needed by ``"random_sine"`` only.

    Returns
    -------
    b : ndarray of the shape of ``t``
    """
    t = np.asarray(t, dtype=np.float64)
    if callable(excitation):
        b = np.asarray(excitation(t), dtype=np.float64)
        if b.shape != t.shape:
            raise ValueError(
                f"excitation(t) must return an array of the shape of t {t.shape}; "
                f"got {b.shape}."
            )
        return b
    if excitation == "sine":
        return _V * np.sin(_OMEGA * t)
    if excitation == "random_sine":
        amplitude = rng.uniform(*_RANDOM_AMPLITUDE)
        omega = rng.uniform(*_RANDOM_OMEGA)
        phase = rng.uniform(0.0, 2.0 * np.pi)
        return amplitude * np.sin(omega * t + phase)
    if excitation == "two_tone":
        return _V * np.sin(_OMEGA * t) + 0.4 * np.sin(3.0 * _OMEGA * t)
    if excitation == "beat":
        return _V * np.sin(_OMEGA / 1.2 * t) + 0.2 * np.sin(_OMEGA / 4.0 * t)
    return _V * np.exp(-0.1 * t)


def _check_range(value, name):
    """``value`` as a finite ``(low, high)`` of floats with ``low <= high``."""
    box = np.asarray(value, dtype=np.float64)
    if box.shape != (2,) or not np.all(np.isfinite(box)) or box[0] > box[1]:
        raise ValueError(
            f"{name} must be a finite (low, high) with low <= high; got {value!r}."
        )
    return tuple(box.tolist())


def _check_real(value, name):
    """``value`` as a finite float."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a real number; got {value!r}.")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    return float(value)


def _initial_states(x0, x0_range, n_trajectories):
    """``(x0 (n, 1) or None, box (low, high) or None)``: one of them is set."""
    if x0_range is not None:
        return None, _check_range(x0_range, "x0_range")
    if isinstance(x0, numbers.Real):
        x0 = [float(x0)]
    elif np.ndim(x0) == 1 and np.size(x0) == n_trajectories:
        x0 = np.reshape(x0, (-1, 1))
    return _check_initial_state(x0, 1, n_trajectories), None


def _check_input_family(value, name, families):
    """Refuse an input that is neither one of the named families nor a callable."""
    if callable(value):
        return
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be one of {families} or a callable; got {value!r}."
        )
    check_option(value, name, families)


def _split_state_and_input(paths):
    """``X`` and ``U`` from paths whose columns are ``(x, b)``."""
    return (
        np.ascontiguousarray(paths[:, :, :1]),
        np.ascontiguousarray(paths[:, :, 1:]),
    )


def _forced_path(kernel, x_start, b_fine, step, rng, n_steps, index, what):
    """One trajectory ``(x, b)`` of a kernel driven by its fine-step input ``b``."""
    b_fine = np.ascontiguousarray(b_fine)
    if not np.all(np.isfinite(b_fine)):
        raise ValueError(f"The {what} is not finite along trajectory {index}.")
    out = np.empty((n_steps, 2))
    x = np.empty(n_steps)
    kernel(float(x_start), b_fine, step, rng, x)
    out[:, 0] = x
    out[:, 1] = b_fine[:: step.substeps]
    return out


def _disturbed_ou_member(rng, index, x0, box, excitation, n_steps, dt, step):
    x_start = x0[index, 0] if box is None else rng.uniform(box[0], box[1])
    t_fine = np.arange((n_steps - 1) * step.substeps + 1) * (dt / step.substeps)
    b_fine = disturbed_ou_excitation(excitation, t_fine, rng)
    return _forced_path(
        _disturbed_ou_kernel, x_start, b_fine, step, rng, n_steps, index, "excitation"
    )


def make_disturbed_ou(
    n_trajectories,
    n_steps,
    dt=0.01,
    *,
    excitation="sine",
    mu=1.0,
    sigma=0.5,
    x0=0.0,
    x0_range=None,
    substeps=10,
    random_state=None,
    n_jobs=None,
):
    r"""Paths of the disturbed Ornstein-Uhlenbeck process and their excitation.

    .. math::

        dx = (-\mu x + b(t))\,dt + \sigma\,dW, \qquad t \ge 0,

    sampled every ``dt`` from ``t = 0``. Each fine step of ``dt /
    substeps`` is drawn from its exact Gaussian law with :math:`b` linear
    over it, so the paths have no time-discretisation error beyond that
    interpolation. The excitation is a *known input*: it is returned as
    ``U``, ready for ``SFMLFlow().fit(X, U=U)``.

    Read more in the :ref:`User Guide <inputs>`.

    Parameters
    ----------
    n_trajectories : int
        Number of paths.
    n_steps : int
        Points per path, the initial state included.
    dt : float, default=0.01
        Time between observations (the authors' 0.01).
    excitation : str or callable, default="sine"
        The family of :math:`b(t)`; see :func:`disturbed_ou_excitation`.
        ``"random_sine"`` draws a new amplitude, frequency and phase for
        every path.
    mu : float, default=1.0
        Relaxation rate.
    sigma : float, default=0.5
        Noise amplitude. The authors' data script uses 0.2 and their test
        configuration 0.5; the default follows the configuration.
    x0 : float or array-like of shape (n_trajectories,), default=0.0
        Initial state(s) (the authors' test starts at 0).
    x0_range : (float, float) or None, default=None
        Draw each initial state uniformly from ``[low, high]`` instead
        (the authors' training data use ``(-5, 5)``).
    substeps : int, default=10
        Fine steps per observation interval.
    random_state : int, SeedSequence, Generator or None, default=None
        Path ``i`` draws from child ``i`` of one seed sequence, so the
        result does not depend on ``n_jobs``.
    n_jobs : int or None, default=None
        Parallel workers (joblib).

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_steps, 1)
        The paths.
    U : ndarray of shape (n_trajectories, n_steps, 1)
        The excitation :math:`b` at the observation times.

    See Also
    --------
    disturbed_ou_excitation : the excitation families.
    skrom.flows.SFMLFlow : learns this process conditioned on ``U``.

    References
    ----------
    .. [1] Y. Chen and D. Xiu, "Modeling unknown stochastic dynamical system
       subject to external excitation", 2026 (the disturbed OU example).

    Examples
    --------
    >>> from skrom.datasets import make_disturbed_ou
    >>> X, U = make_disturbed_ou(3, 101, excitation="two_tone", random_state=0)
    >>> X.shape, U.shape
    ((3, 101, 1), (3, 101, 1))
    >>> float(U[0, 0, 0])
    0.0
    """
    n_trajectories = check_int(n_trajectories, "n_trajectories", min_value=1)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    dt = check_positive_float(dt, "dt")
    mu = check_positive_float(mu, "mu")
    sigma = check_positive_float(sigma, "sigma", allow_zero=True)
    substeps = check_int(substeps, "substeps", min_value=1)
    _check_input_family(excitation, "excitation", _FAMILIES)
    x0_arr, box = _initial_states(x0, x0_range, n_trajectories)
    h = dt / substeps
    decay = float(np.exp(-mu * h))
    step = _OUStep(
        decay=decay,
        weight0=(1.0 - decay) / mu,
        weight1=(h / mu - (1.0 - decay) / mu**2) / h,
        noise=float(sigma * np.sqrt((1.0 - decay**2) / (2.0 * mu))),
        substeps=substeps,
    )
    paths = _run_paths(
        _disturbed_ou_member,
        n_trajectories,
        (x0_arr, box, excitation, n_steps, dt, step),
        random_state=random_state,
        n_jobs=n_jobs,
        what="make_disturbed_ou",
    )
    return _split_state_and_input(paths)


# ------------------------------------------------------ stochastic resonance
_RESONANCE_FORCINGS = ("cosine", "random_steps")


class _ResonanceStep(NamedTuple):
    """One Euler-Maruyama step of length h of the forced double well."""

    h: float
    noise: float  # sigma * sqrt(h)
    substeps: int


@njit(cache=True, nogil=True)
def _resonance_kernel(x0, b_fine, step, rng, out):
    """Fill ``out`` (n_steps,) from ``x0``; ``b`` is held over each fine step."""
    h, noise, substeps = step
    x = x0
    out[0] = x
    j = 0
    for n in range(1, out.shape[0]):
        for _ in range(substeps):
            x += h * (x - x * x * x + b_fine[j]) + noise * rng.standard_normal()
            j += 1
        if not np.isfinite(x):
            out[n:] = np.nan
            return n
        out[n] = x
    return -1


def _resonance_forcing(forcing, n_steps, dt, substeps, params, rng):
    """The forcing at the start of every fine step, and at the last point."""
    amplitude, omega, low, high = params
    n_fine = (n_steps - 1) * substeps + 1
    if forcing == "random_steps":
        # one value per observation interval, held over it; the last point
        # gets the value of the interval that would follow
        return np.repeat(rng.uniform(low, high, n_steps), substeps)[:n_fine]
    t = np.arange(n_fine) * (dt / substeps)
    if forcing == "cosine":
        return amplitude * np.cos(omega * t)
    b = np.asarray(forcing(t), dtype=np.float64)
    if b.shape != t.shape:
        raise ValueError(
            f"forcing(t) must return an array of the shape of t {t.shape}; got "
            f"{b.shape}."
        )
    return b


def _resonance_member(rng, index, x0, box, forcing, n_steps, dt, params, step):
    x_start = x0[index, 0] if box is None else rng.uniform(box[0], box[1])
    b_fine = _resonance_forcing(forcing, n_steps, dt, step.substeps, params, rng)
    return _forced_path(
        _resonance_kernel, x_start, b_fine, step, rng, n_steps, index, "forcing"
    )


def make_stochastic_resonance(
    n_trajectories,
    n_steps,
    dt=0.1,
    *,
    forcing="cosine",
    amplitude=0.12,
    omega=0.001,
    sigma=0.25,
    forcing_range=(-0.13, 0.13),
    x0=1.0,
    x0_range=None,
    substeps=1,
    random_state=None,
    n_jobs=None,
):
    r"""Paths of a periodically forced double well (stochastic resonance).

    .. math::

        dx = (x - x^3 + b(t))\,dt + \sigma\,dW, \qquad
        b(t) = V \cos \omega t,

    the climate model of Benzi, Parisi, Sutera and Vulpiani: a weak, slow
    forcing tilts the double well :math:`x^4/4 - x^2/2` back and forth, and
    noise makes the state hop between the wells at about the forcing's
    period. The authors' stochastic-resonance example (Chen & Xiu 2026)
    takes :math:`\sigma = 0.25`, :math:`V = 0.12`, :math:`\omega = 0.001`
    and observation steps of 0.1, and tests from x0 = 1 up to T = 40,000
    (about six periods) with 500 paths; its training data are 200,000
    single steps from states uniform in :math:`[-1.6, 1.6]` under forcings
    drawn uniformly from :math:`[-0.13, 0.13]` and held over the step
    (``forcing="random_steps"``, ``x0_range=(-1.6, 1.6)``, ``n_steps=2``).

    Paths are integrated by Euler-Maruyama with ``substeps`` steps per
    observation interval, :math:`b` held at its value at the start of each
    (the authors' data are one such step per observation, the default). The
    forcing is a *known input*: it is returned as ``U``, ready for
    ``SFMLFlow().fit(X, U=U)``.

    Read more in the :ref:`User Guide <inputs>`.

    Parameters
    ----------
    n_trajectories : int
        Number of paths.
    n_steps : int
        Points per path, the initial state included.
    dt : float, default=0.1
        Time between observations (the authors' 0.1).
    forcing : {"cosine", "random_steps"} or callable, default="cosine"
        ``"cosine"``: :math:`V \cos \omega t`. ``"random_steps"``: a new
        value per observation interval, uniform in ``forcing_range`` and
        held over the interval (the authors' training forcing). A callable
        ``b(t)`` takes an array of times and returns an array of the same
        shape.
    amplitude : float, default=0.12
        :math:`V`; 0 gives the unforced double well.
    omega : float, default=0.001
        Angular frequency :math:`\omega` of the cosine.
    sigma : float, default=0.25
        Noise amplitude.
    forcing_range : (float, float), default=(-0.13, 0.13)
        Range of the ``"random_steps"`` values.
    x0 : float or array-like of shape (n_trajectories,), default=1.0
        Initial state(s) (the authors' test starts at 1).
    x0_range : (float, float) or None, default=None
        Draw each initial state uniformly from ``[low, high]`` instead.
    substeps : int, default=1
        Euler-Maruyama steps per observation interval.
    random_state : int, SeedSequence, Generator or None, default=None
        Path ``i`` draws from child ``i`` of one seed sequence, so the
        result does not depend on ``n_jobs``.
    n_jobs : int or None, default=None
        Parallel workers (joblib).

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_steps, 1)
        The paths.
    U : ndarray of shape (n_trajectories, n_steps, 1)
        The forcing :math:`b` at the observation times (with
        ``"random_steps"``: the value held over the interval that starts
        there).

    See Also
    --------
    make_disturbed_ou : another SDE driven by a known input.
    skrom.flows.SFMLFlow : learns this process conditioned on ``U``.

    References
    ----------
    .. [1] R. Benzi, G. Parisi, A. Sutera and A. Vulpiani, "Stochastic
       resonance in climatic change", Tellus 34 (1982).
    .. [2] Y. Chen and D. Xiu, "Modeling unknown stochastic dynamical system
       subject to external excitation", 2026 (the stochastic resonance
       example).

    Examples
    --------
    >>> from skrom.datasets import make_stochastic_resonance
    >>> X, U = make_stochastic_resonance(3, 101, random_state=0)
    >>> X.shape, U.shape
    ((3, 101, 1), (3, 101, 1))
    >>> float(X[0, 0, 0]), float(U[0, 0, 0])
    (1.0, 0.12)
    """
    n_trajectories = check_int(n_trajectories, "n_trajectories", min_value=1)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    dt = check_positive_float(dt, "dt")
    amplitude = _check_real(amplitude, "amplitude")
    omega = _check_real(omega, "omega")
    sigma = check_positive_float(sigma, "sigma", allow_zero=True)
    substeps = check_int(substeps, "substeps", min_value=1)
    _check_input_family(forcing, "forcing", _RESONANCE_FORCINGS)
    low, high = _check_range(forcing_range, "forcing_range")
    x0_arr, box = _initial_states(x0, x0_range, n_trajectories)
    h = dt / substeps
    step = _ResonanceStep(h=h, noise=float(sigma * np.sqrt(h)), substeps=substeps)
    paths = _run_paths(
        _resonance_member,
        n_trajectories,
        (x0_arr, box, forcing, n_steps, dt, (amplitude, omega, low, high), step),
        random_state=random_state,
        n_jobs=n_jobs,
        what="make_stochastic_resonance",
    )
    return _split_state_and_input(paths)
