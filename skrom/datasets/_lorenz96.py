r"""The Lorenz-96 system, optionally with additive stochastic forcing.

.. math::

    dx_i = \left[(x_{i+1} - x_{i-2})\, x_{i-1} - x_i + F_i\right] dt
           + \sigma\, dW_i, \qquad i = 1, \dots, n,

with periodic indices. The drift is advanced by the classical fourth-order
Runge-Kutta method with step ``integration_dt``; when ``noise > 0`` the
Gaussian increment ``sigma sqrt(h) z`` is added after each drift step (a
splitting scheme of weak order one in the noise). The kernel loops over the
``n`` variables with a small work array allocated once per trajectory.
"""

import math
import numbers
from typing import NamedTuple

import numpy as np
from numba import njit
from sklearn.utils import Bunch

from .._ensemble import run_ensemble
from .._random import as_seed_sequence
from .._validation import SimulationBlowUpError, check_int, check_positive_float
from ._lorenz import _check_stride

__all__ = ["make_lorenz96"]

# The attractor of the classical regime stays within |x| < ~15 F / 8; anything
# beyond this is a numerical blow-up.
STATE_BOUND = 1.0e4


class Lorenz96Settings(NamedTuple):
    """Scalars of one run, as the kernel reads them."""

    h: float  # RK4 step
    noise: float  # sigma of the additive white noise
    bound: float  # |x_i| beyond which a run is a blow-up


@njit(cache=True, nogil=True, inline="always")
def _l96_rhs(y, forcing, n, out):
    for i in range(n):
        ip = i + 1 if i + 1 < n else 0
        im1 = i - 1 if i >= 1 else n - 1
        im2 = i - 2 if i >= 2 else i - 2 + n
        out[i] = (y[ip] - y[im2]) * y[im1] - y[i] + forcing[i]


@njit(cache=True, nogil=True)
def _lorenz96_kernel(x, forcing, n_obs, stride, settings, rng, work, out):
    """Advance ``x`` (in place) and write every ``stride``-th state into ``out``.

    ``work`` has shape (3, n): the stage state, the stage slope and the
    slope accumulator. Returns -1 on success, else the index of the first
    observation that is NaN/inf or beyond ``settings.bound``.
    """
    n = x.shape[0]
    h = settings.h
    bound = settings.bound
    kick = settings.noise * math.sqrt(h)
    stage = work[0]
    slope = work[1]
    acc = work[2]
    half = 0.5 * h
    sixth = h / 6.0
    for i in range(n):
        out[0, i] = x[i]
    for k in range(1, n_obs):
        for _ in range(stride):
            _l96_rhs(x, forcing, n, slope)
            for i in range(n):
                acc[i] = slope[i]
                stage[i] = x[i] + half * slope[i]
            _l96_rhs(stage, forcing, n, slope)
            for i in range(n):
                acc[i] += 2.0 * slope[i]
                stage[i] = x[i] + half * slope[i]
            _l96_rhs(stage, forcing, n, slope)
            for i in range(n):
                acc[i] += 2.0 * slope[i]
                stage[i] = x[i] + h * slope[i]
            _l96_rhs(stage, forcing, n, slope)
            for i in range(n):
                x[i] += sixth * (acc[i] + slope[i])
            if kick > 0.0:
                for i in range(n):
                    x[i] += kick * rng.standard_normal()
        ok = True
        for i in range(n):
            out[k, i] = x[i]
            # "not <=" so that NaN fails too
            if not (abs(x[i]) <= bound):
                ok = False
        if not ok:
            return k
    return -1


def _member(rng, index, x0, forcing, n_obs, stride, spin_steps, settings):
    n = forcing.shape[0]
    # the draw always happens so a member's stream never depends on x0
    x = forcing + rng.standard_normal(n)
    if x0 is not None:
        x = x0[index].copy()
    work = np.empty((3, n))
    if spin_steps > 0:
        spin_out = np.empty((2, n))
        status = _lorenz96_kernel(
            x, forcing, 2, spin_steps, settings, rng, work, spin_out
        )
        if status >= 0:
            raise SimulationBlowUpError(
                f"make_lorenz96: the spin-up of member {index} blew up (NaN/inf "
                f"or |x| > {settings.bound:g}); reduce integration_dt."
            )
    out = np.empty((n_obs, n))
    status = _lorenz96_kernel(x, forcing, n_obs, stride, settings, rng, work, out)
    if status >= 0:
        raise SimulationBlowUpError(
            f"make_lorenz96 blew up: NaN/inf or |x| > {settings.bound:g} at "
            f"observed step {status} (within RK4 steps {(status - 1) * stride + 1}-"
            f"{status * stride}) of member {index}. Reduce integration_dt."
        )
    return out


