r"""Slow variables driven by a fast Lorenz-63 system (Del Felice & Giorgini 2025).

Three benchmark systems share one structure: a scalar slow variable ``x``
in a potential, pushed by the second component of a Lorenz-63 system that
runs ``1 / eps**2`` times faster,

.. math::

    \dot x = f(x, t) + \frac{s}{\varepsilon}\, g(x)\, y_2, \qquad
    \dot{\mathbf y} = \frac{1}{\varepsilon^2}\, L_{63}(\mathbf y).

As ``eps -> 0`` the forcing ``(s / eps) y2`` acts on ``x`` like white noise
(homogenisation), while at finite ``eps`` it is a smooth chaotic signal whose
predictability is set by the Lyapunov time of Lorenz-63 (``1 / 0.906``).

The whole state ``(x, y1, y2, y3)`` is advanced by the classical fourth-order
Runge-Kutta method with a small step ``integration_dt`` inside a
``numba`` kernel and observed every ``dt``.
"""

import math
import numbers
from typing import NamedTuple

import numpy as np
from numba import njit
from sklearn.utils import Bunch

from .._ensemble import run_ensemble
from .._random import as_seed_sequence
from .._validation import (
    SimulationBlowUpError,
    check_int,
    check_positive_float,
)

__all__ = [
    "make_bistable_additive",
    "make_bistable_multiplicative",
    "make_tristable",
    "lorenz63_max_lyapunov",
]

# Lorenz-63 parameters of every system here (the chaotic regime).
L63_SIGMA = 10.0
L63_RHO = 28.0
L63_BETA = 8.0 / 3.0

# On the attractor |y| < ~60 and the slow variable stays within a few units
# of its wells; anything beyond this bound is a numerical blow-up.
STATE_BOUND = 1.0e4

_ADDITIVE, _MULTIPLICATIVE, _TRISTABLE = 0, 1, 2

# Tristable potential U(x) = (50/131)(x^6/3 - (122/64) x^4 + (79/29) x^2) + 0.02 x^2.
_TRI_SCALE = 50.0 / 131.0
_TRI_C4 = 4.0 * 122.0 / 64.0
_TRI_C2 = 2.0 * 79.0 / 29.0
_TRI_TILT = 0.04


class SlowFastCoefficients(NamedTuple):
    """The coefficients of one slow-fast system, as the kernel reads them.

    All are floats, so numba types the bundle as one homogeneous tuple and
    compiles (and caches) the kernel once for all three systems.
    """

    coupling: float  # s / eps, the forcing's weight in the slow equation
    alpha: float  # state dependence of the multiplicative forcing
    amplitude: float  # A of the periodic forcing A cos(omega t)
    omega: float
    sigma: float  # Lorenz-63 parameters
    rho: float
    beta: float
    inv_eps2: float  # 1 / eps**2, the speed-up of the fast system
    bound: float  # |state| beyond which a run is a blow-up
    constant: float = 0.0  # a constant added to the slow drift (a perturbation)


# ----------------------------------------------------------------------------
# numba kernels: scalar locals only, nothing allocated inside the time loop.
# ----------------------------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def _slow_rhs(kind, x, y2, forcing, coupling, alpha):
    # ``forcing`` is the constant plus the time-dependent term A cos(omega t),
    # computed by the caller; added last so that a zero constant changes no bit
    if kind == _ADDITIVE:
        return x * (1.0 - x * x) + coupling * y2 + forcing
    if kind == _MULTIPLICATIVE:
        # 1 + alpha x / sqrt(1 + x^2): positive, bounded, and a sqrt instead of
        # a libm tanh (4 per step) keeps the kernel as fast as the additive one
        return (
            x * (1.0 - x * x)
            + coupling * (1.0 + alpha * x / math.sqrt(1.0 + x * x)) * y2
            + forcing
        )
    x2 = x * x
    grad_u = _TRI_SCALE * x * ((2.0 * x2 - _TRI_C4) * x2 + _TRI_C2) + _TRI_TILT * x
    return -grad_u + forcing + coupling * y2


