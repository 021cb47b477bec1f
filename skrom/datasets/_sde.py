"""Simulate a user's own SDE from numba-jitted drift and diffusion functions.

The whole time loop of one path runs inside one numba kernel: the user's
``drift`` and ``diffusion`` are compiled functions passed to the kernel as
first-class arguments (numba inlines them), and each path draws its Gaussian
increments from its own :class:`numpy.random.Generator` passed into the
kernel. Paths are ensemble members of :func:`skrom._ensemble.run_ensemble`, so
the output is bit-identical for any ``n_jobs``.
"""

import numbers
from typing import NamedTuple

import numpy as np
from numba import njit
from numba.core.errors import TypingError
from numba.core.registry import CPUDispatcher

from .._ensemble import run_ensemble
from .._validation import (
    SimulationBlowUpError,
    check_finite_result,
    check_int,
    check_option,
    check_positive_float,
)

__all__ = ["simulate_sde"]

_METHODS = ("euler", "milstein")
_NOISES = ("diagonal", "general")


class SDEGrid(NamedTuple):
    """The time grid of one path and its blow-up bound, read by the kernels."""

    n_steps: int  # recorded points, x0 included
    substeps: int  # steps of size h between two recorded points
    h: float
    t0: float
    bound: float  # |x| beyond which a path is a blow-up (inf: none)


# Kernels specialised on first-class function arguments are recompiled for
# every new (drift, diffusion) pair, and numba cannot reuse an on-disk cache
# for them, so these three kernels are compiled without ``cache=True``. They
# release the GIL, so joblib's threading backend runs paths in parallel.


@njit(nogil=True)
def _euler_diagonal(drift, diffusion, x0, grid, rng, out):
    n_steps, substeps, h, t0, bound = grid
    d = x0.shape[0]
    x = x0.copy()
    f = np.empty(d)
    g = np.empty(d)
    sqrt_h = np.sqrt(h)
    out[0, :] = x
    j = 0
    for n in range(1, n_steps):
        for _ in range(substeps):
            t = t0 + j * h
            drift(x, t, f)
            diffusion(x, t, g)
            for i in range(d):
                x[i] += f[i] * h + g[i] * sqrt_h * rng.standard_normal()
            j += 1
        for i in range(d):
            if not abs(x[i]) <= bound:  # also catches NaN
                out[n:, :] = np.nan
                return n
        out[n, :] = x
    return -1


@njit(nogil=True)
def _milstein_diagonal(drift, diffusion, x0, grid, rng, out):
    # Derivative-free Milstein scheme (Kloeden & Platen 1992, eq. 11.1.5):
    # g'(x) g(x) is replaced by (g(x + f h + g sqrt(h)) - g(x)) / sqrt(h).
    n_steps, substeps, h, t0, bound = grid
    d = x0.shape[0]
    x = x0.copy()
    f = np.empty(d)
    g = np.empty(d)
    g_sup = np.empty(d)
    support = np.empty(d)
    dw = np.empty(d)
    sqrt_h = np.sqrt(h)
    half_inv_sqrt_h = 0.5 / sqrt_h
    out[0, :] = x
    j = 0
    for n in range(1, n_steps):
        for _ in range(substeps):
            t = t0 + j * h
            drift(x, t, f)
            diffusion(x, t, g)
            for i in range(d):
                support[i] = x[i] + f[i] * h + g[i] * sqrt_h
            diffusion(support, t, g_sup)
            for i in range(d):
                dw[i] = sqrt_h * rng.standard_normal()
            for i in range(d):
                x[i] += (
                    f[i] * h
                    + g[i] * dw[i]
                    + (g_sup[i] - g[i]) * (dw[i] * dw[i] - h) * half_inv_sqrt_h
                )
            j += 1
        for i in range(d):
            if not abs(x[i]) <= bound:
                out[n:, :] = np.nan
                return n
        out[n, :] = x
    return -1


@njit(nogil=True)
def _euler_general(drift, diffusion, x0, grid, n_noise, rng, out):
    n_steps, substeps, h, t0, bound = grid
    d = x0.shape[0]
    x = x0.copy()
    f = np.empty(d)
    g = np.empty((d, n_noise))
    dw = np.empty(n_noise)
    sqrt_h = np.sqrt(h)
    out[0, :] = x
    j = 0
    for n in range(1, n_steps):
        for _ in range(substeps):
            t = t0 + j * h
            drift(x, t, f)
            diffusion(x, t, g)
            for k in range(n_noise):
                dw[k] = sqrt_h * rng.standard_normal()
            for i in range(d):
                acc = f[i] * h
                for k in range(n_noise):
                    acc += g[i, k] * dw[k]
                x[i] += acc
            j += 1
        for i in range(d):
            if not abs(x[i]) <= bound:
                out[n:, :] = np.nan
                return n
        out[n, :] = x
    return -1