def _check_forcing(forcing, n_variables):
    arr = np.array(forcing, dtype=np.float64, copy=True)
    if arr.ndim == 0:
        arr = np.full(n_variables, float(arr))
    if arr.shape != (n_variables,):
        raise ValueError(
            f"forcing must be a scalar or have shape (n_variables,) = "
            f"({n_variables},); got shape {np.shape(forcing)}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("forcing contains NaN or infinity.")
    return arr


def _check_x0(x0, n_trajectories, n_variables):
    if x0 is None:
        return None
    arr = np.array(x0, dtype=np.float64, copy=True)
    if arr.ndim == 1:
        arr = arr[None, :]
    if (
        arr.ndim != 2
        or arr.shape[1] != n_variables
        or arr.shape[0] not in (1, n_trajectories)
    ):
        raise ValueError(
            f"x0 must have shape ({n_variables},) or (n_trajectories, "
            f"{n_variables}) with n_trajectories={n_trajectories}; got shape "
            f"{np.shape(x0)}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("x0 contains NaN or infinity.")
    return np.ascontiguousarray(np.broadcast_to(arr, (n_trajectories, n_variables)))


def make_lorenz96(
    n_trajectories=1,
    n_steps=10_000,
    dt=0.05,
    *,
    n_variables=8,
    forcing=8.0,
    noise=0.0,
    integration_dt=0.005,
    spin_up=20.0,
    x0=None,
    random_state=None,
    n_jobs=None,
    return_bunch=False,
):
    r"""Lorenz-96 trajectories, deterministic or with additive white noise.

    .. math::

        dx_i = \left[(x_{i+1} - x_{i-2})\, x_{i-1} - x_i + F_i\right] dt
               + \sigma\, dW_i

    with periodic indices ``x_{i+n} = x_i``. With ``F = 8`` the system is
    chaotic for ``n >= 5``. The drift is advanced by RK4 with step
    ``integration_dt``; for ``noise > 0`` the increment
    ``sigma sqrt(integration_dt) z`` follows each drift step. A per-component
    ``forcing`` (``F + delta e_j``) is how a constant perturbation of the
    drift enters, e.g. for :func:`skrom.response.ensemble_response`.

    Parameters
    ----------
    n_trajectories : int, default=1
        Number of independent trajectories (ensemble members).
    n_steps : int, default=10_000
        Observed time points per trajectory, the initial one included.
    dt : float, default=0.05
        Observation interval; an integer multiple of ``integration_dt``.
    n_variables : int, default=8
        Number of sites ``n`` (at least 4, so that ``i-2``, ``i-1``, ``i``
        and ``i+1`` are distinct).
    forcing : float or array-like of shape (n_variables,), default=8.0
        The forcing ``F``, the same on every site or one value per site.
    noise : float, default=0.0
        Standard deviation ``sigma`` of the additive white noise (``>= 0``).
    integration_dt : float, default=0.005
        Fixed RK4 step.
    spin_up : float, default=20.0
        Time integrated from a random start near ``F`` before the run, so that
        it starts on the attractor. Ignored when ``x0`` is given.
    x0 : array-like of shape (n_variables,) or (n_trajectories, n_variables), default=None
        Initial state; drawn and spun up when None.
    random_state : None, int, SeedSequence or Generator, default=None
        Seed; member ``i`` uses child ``i`` of one ``SeedSequence``, for its
        start and its noise, so the output does not depend on ``n_jobs``.
    n_jobs : int or None, default=None
        Members run in parallel with joblib (``-1``: all cores).
    return_bunch : bool, default=False
        If True, return a :class:`~sklearn.utils.Bunch` instead of ``X``.

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_steps, n_variables)
        The trajectories; ``X[:, 0]`` is the initial state.
    bunch : Bunch, if ``return_bunch=True``
        ``X``; ``time`` of shape (n_steps,); ``params``, a dict of every
        parameter used (``forcing`` as an array, ``stride`` included);
        ``feature_names``.

    Raises
    ------
    SimulationBlowUpError
        If a member's state becomes NaN/inf or leaves ``|x_i| <= 1e4``;
        names the step and the member.

    See Also
    --------
    make_bistable_additive : A one-dimensional slow variable with chaotic forcing.

    References
    ----------
    E. N. Lorenz, "Predictability: a problem partly solved", Proc. ECMWF
    Seminar on Predictability (1996).

    Examples
    --------
    >>> from skrom.datasets import make_lorenz96
    >>> X = make_lorenz96(n_trajectories=2, n_steps=100, noise=0.5, random_state=0)
    >>> X.shape
    (2, 100, 8)
    """
    n_trajectories = check_int(n_trajectories, "n_trajectories", min_value=1)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    n_variables = check_int(n_variables, "n_variables", min_value=4)
    dt = check_positive_float(dt, "dt")
    noise = check_positive_float(noise, "noise", allow_zero=True)
    integration_dt = check_positive_float(integration_dt, "integration_dt")
    spin_up = check_positive_float(spin_up, "spin_up", allow_zero=True)
    stride = _check_stride(dt, integration_dt)
    forcing = _check_forcing(forcing, n_variables)
    x0 = _check_x0(x0, n_trajectories, n_variables)
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral)
    ):
        raise TypeError(f"n_jobs must be None or an int, got {type(n_jobs).__name__}.")
    spin_steps = 0 if x0 is not None else int(math.ceil(spin_up / integration_dt))
    settings = Lorenz96Settings(h=integration_dt, noise=noise, bound=STATE_BOUND)
    X = run_ensemble(
        _member,
        n_trajectories,
        random_state=as_seed_sequence(random_state),
        n_jobs=n_jobs,
        args=(x0, forcing, n_steps, stride, spin_steps, settings),
    )
    if not return_bunch:
        return X
    params = dict(
        n_trajectories=n_trajectories,
        n_steps=n_steps,
        dt=dt,
        n_variables=n_variables,
        forcing=forcing,
        noise=noise,
        integration_dt=integration_dt,
        stride=stride,
        spin_up=spin_up,
    )
    return Bunch(
        X=X,
        time=dt * np.arange(n_steps),
        params=params,
        feature_names=[f"x{i}" for i in range(n_variables)],
    )