@njit(cache=True, nogil=True)
def _integrate_slow_fast(kind, state0, t0, h, stride, n_obs, coefs, out):
    """RK4 on (x, y1, y2, y3); writes every ``stride``-th state into ``out``.

    ``coefs`` is a :data:`SlowFastCoefficients`. Returns -1 on success, else
    the index of the first observation that is NaN/inf or beyond
    ``coefs.bound`` (the run stops there).
    """
    coupling = coefs.coupling
    alpha = coefs.alpha
    amplitude = coefs.amplitude
    omega = coefs.omega
    sigma = coefs.sigma
    rho = coefs.rho
    beta = coefs.beta
    inv_eps2 = coefs.inv_eps2
    bound = coefs.bound
    x = state0[0]
    y1 = state0[1]
    y2 = state0[2]
    y3 = state0[3]
    out[0, 0] = x
    out[0, 1] = y1
    out[0, 2] = y2
    out[0, 3] = y3
    sf = sigma * inv_eps2
    half = 0.5 * h
    sixth = h / 6.0
    constant = coefs.constant
    periodic = kind == _TRISTABLE
    f_start = amplitude * math.cos(omega * t0) + constant if periodic else constant
    f_mid = constant
    f_end = constant
    for k in range(1, n_obs):
        base = (k - 1) * stride
        for j in range(stride):
            if periodic:
                # time from the step index, not by accumulation, so long runs keep
                # the phase; the end-of-step value is reused at the next start
                t = t0 + (base + j) * h
                f_mid = amplitude * math.cos(omega * (t + half)) + constant
                f_end = amplitude * math.cos(omega * (t + h)) + constant
            kx1 = _slow_rhs(kind, x, y2, f_start, coupling, alpha)
            ka1 = sf * (y2 - y1)
            kb1 = inv_eps2 * (y1 * (rho - y3) - y2)
            kc1 = inv_eps2 * (y1 * y2 - beta * y3)
            xs = x + half * kx1
            a = y1 + half * ka1
            b = y2 + half * kb1
            c = y3 + half * kc1
            kx2 = _slow_rhs(kind, xs, b, f_mid, coupling, alpha)
            ka2 = sf * (b - a)
            kb2 = inv_eps2 * (a * (rho - c) - b)
            kc2 = inv_eps2 * (a * b - beta * c)
            xs = x + half * kx2
            a = y1 + half * ka2
            b = y2 + half * kb2
            c = y3 + half * kc2
            kx3 = _slow_rhs(kind, xs, b, f_mid, coupling, alpha)
            ka3 = sf * (b - a)
            kb3 = inv_eps2 * (a * (rho - c) - b)
            kc3 = inv_eps2 * (a * b - beta * c)
            xs = x + h * kx3
            a = y1 + h * ka3
            b = y2 + h * kb3
            c = y3 + h * kc3
            kx4 = _slow_rhs(kind, xs, b, f_end, coupling, alpha)
            ka4 = sf * (b - a)
            kb4 = inv_eps2 * (a * (rho - c) - b)
            kc4 = inv_eps2 * (a * b - beta * c)
            x += sixth * (kx1 + 2.0 * (kx2 + kx3) + kx4)
            y1 += sixth * (ka1 + 2.0 * (ka2 + ka3) + ka4)
            y2 += sixth * (kb1 + 2.0 * (kb2 + kb3) + kb4)
            y3 += sixth * (kc1 + 2.0 * (kc2 + kc3) + kc4)
            f_start = f_end
        out[k, 0] = x
        out[k, 1] = y1
        out[k, 2] = y2
        out[k, 3] = y3
        # written as "not <=" so that NaN fails the test too
        if not (
            abs(x) <= bound
            and abs(y1) <= bound
            and abs(y2) <= bound
            and abs(y3) <= bound
        ):
            return k
    return -1


@njit(cache=True, nogil=True)
def _lorenz63_rk4(y, n_steps, h, sigma, rho, beta, bound):
    """Advance Lorenz-63 in place by ``n_steps`` RK4 steps; -1 or failing step."""
    y1 = y[0]
    y2 = y[1]
    y3 = y[2]
    half = 0.5 * h
    sixth = h / 6.0
    for i in range(n_steps):
        ka1 = sigma * (y2 - y1)
        kb1 = y1 * (rho - y3) - y2
        kc1 = y1 * y2 - beta * y3
        a = y1 + half * ka1
        b = y2 + half * kb1
        c = y3 + half * kc1
        ka2 = sigma * (b - a)
        kb2 = a * (rho - c) - b
        kc2 = a * b - beta * c
        a = y1 + half * ka2
        b = y2 + half * kb2
        c = y3 + half * kc2
        ka3 = sigma * (b - a)
        kb3 = a * (rho - c) - b
        kc3 = a * b - beta * c
        a = y1 + h * ka3
        b = y2 + h * kb3
        c = y3 + h * kc3
        ka4 = sigma * (b - a)
        kb4 = a * (rho - c) - b
        kc4 = a * b - beta * c
        y1 += sixth * (ka1 + 2.0 * (ka2 + ka3) + ka4)
        y2 += sixth * (kb1 + 2.0 * (kb2 + kb3) + kb4)
        y3 += sixth * (kc1 + 2.0 * (kc2 + kc3) + kc4)
        if not (abs(y1) <= bound and abs(y2) <= bound and abs(y3) <= bound):
            return i + 1
    y[0] = y1
    y[1] = y2
    y[2] = y3
    return -1


@njit(cache=True, nogil=True, inline="always")
def _l63_tangent_rhs(y1, y2, y3, v1, v2, v3, sigma, rho, beta):
    # Lorenz-63 vector field and its Jacobian applied to the tangent vector v
    return (
        sigma * (y2 - y1),
        y1 * (rho - y3) - y2,
        y1 * y2 - beta * y3,
        sigma * (v2 - v1),
        (rho - y3) * v1 - v2 - y1 * v3,
        y2 * v1 + y1 * v2 - beta * v3,
    )