def _sde_member(rng, index, drift, diffusion, x0, grid, method, noise, n_noise):
    out = np.empty((grid.n_steps, x0.shape[1]))
    start = x0[index]
    if noise == "general":
        _euler_general(drift, diffusion, start, grid, n_noise, rng, out)
    elif method == "milstein":
        _milstein_diagonal(drift, diffusion, start, grid, rng, out)
    else:
        _euler_diagonal(drift, diffusion, start, grid, rng, out)
    return out


def _check_initial_state(x0, n_features, n_paths, *, name="x0"):
    """Return ``x0`` as a fresh (n_paths, n_features) float array.

    ``x0`` may be one state (n_features,), applied to every path, or one state
    per path (n_paths, n_features). ``n_paths=None`` takes the count from a
    2-D ``x0`` (and 1 for a 1-D one); ``n_features=None`` takes the number
    of features from ``x0``.
    """
    try:
        arr = np.array(x0, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array-like: {exc}") from exc
    if n_features is None:
        n_features = arr.shape[-1] if arr.ndim >= 1 else 1
    if arr.ndim == 0 and n_features == 1:
        arr = arr.reshape(1)
    if arr.ndim == 1:
        if arr.shape[0] != n_features:
            raise ValueError(
                f"{name} has shape {arr.shape}; expected ({n_features},) or "
                f"(n_paths, {n_features})."
            )
        arr = np.repeat(arr[None, :], 1 if n_paths is None else n_paths, axis=0)
    elif arr.ndim == 2:
        wrong_count = n_paths is not None and arr.shape[0] != n_paths
        if arr.shape[1] != n_features or wrong_count:
            expected = "n_paths" if n_paths is None else str(n_paths)
            raise ValueError(
                f"{name} has shape {arr.shape}; expected ({n_features},) or "
                f"({expected}, {n_features})."
            )
    else:
        raise ValueError(
            f"{name} must be 1-D (n_features,) or 2-D (n_paths, n_features); got "
            f"{arr.ndim}-D with shape {arr.shape}."
        )
    if arr.shape[0] < 1:
        raise ValueError(f"{name} holds no initial state.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def _run_paths(member_fn, n_members, args, *, random_state, n_jobs, what, bound=None):
    """Run members through :func:`run_ensemble` and name the first blow-up."""
    paths = run_ensemble(
        member_fn, n_members, random_state=random_state, n_jobs=n_jobs, args=args
    )
    try:
        check_finite_result(paths, what=what, bound=bound)
    except SimulationBlowUpError as exc:
        raise SimulationBlowUpError(
            f"{exc} Reduce dt or increase substeps (or check the model)."
        ) from None
    return paths


def _check_dispatcher(func, name):
    if not isinstance(func, CPUDispatcher):
        raise TypeError(
            f"{name} must be a function compiled with numba.njit, with signature "
            f"{name}(x, t, out) writing into out; got {type(func).__name__}."
        )


def simulate_sde(
    drift,
    diffusion,
    x0,
    n_steps,
    dt,
    *,
    t0=0.0,
    substeps=1,
    method="euler",
    noise="diagonal",
    n_noise=None,
    n_paths=None,
    bound=None,
    random_state=None,
    n_jobs=None,
):
    r"""Simulate paths of an Itô SDE given by numba-jitted drift and diffusion.

    Solves :math:`dX_t = f(X_t, t)\,dt + G(X_t, t)\,dW_t`, :math:`X_{t_0} = x_0`,
    with fine steps of size ``h = dt / substeps`` and records the state every
    ``dt``. The whole loop of one path runs in a numba kernel into which the
    user's functions are inlined, so a user model runs at compiled speed.

    Parameters
    ----------
    drift : numba.njit function ``drift(x, t, out)``
        Writes :math:`f(x, t)` into ``out`` (shape (n_features,)); returns
        nothing. ``x`` is the current state (do not modify it), ``t`` a float.
    diffusion : numba.njit function ``diffusion(x, t, out)``
        With ``noise="diagonal"``: writes the diagonal of :math:`G(x, t)` into
        ``out`` of shape (n_features,), component ``i`` being driven by its own
        Wiener process :math:`W_i`. With ``noise="general"``: writes the full
        matrix into ``out`` of shape (n_features, n_noise).
    x0 : array-like of shape (n_features,) or (n_paths, n_features)
        Initial state, shared by all paths or one per path.
    n_steps : int
        Number of recorded time points, the first being ``x0`` (so
        ``n_steps=2`` gives one step of ``dt``).
    dt : float
        Recording interval.
    t0 : float, default=0.0
        Initial time (passed to ``drift`` and ``diffusion``).
    substeps : int, default=1
        Fine steps per recorded step.
    method : {"euler", "milstein"}, default="euler"
        ``"euler"``: Euler-Maruyama, strong order 1/2 (order 1 for additive
        noise), weak order 1. ``"milstein"`` (diagonal noise only): the
        derivative-free Milstein scheme of Kloeden & Platen (1992, eq. 11.1.5),
        strong and weak order 1; it needs diagonal noise in their sense,
        component ``i`` of the diffusion depending on ``x[i]`` (and ``t``) only.
        It costs one extra diffusion evaluation per step.
    noise : {"diagonal", "general"}, default="diagonal"
        Structure of :math:`G`, see ``diffusion``.
    n_noise : int or None, default=None
        Number of Wiener processes for ``noise="general"`` (default n_features).
    n_paths : int or None, default=None
        Number of paths; default 1, or ``x0.shape[0]`` for a 2-D ``x0``.
    bound : float or None, default=None
        A path whose state leaves ``|x| <= bound`` is treated as a blow-up
        (NaN/inf always is).
    random_state : None, int, SeedSequence or Generator, default=None
        Path ``i`` draws its increments from the generator of child ``i`` of
        one :class:`numpy.random.SeedSequence`.
    n_jobs : int or None, default=None
        Paths run in parallel with joblib; the result does not depend on it.

    Returns
    -------
    paths : ndarray of shape (n_paths, n_steps, n_features)
        Recorded states at times ``t0 + dt * arange(n_steps)``.

    Raises
    ------
    SimulationBlowUpError
        If a path becomes NaN/inf or leaves ``bound``; the message names the
        recorded step and the path (member).

    Notes
    -----
    Path ``i`` draws, at every fine step, ``n_features`` (or ``n_noise``)
    standard normal numbers from ``numpy.random.default_rng(child_i)`` in
    component order, where ``child_i`` is child ``i`` of
    ``numpy.random.SeedSequence(random_state)``; numba reproduces numpy's
    stream, so the increments can be regenerated outside the kernel (the
    strong-order tests do this).

    The first call with a new (drift, diffusion) pair compiles the kernel
    (about a second); with ``n_jobs > 1`` each worker process compiles it once
    more, so parallel runs pay off for long simulations.

    References
    ----------
    P. E. Kloeden and E. Platen, *Numerical Solution of Stochastic
    Differential Equations*, Springer, 1992 (Sections 10.2 and 11.1).

    Examples
    --------
    An Ornstein-Uhlenbeck process :math:`dX = -X\,dt + 0.5\,dW`:

    >>> import numba
    >>> from skrom.datasets import simulate_sde
    >>> @numba.njit
    ... def drift(x, t, out):
    ...     out[0] = -x[0]
    >>> @numba.njit
    ... def diffusion(x, t, out):
    ...     out[0] = 0.5
    >>> paths = simulate_sde(drift, diffusion, [1.0], n_steps=101, dt=0.01,
    ...                      substeps=10, n_paths=3, random_state=0)
    >>> paths.shape
    (3, 101, 1)
    >>> paths[:, 0, 0]
    array([1., 1., 1.])
    """
    _check_dispatcher(drift, "drift")
    _check_dispatcher(diffusion, "diffusion")
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    dt = check_positive_float(dt, "dt")
    substeps = check_int(substeps, "substeps", min_value=1)
    if isinstance(t0, bool) or not isinstance(t0, numbers.Real) or not np.isfinite(t0):
        raise ValueError(f"t0 must be a finite real number, got {t0!r}.")
    method = check_option(method, "method", _METHODS)
    noise = check_option(noise, "noise", _NOISES)
    if noise == "general" and method == "milstein":
        raise ValueError(
            'method="milstein" needs diagonal noise (noise="diagonal"); use '
            'method="euler" for a general diffusion matrix.'
        )
    if n_paths is not None:
        n_paths = check_int(n_paths, "n_paths", min_value=1)
    bound_value = np.inf if bound is None else check_positive_float(bound, "bound")
    x0 = _check_initial_state(x0, None, n_paths)
    n_features = x0.shape[1]
    if n_features < 1:
        raise ValueError("x0 must hold at least one state variable.")
    if noise == "general":
        n_noise = n_features if n_noise is None else check_int(n_noise, "n_noise")
    elif n_noise is not None:
        raise ValueError('n_noise applies only to noise="general".')
    else:
        n_noise = n_features
    grid = SDEGrid(
        n_steps=n_steps,
        substeps=substeps,
        h=dt / substeps,
        t0=float(t0),
        bound=bound_value,
    )
    args = (drift, diffusion, x0, grid, method, noise, n_noise)
    try:
        return _run_paths(
            _sde_member,
            x0.shape[0],
            args,
            random_state=random_state,
            n_jobs=n_jobs,
            what="simulate_sde",
            bound=None if bound is None else bound_value,
        )
    except TypingError as exc:
        shape = "(n_features,)" if noise == "diagonal" else "(n_features, n_noise)"
        raise TypeError(
            "numba could not compile the SDE kernel with these drift/diffusion "
            "functions. They must have signature f(x, t, out), x a float64 array of "
            f"shape (n_features,), t a float, writing drift into out of shape "
            f"(n_features,) and diffusion into out of shape {shape}. "
            f"numba said: {exc}"
        ) from exc