@njit(cache=True, nogil=True)
def _lorenz63_lyapunov_kernel(y, v, h, n_blocks, block, sigma, rho, beta):
    """Benettin's method: RK4 on the state and its tangent, renormalised per block.

    Returns the sum of the log growth factors (NaN if the run left the
    attractor) and leaves the final state and unit tangent in ``y`` and ``v``.
    """
    y1, y2, y3 = y[0], y[1], y[2]
    norm = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    v1, v2, v3 = v[0] / norm, v[1] / norm, v[2] / norm
    half = 0.5 * h
    sixth = h / 6.0
    log_sum = 0.0
    for _ in range(n_blocks):
        for _ in range(block):
            a1, b1, c1, p1, q1, r1 = _l63_tangent_rhs(
                y1, y2, y3, v1, v2, v3, sigma, rho, beta
            )
            a2, b2, c2, p2, q2, r2 = _l63_tangent_rhs(
                y1 + half * a1,
                y2 + half * b1,
                y3 + half * c1,
                v1 + half * p1,
                v2 + half * q1,
                v3 + half * r1,
                sigma,
                rho,
                beta,
            )
            a3, b3, c3, p3, q3, r3 = _l63_tangent_rhs(
                y1 + half * a2,
                y2 + half * b2,
                y3 + half * c2,
                v1 + half * p2,
                v2 + half * q2,
                v3 + half * r2,
                sigma,
                rho,
                beta,
            )
            a4, b4, c4, p4, q4, r4 = _l63_tangent_rhs(
                y1 + h * a3,
                y2 + h * b3,
                y3 + h * c3,
                v1 + h * p3,
                v2 + h * q3,
                v3 + h * r3,
                sigma,
                rho,
                beta,
            )
            y1 += sixth * (a1 + 2.0 * (a2 + a3) + a4)
            y2 += sixth * (b1 + 2.0 * (b2 + b3) + b4)
            y3 += sixth * (c1 + 2.0 * (c2 + c3) + c4)
            v1 += sixth * (p1 + 2.0 * (p2 + p3) + p4)
            v2 += sixth * (q1 + 2.0 * (q2 + q3) + q4)
            v3 += sixth * (r1 + 2.0 * (r2 + r3) + r4)
        norm = math.sqrt(v1 * v1 + v2 * v2 + v3 * v3)
        if not (norm > 0.0 and norm < math.inf and abs(y1) < 1.0e4):
            return math.nan
        log_sum += math.log(norm)
        v1 /= norm
        v2 /= norm
        v3 /= norm
    y[0], y[1], y[2] = y1, y2, y3
    v[0], v[1], v[2] = v1, v2, v3
    return log_sum


# ----------------------------------------------------------------------------
# Python side: validation, ensemble members, output assembly.
# ----------------------------------------------------------------------------


def _check_stride(dt, integration_dt):
    ratio = dt / integration_dt
    stride = int(round(ratio))
    if stride < 1 or abs(ratio - stride) > 1e-9 * max(1.0, ratio):
        raise ValueError(
            f"dt / integration_dt must be a positive integer (the number of RK4 "
            f"steps between observations); got dt={dt!r}, integration_dt="
            f"{integration_dt!r}, ratio {ratio!r}."
        )
    return stride


def _check_initial(value, name, n_trajectories, width):
    """Return ``value`` as an (n_trajectories, width) float array, or None."""
    if value is None:
        return None
    arr = np.array(value, dtype=np.float64, copy=True)
    if width == 1 and arr.ndim <= 1 and arr.size in (1, n_trajectories):
        arr = arr.reshape(-1, 1)
    elif arr.ndim == 1 and arr.shape[0] == width:
        arr = arr[None, :]
    if (
        arr.ndim != 2
        or arr.shape[1] != width
        or arr.shape[0] not in (1, n_trajectories)
    ):
        expected = (
            "a scalar, or shape (n_trajectories,) or (n_trajectories, 1)"
            if width == 1
            else f"shape ({width},) or (n_trajectories, {width})"
        )
        raise ValueError(
            f"{name} must be {expected} with n_trajectories={n_trajectories}; "
            f"got shape {np.shape(value)}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return np.ascontiguousarray(np.broadcast_to(arr, (n_trajectories, width)))


def _check_constant_forcing(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"constant_forcing must be a real number, got {type(value).__name__}."
        )
    if not np.isfinite(value):
        raise ValueError(f"constant_forcing must be finite, got {value!r}.")
    return float(value)


def _simulate_member(
    rng,
    index,
    kind,
    x0,
    y0,
    x_range,
    spin_steps,
    h_l63,
    stride,
    n_obs,
    h,
    t0,
    coefs,
    what,
):
    """One ensemble member: draw its initial state from ``rng`` and integrate."""
    # both draws always happen so a member's stream never depends on x0/y0
    y_start = rng.standard_normal(3) * 5.0 + np.array([0.0, 0.0, 25.0])
    x_start = rng.uniform(-x_range, x_range)
    if y0 is not None:
        y_start = y0[index].copy()
    elif spin_steps > 0:
        status = _lorenz63_rk4(
            y_start, spin_steps, h_l63, L63_SIGMA, L63_RHO, L63_BETA, STATE_BOUND
        )
        if status >= 0:
            raise SimulationBlowUpError(
                f"{what}: the Lorenz-63 spin-up blew up at spin-up step {status} "
                f"of member {index}."
            )
    state0 = np.empty(4)
    state0[0] = x_start if x0 is None else x0[index, 0]
    state0[1:] = y_start
    out = np.empty((n_obs, 4))
    status = _integrate_slow_fast(kind, state0, t0, h, stride, n_obs, coefs, out)
    if status >= 0:
        first, last = (status - 1) * stride + 1, status * stride
        raise SimulationBlowUpError(
            f"{what} blew up: NaN/inf or |state| > {STATE_BOUND:g} at observed step "
            f"{status} (within RK4 steps {first}-{last}) of member {index}. "
            "Reduce integration_dt or increase eps."
        )
    return out


def _simulate(
    kind,
    what,
    *,
    n_trajectories,
    n_steps,
    dt,
    s,
    eps,
    integration_dt,
    spin_up,
    x0,
    y0,
    x_range,
    random_state,
    n_jobs,
    alpha=0.0,
    amplitude=0.0,
    omega=0.0,
    t0=0.0,
    constant_forcing=0.0,
):
    n_trajectories = check_int(n_trajectories, "n_trajectories", min_value=1)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    dt = check_positive_float(dt, "dt")
    s = check_positive_float(s, "s", allow_zero=True)
    eps = check_positive_float(eps, "eps")
    integration_dt = check_positive_float(integration_dt, "integration_dt")
    spin_up = check_positive_float(spin_up, "spin_up", allow_zero=True)
    stride = _check_stride(dt, integration_dt)
    x0 = _check_initial(x0, "x0", n_trajectories, 1)
    y0 = _check_initial(y0, "y0", n_trajectories, 3)
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral)
    ):
        raise TypeError(f"n_jobs must be None or an int, got {type(n_jobs).__name__}.")
    seed = as_seed_sequence(random_state)

    # the driver's own time runs 1/eps^2 faster, so its step is integration_dt/eps^2
    h_l63 = integration_dt / eps**2
    spin_steps = int(math.ceil(spin_up / h_l63))
    coefs = SlowFastCoefficients(
        coupling=s / eps,
        alpha=float(alpha),
        amplitude=float(amplitude),
        constant=_check_constant_forcing(constant_forcing),
        omega=float(omega),
        sigma=L63_SIGMA,
        rho=L63_RHO,
        beta=L63_BETA,
        inv_eps2=1.0 / eps**2,
        bound=STATE_BOUND,
    )
    full_state = run_ensemble(
        _simulate_member,
        n_trajectories,
        random_state=seed,
        n_jobs=n_jobs,
        args=(
            kind,
            x0,
            y0,
            x_range,
            spin_steps,
            h_l63,
            stride,
            n_steps,
            integration_dt,
            t0,
            coefs,
            what,
        ),
    )
    time = t0 + dt * np.arange(n_steps)
    params = dict(
        n_trajectories=n_trajectories,
        n_steps=n_steps,
        dt=dt,
        s=s,
        eps=eps,
        integration_dt=integration_dt,
        stride=stride,
        spin_up=spin_up,
        sigma=L63_SIGMA,
        rho=L63_RHO,
        beta=L63_BETA,
    )
    return full_state, time, params


def _finish(X, full_state, time, params, feature_names, return_bunch):
    if not return_bunch:
        return X
    return Bunch(
        X=X,
        full_state=full_state,
        slow_indices=[0],
        time=time,
        params=params,
        feature_names=feature_names,
        state_names=["x", "y1", "y2", "y3"],
    )


def _make_bistable(
    kind,
    what,
    n_trajectories,
    n_steps,
    dt,
    s,
    eps,
    integration_dt,
    spin_up,
    x0,
    y0,
    alpha,
    random_state,
    n_jobs,
    return_bunch,
    constant_forcing,
):
    full_state, time, params = _simulate(
        kind,
        what,
        n_trajectories=n_trajectories,
        n_steps=n_steps,
        dt=dt,
        s=s,
        eps=eps,
        integration_dt=integration_dt,
        spin_up=spin_up,
        x0=x0,
        y0=y0,
        x_range=1.5,
        random_state=random_state,
        n_jobs=n_jobs,
        alpha=alpha,
        constant_forcing=constant_forcing,
    )
    if kind == _MULTIPLICATIVE:
        params["alpha"] = alpha
    params["constant_forcing"] = float(constant_forcing)
    X = full_state[:, :, :1].copy()
    return _finish(X, full_state, time, params, ["x"], return_bunch)


def make_bistable_additive(
    n_trajectories=1,
    n_steps=10_000,
    dt=0.01,
    *,
    s=0.08,
    eps=0.5,
    integration_dt=1e-3,
    spin_up=20.0,
    x0=None,
    y0=None,
    random_state=None,
    n_jobs=None,
    return_bunch=False,
    constant_forcing=0.0,
):
    r"""Bistable slow variable with additive Lorenz-63 forcing.

    .. math::

        \dot x = x (1 - x^2) + \frac{s}{\varepsilon} y_2, \qquad
        \dot y_1 = \frac{10}{\varepsilon^2} (y_2 - y_1), \quad
        \dot y_2 = \frac{1}{\varepsilon^2} (y_1 (28 - y_3) - y_2), \quad
        \dot y_3 = \frac{1}{\varepsilon^2} (y_1 y_2 - \tfrac{8}{3} y_3).

    The chaotic forcing kicks ``x`` between the wells at ``x = -1`` and
    ``x = +1`` (with the defaults, about one transition every 22 time units);
    since ``y2`` is symmetric on the attractor, so is the invariant density
    of ``x``. Only ``x`` is observed. The full state is advanced by RK4 with
    step ``integration_dt`` and recorded every ``dt``.

    Parameters
    ----------
    n_trajectories : int, default=1
        Number of independent trajectories (ensemble members).
    n_steps : int, default=10_000
        Number of observed time points per trajectory, the initial one included.
    dt : float, default=0.01
        Observation interval; must be an integer multiple of ``integration_dt``.
    s : float, default=0.08
        Coupling strength of the fast forcing (``s >= 0``).
    eps : float, default=0.5
        Time-scale separation: Lorenz-63 runs ``1 / eps**2`` times faster and
        the forcing is ``(s / eps) y2``.
    integration_dt : float, default=1e-3
        Fixed RK4 step on the full state.
    spin_up : float, default=20.0
        Time, in Lorenz-63's own (unscaled) units, for which the driver alone
        is integrated from a random point before the run, so that ``y`` starts
        on its attractor. Ignored when ``y0`` is given.
    x0 : float or array-like of shape (n_trajectories,), default=None
        Initial slow state; drawn uniformly in ``[-1.5, 1.5]`` when None.
    y0 : array-like of shape (3,) or (n_trajectories, 3), default=None
        Initial fast state; when None it is drawn and spun up onto the attractor.
    random_state : None, int, SeedSequence or Generator, default=None
        Seed; member ``i`` uses child ``i`` of one ``SeedSequence``, so the
        output does not depend on ``n_jobs`` or the joblib backend.
    n_jobs : int or None, default=None
        Members run in parallel with joblib (``-1``: all cores); ``None``
        defers to an enclosing :func:`joblib.parallel_config`.
    return_bunch : bool, default=False
        If True, return a :class:`~sklearn.utils.Bunch` instead of ``X``.
    constant_forcing : float, default=0.0
        A constant ``c`` added to the slow drift, ``dx/dt = ... + c``: the
        perturbation of a response experiment (see
        :func:`skrom.response.ensemble_response`). With 0 the output is
        bit-identical to a run without it.

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_steps, 1)
        Observed slow variable ``x``; ``X[:, 0]`` is the initial state.
    bunch : Bunch, if ``return_bunch=True``
        ``X`` as above; ``full_state`` of shape (n_trajectories, n_steps, 4)
        holding ``(x, y1, y2, y3)``; ``slow_indices=[0]`` (the slow column
        of ``full_state``); ``time`` of shape (n_steps,); ``params``, a dict
        of every parameter used (``stride`` included); ``feature_names`` and
        ``state_names``.

    Raises
    ------
    SimulationBlowUpError
        If a member's state becomes NaN/inf or leaves ``|state| <= 1e4``
        (e.g. RK4 instability for a too-small ``eps``); names the step and
        the member.

    See Also
    --------
    make_bistable_multiplicative : The same with state-dependent forcing.
    make_tristable : Three wells and a periodic forcing.
    lorenz63_max_lyapunov : The predictability time of the driver.

    References
    ----------
    G. Del Felice and L. T. Giorgini, "Integrating score-based generative
    modeling and neural ODEs for accurate representation of multiscale
    chaotic dynamics", arXiv:2511.03862 (2025).

    Examples
    --------
    >>> from skrom.datasets import make_bistable_additive
    >>> X = make_bistable_additive(n_trajectories=2, n_steps=500, random_state=0)
    >>> X.shape
    (2, 500, 1)
    """
    return _make_bistable(
        _ADDITIVE,
        "make_bistable_additive",
        n_trajectories,
        n_steps,
        dt,
        s,
        eps,
        integration_dt,
        spin_up,
        x0,
        y0,
        0.0,
        random_state,
        n_jobs,
        return_bunch,
        constant_forcing,
    )


def make_bistable_multiplicative(
    n_trajectories=1,
    n_steps=10_000,
    dt=0.01,
    *,
    s=0.08,
    eps=0.5,
    alpha=0.3,
    integration_dt=1e-3,
    spin_up=20.0,
    x0=None,
    y0=None,
    random_state=None,
    n_jobs=None,
    return_bunch=False,
    constant_forcing=0.0,
):
    r"""Bistable slow variable with multiplicative Lorenz-63 forcing.

    .. math::

        \dot x = x (1 - x^2) + \frac{s}{\varepsilon}\, g(x)\, y_2, \qquad
        g(x) = 1 + \alpha \frac{x}{\sqrt{1 + x^2}},

    with the fast Lorenz-63 driver of :func:`make_bistable_additive`.

    Choice of ``g``: to first order ``g(x) = 1 + alpha x``, the linear
    amplitude ``1 + 0.3 x`` of the benchmark (``alpha = 0.3``) near the
    barrier, but smooth and bounded in ``(1 - alpha, 1 + alpha)`` for every
    ``x``. The forcing therefore never switches off (``g(-1) = 0.79``,
    ``g(+1) = 1.21``), so both wells keep being left, and it never grows with
    ``|x|``, so no runaway can start. The stronger forcing in the right well
    makes its exits more frequent: the invariant density is asymmetric (about
    two thirds of the time near ``x = -1`` with the defaults) while
    transitions stay frequent (about one per 25 time units, against one per
    22 for the additive system). A square root rather than ``tanh`` keeps
    the kernel cheap.

    Parameters
    ----------
    n_trajectories : int, default=1
        Number of independent trajectories (ensemble members).
    n_steps : int, default=10_000
        Number of observed time points per trajectory, the initial one included.
    dt : float, default=0.01
        Observation interval; must be an integer multiple of ``integration_dt``.
    s : float, default=0.08
        Coupling strength of the fast forcing (``s >= 0``).
    eps : float, default=0.5
        Time-scale separation: Lorenz-63 runs ``1 / eps**2`` times faster.
    alpha : float, default=0.3
        Strength of the state dependence, in ``[0, 1)``; ``alpha=0`` gives the
        additive system.
    integration_dt : float, default=1e-3
        Fixed RK4 step on the full state.
    spin_up : float, default=20.0
        Lorenz-63 time (unscaled) for which the driver alone is integrated
        before the run. Ignored when ``y0`` is given.
    x0 : float or array-like of shape (n_trajectories,), default=None
        Initial slow state; drawn uniformly in ``[-1.5, 1.5]`` when None.
    y0 : array-like of shape (3,) or (n_trajectories, 3), default=None
        Initial fast state; when None it is drawn and spun up onto the attractor.
    random_state : None, int, SeedSequence or Generator, default=None
        Seed; member ``i`` uses child ``i`` of one ``SeedSequence``.
    n_jobs : int or None, default=None
        Members run in parallel with joblib (``-1``: all cores).
    return_bunch : bool, default=False
        If True, return a :class:`~sklearn.utils.Bunch` instead of ``X``.
    constant_forcing : float, default=0.0
        A constant ``c`` added to the slow drift, ``dx/dt = ... + c``: the
        perturbation of a response experiment (see
        :func:`skrom.response.ensemble_response`). With 0 the output is
        bit-identical to a run without it.

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_steps, 1)
        Observed slow variable ``x``; ``X[:, 0]`` is the initial state.
    bunch : Bunch, if ``return_bunch=True``
        As in :func:`make_bistable_additive`, with ``params["alpha"]``.

    Raises
    ------
    SimulationBlowUpError
        If a member's state becomes NaN/inf or leaves ``|state| <= 1e4``.

    See Also
    --------
    make_bistable_additive : The same with ``alpha = 0``.
    make_tristable : Three wells and a periodic forcing.

    References
    ----------
    G. Del Felice and L. T. Giorgini, arXiv:2511.03862 (2025).

    Examples
    --------
    >>> from skrom.datasets import make_bistable_multiplicative
    >>> bunch = make_bistable_multiplicative(n_steps=300, random_state=0,
    ...                                      return_bunch=True)
    >>> bunch.X.shape, bunch.full_state.shape, bunch.params["alpha"]
    ((1, 300, 1), (1, 300, 4), 0.3)
    """
    alpha = check_positive_float(alpha, "alpha", allow_zero=True)
    if alpha >= 1.0:
        raise ValueError(
            f"alpha must be in [0, 1) so that the forcing amplitude "
            f"1 + alpha*x/sqrt(1 + x^2) stays positive; got {alpha}."
        )
    return _make_bistable(
        _MULTIPLICATIVE,
        "make_bistable_multiplicative",
        n_trajectories,
        n_steps,
        dt,
        s,
        eps,
        integration_dt,
        spin_up,
        x0,
        y0,
        alpha,
        random_state,
        n_jobs,
        return_bunch,
        constant_forcing,
    )


def make_tristable(
    n_trajectories=1,
    n_steps=10_000,
    dt=0.01,
    *,
    s=0.08,
    eps=0.5,
    amplitude=0.1,
    omega=2.0 * np.pi * 0.002,
    t0=0.0,
    integration_dt=1e-3,
    spin_up=20.0,
    x0=None,
    y0=None,
    random_state=None,
    n_jobs=None,
    return_bunch=False,
):
    r"""Tristable, periodically forced slow variable with Lorenz-63 forcing.

    .. math::

        \dot x = -U'(x) + A \cos(\omega t) + \frac{s}{\varepsilon} y_2,
        \qquad
        U(x) = \tfrac{50}{131}\Bigl(\tfrac{x^6}{3} - \tfrac{122}{64} x^4
        + \tfrac{79}{29} x^2\Bigr) + 0.02\, x^2,

    with the fast Lorenz-63 driver of :func:`make_bistable_additive`. ``U``
    has wells at ``x = 0`` and ``x = +-1.69`` separated by barriers at
    ``x = +-0.98``; the slow cosine (period ``2 pi / omega = 500``) tilts the
    landscape back and forth, so the system is cyclo-stationary.

    The time dependence enters as known features: the returned set holds
    ``[x, sin(omega t), cos(omega t)]`` (``n_features = 3``), the clock
    variables a ROM needs to be autonomous in the augmented space. The
    defaults are those of the authors' scripts (``s = 0.08``, ``eps = 0.5``,
    ``A = 0.1``, ``omega = 2 pi 0.002``, step ``1e-3``; ClustGen,
    ``scripts/giulio_scripts/periodic_forced``); with them ``x`` hops among
    all three wells, about one transition every 50 time units.

    Parameters
    ----------
    n_trajectories : int, default=1
        Number of independent trajectories (ensemble members).
    n_steps : int, default=10_000
        Number of observed time points per trajectory, the initial one included.
    dt : float, default=0.01
        Observation interval; must be an integer multiple of ``integration_dt``.
    s : float, default=0.08
        Coupling strength of the fast forcing (``s >= 0``).
    eps : float, default=0.5
        Time-scale separation: Lorenz-63 runs ``1 / eps**2`` times faster.
    amplitude : float, default=0.1
        Amplitude ``A`` of the periodic forcing.
    omega : float, default=2*pi*0.002
        Angular frequency of the periodic forcing.
    t0 : float, default=0.0
        Time of the first observation (sets the initial phase ``omega t0``);
        every member starts at the same phase.
    integration_dt : float, default=1e-3
        Fixed RK4 step on the full state.
    spin_up : float, default=20.0
        Lorenz-63 time (unscaled) for which the driver alone is integrated
        before the run. Ignored when ``y0`` is given.
    x0 : float or array-like of shape (n_trajectories,), default=None
        Initial slow state; drawn uniformly in ``[-2, 2]`` when None.
    y0 : array-like of shape (3,) or (n_trajectories, 3), default=None
        Initial fast state; when None it is drawn and spun up onto the attractor.
    random_state : None, int, SeedSequence or Generator, default=None
        Seed; member ``i`` uses child ``i`` of one ``SeedSequence``.
    n_jobs : int or None, default=None
        Members run in parallel with joblib (``-1``: all cores).
    return_bunch : bool, default=False
        If True, return a :class:`~sklearn.utils.Bunch` instead of ``X``.

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_steps, 3)
        Features ``[x, sin(omega t), cos(omega t)]``; ``X[:, 0]`` is the
        initial state.
    bunch : Bunch, if ``return_bunch=True``
        As in :func:`make_bistable_additive` (``full_state`` holds
        ``(x, y1, y2, y3)``), with ``amplitude``, ``omega`` and ``t0`` in
        ``params``.

    Raises
    ------
    SimulationBlowUpError
        If a member's state becomes NaN/inf or leaves ``|state| <= 1e4``.

    See Also
    --------
    make_bistable_additive : Two wells, autonomous.

    References
    ----------
    G. Del Felice and L. T. Giorgini, arXiv:2511.03862 (2025).

    Examples
    --------
    >>> from skrom.datasets import make_tristable
    >>> X = make_tristable(n_steps=200, dt=0.1, random_state=0)
    >>> X.shape
    (1, 200, 3)
    >>> print(X[0, 0, 1:].round(3))
    [0. 1.]
    """
    amplitude = check_positive_float(amplitude, "amplitude", allow_zero=True)
    omega = check_positive_float(omega, "omega", allow_zero=True)
    if isinstance(t0, bool) or not isinstance(t0, numbers.Real):
        raise TypeError(f"t0 must be a real number, got {type(t0).__name__}.")
    if not np.isfinite(t0):
        raise ValueError(f"t0 must be finite, got {t0!r}.")
    t0 = float(t0)
    full_state, time, params = _simulate(
        _TRISTABLE,
        "make_tristable",
        n_trajectories=n_trajectories,
        n_steps=n_steps,
        dt=dt,
        s=s,
        eps=eps,
        integration_dt=integration_dt,
        spin_up=spin_up,
        x0=x0,
        y0=y0,
        x_range=2.0,
        random_state=random_state,
        n_jobs=n_jobs,
        amplitude=amplitude,
        omega=omega,
        t0=t0,
    )
    params.update(amplitude=amplitude, omega=omega, t0=t0)
    phase = omega * time
    X = np.empty(full_state.shape[:2] + (3,))
    X[:, :, 0] = full_state[:, :, 0]
    X[:, :, 1] = np.sin(phase)
    X[:, :, 2] = np.cos(phase)
    return _finish(
        X, full_state, time, params, ["x", "sin(omega t)", "cos(omega t)"], return_bunch
    )


def lorenz63_max_lyapunov(
    *,
    sigma=L63_SIGMA,
    rho=L63_RHO,
    beta=L63_BETA,
    dt=0.01,
    duration=1000.0,
    renormalize_every=10,
    spin_up=50.0,
    y0=None,
    random_state=None,
):
    """Largest Lyapunov exponent of Lorenz-63 by Benettin's method.

    The state and one tangent vector ``v`` (``dv/dt = J(y) v``) are advanced
    together by RK4; every ``renormalize_every`` steps ``log |v|`` is
    accumulated and ``v`` rescaled to unit length. The exponent is the
    accumulated log growth divided by ``duration``. For the classical
    parameters the value is 0.9056 (Sprott 2003), a Lyapunov time of 1.10.

    Parameters
    ----------
    sigma, rho, beta : float, default=10, 28, 8/3
        Lorenz-63 parameters.
    dt : float, default=0.01
        RK4 step.
    duration : float, default=1000.0
        Averaging time (after the spin-up); the estimate's error decays like
        ``duration ** -0.5``.
    renormalize_every : int, default=10
        RK4 steps between renormalisations of the tangent vector.
    spin_up : float, default=50.0
        Time integrated before averaging, to land on the attractor and align
        the tangent vector with the most unstable direction.
    y0 : array-like of shape (3,), default=None
        Initial state; drawn near the attractor from ``random_state`` when None.
    random_state : None, int, SeedSequence or Generator, default=None
        Seed for the initial state and tangent vector.

    Returns
    -------
    lyapunov : float
        Largest Lyapunov exponent (per unit of Lorenz-63 time).

    See Also
    --------
    make_bistable_additive : a system driven by Lorenz-63 sped up by ``1/eps**2``
        (its exponent in model time is ``lyapunov / eps**2``).

    References
    ----------
    G. Benettin, L. Galgani, A. Giorgilli and J.-M. Strelcyn, "Lyapunov
    characteristic exponents for smooth dynamical systems", Meccanica 15 (1980).
    J. C. Sprott, "Chaos and Time-Series Analysis", Oxford (2003).

    Examples
    --------
    >>> from skrom.datasets import lorenz63_max_lyapunov
    >>> lam = lorenz63_max_lyapunov(duration=500.0, random_state=0)
    >>> bool(abs(lam - 0.906) < 0.05)
    True
    """
    sigma = check_positive_float(sigma, "sigma")
    rho = check_positive_float(rho, "rho")
    beta = check_positive_float(beta, "beta")
    dt = check_positive_float(dt, "dt")
    duration = check_positive_float(duration, "duration")
    spin_up = check_positive_float(spin_up, "spin_up", allow_zero=True)
    block = check_int(renormalize_every, "renormalize_every", min_value=1)
    n_blocks = max(1, int(round(duration / (dt * block))))
    rng = np.random.default_rng(as_seed_sequence(random_state))
    v = rng.standard_normal(3)
    if y0 is None:
        y = rng.standard_normal(3) * 5.0 + np.array([0.0, 0.0, 25.0])
    else:
        y = np.array(y0, dtype=np.float64, copy=True).reshape(-1)
        if y.shape != (3,) or not np.all(np.isfinite(y)):
            raise ValueError(f"y0 must be 3 finite numbers, got {y0!r}.")
    spin_blocks = int(math.ceil(spin_up / (dt * block)))
    if spin_blocks:
        # the spin-up also turns v towards the most unstable direction
        if not np.isfinite(
            _lorenz63_lyapunov_kernel(y, v, dt, spin_blocks, block, sigma, rho, beta)
        ):
            raise SimulationBlowUpError(
                "lorenz63_max_lyapunov: the spin-up blew up; reduce dt."
            )
    log_sum = _lorenz63_lyapunov_kernel(y, v, dt, n_blocks, block, sigma, rho, beta)
    if not np.isfinite(log_sum):
        raise SimulationBlowUpError(
            "lorenz63_max_lyapunov: the trajectory blew up (NaN/inf); reduce dt."
        )
    return float(log_sum / (n_blocks * block * dt))
