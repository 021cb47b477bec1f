"""Scalar 2-D viscous Burgers on the unit square, with its coarse-mesh baseline.

The 2-D data set of Ilersich & Nair (2025)::

    u_t + u (u_x + u_y) = nu (u_xx + u_yy)      on [0, 1]^2,

on a uniform grid that includes the boundary (``x_i = i / (n_grid - 1)``),
the boundary values held at their initial values, second-order central
differences in space and Heun (explicit RK2) steps in time. The initial field
is a Gaussian bump near (0.3, 0.3) that the flow carries towards the far
corner while it steepens into a front the coarse mesh cannot resolve.

Fields are stored as images: ``U[..., j, i] = u(x_i, y_j)`` (rows are y,
columns are x), the layout of every 2-D field in :mod:`skrom.datasets`.
"""

import numbers

import numpy as np
from numba import njit
from sklearn.utils import Bunch

from .._ensemble import run_ensemble
from .._validation import (
    SimulationBlowUpError,
    check_finite_result,
    check_int,
    check_positive_float,
)

__all__ = [
    "solve_burgers_2d",
    "make_burgers_2d",
    "simulate_coarse_burgers_2d",
    "restrict_blocks",
    "prolong_blocks",
]


# ---------------------------------------------------------------- kernels ---


@njit(cache=True)
def _burgers_2d_rhs(u, out, nu, dx):
    """Right-hand side at the interior nodes; the boundary ring stays zero."""
    ny, nx = u.shape
    a = 0.5 / dx
    b = nu / (dx * dx)
    for j in range(1, ny - 1):
        for i in range(1, nx - 1):
            uc = u[j, i]
            ue = u[j, i + 1]
            uw = u[j, i - 1]
            un = u[j + 1, i]
            us = u[j - 1, i]
            out[j, i] = b * (ue + uw + un + us - 4.0 * uc) - uc * a * (
                ue - uw + un - us
            )


@njit(cache=True)
def _burgers_2d_run(u0, stride, h, nu, dx, out):
    """Heun steps of size ``h``; ``out[k]`` is the state after ``k * stride`` steps.

    Returns the index of the first non-finite snapshot, or -1.
    """
    ny, nx = u0.shape
    u = u0.copy()
    k1 = np.zeros((ny, nx))
    k2 = np.zeros((ny, nx))
    tmp = u0.copy()
    out[0] = u
    for k in range(1, out.shape[0]):
        for _ in range(stride):
            _burgers_2d_rhs(u, k1, nu, dx)
            for j in range(1, ny - 1):
                for i in range(1, nx - 1):
                    tmp[j, i] = u[j, i] + h * k1[j, i]
            _burgers_2d_rhs(tmp, k2, nu, dx)
            for j in range(1, ny - 1):
                for i in range(1, nx - 1):
                    u[j, i] += 0.5 * h * (k1[j, i] + k2[j, i])
        finite = True
        for j in range(ny):
            for i in range(nx):
                out[k, j, i] = u[j, i]
                if not np.isfinite(u[j, i]):
                    finite = False
        if not finite:
            for kk in range(k + 1, out.shape[0]):
                for j in range(ny):
                    for i in range(nx):
                        out[kk, j, i] = np.nan
            return k
    return -1


# ------------------------------------------------------------- helpers ---


def _as_images(u0, name):
    arr = np.array(u0, dtype=np.float64, copy=True)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or min(arr.shape[1:]) < 3:
        raise ValueError(
            f"{name} must have shape (ny, nx) or (n_fields, ny, nx) with ny, nx >= 3; "
            f"got shape {np.shape(u0)}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def _stable_substeps(dt, dx, nu, u_max):
    # Heun: diffusion number 4 nu h / dx^2 below ~1 (two directions) and an
    # advective CFL 2 u h / dx below ~1; keep a margin on both.
    h_diff = 0.2 * dx * dx / nu if nu > 0 else np.inf
    h_adv = 0.4 * dx / max(u_max, 1e-12)
    return max(1, int(np.ceil(dt / min(h_diff, h_adv) - 1e-9)))


def _as_coarse_shape(n_coarse, ndim):
    if isinstance(n_coarse, numbers.Integral) and not isinstance(n_coarse, bool):
        n_coarse = (n_coarse,) * ndim
    n_coarse = tuple(n_coarse)
    if len(n_coarse) != ndim:
        raise ValueError(
            f"n_coarse must be an int or a tuple of {ndim} ints, got {n_coarse!r}."
        )
    return tuple(check_int(n, "n_coarse") for n in n_coarse)


def _interpolation_matrix(n_fine, n_coarse):
    """Linear interpolation from block centres to fine nodes, held beyond the ends."""
    r = n_fine // n_coarse
    # block centres in fine-index units; outside them the end value is kept
    # (no extrapolation across a boundary that is not periodic)
    s = np.clip((np.arange(n_fine) - 0.5 * (r - 1)) / r, 0.0, n_coarse - 1.0)
    left = np.minimum(np.floor(s).astype(int), max(n_coarse - 2, 0))
    w = s - left
    P = np.zeros((n_fine, n_coarse))
    rows = np.arange(n_fine)
    P[rows, left] += 1.0 - w
    if n_coarse > 1:
        P[rows, left + 1] += w
    return P


# ------------------------------------------------------------- public API ---


def restrict_blocks(U, n_coarse):
    """Average a field over equal blocks of its last ``d`` axes (no wrap-around).

    The non-periodic counterpart of :func:`restrict_periodic`: coarse cell
    ``(J, I)`` is the mean of the fine values in block ``(J, I)``, so the
    coarse nodes sit at the block centres.

    Parameters
    ----------
    U : array-like of shape (..., n_1, ..., n_d)
    n_coarse : int or tuple of int
        Coarse cells per axis; an int means the same on the last two axes,
        a tuple of length ``d`` names the last ``d`` axes. Each must divide
        the matching grid size.

    Returns
    -------
    V : ndarray of shape (..., c_1, ..., c_d)

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.datasets import restrict_blocks
    >>> restrict_blocks(np.arange(16.0).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    U = np.asarray(U, dtype=np.float64)
    ndim = 2 if isinstance(n_coarse, numbers.Integral) else len(tuple(n_coarse))
    if U.ndim < ndim:
        raise ValueError(f"U must have at least {ndim} axes, got shape {U.shape}.")
    shape = _as_coarse_shape(n_coarse, ndim)
    grid = U.shape[U.ndim - ndim :]
    for n, c in zip(grid, shape, strict=True):
        if n % c:
            raise ValueError(
                f"n_coarse={shape} must divide the grid shape {grid} axis by axis."
            )
    lead = U.shape[: U.ndim - ndim]
    split = []
    for n, c in zip(grid, shape, strict=True):
        split += [c, n // c]
    V = U.reshape(lead + tuple(split))
    block_axes = tuple(len(lead) + 2 * k + 1 for k in range(ndim))
    return V.mean(axis=block_axes)


def prolong_blocks(V, grid_shape):
    """Interpolate block averages back onto the fine grid (no wrap-around).

    Multilinear interpolation between the block centres of
    :func:`restrict_blocks`; fine nodes beyond the outermost centres take
    the outermost value.

    Parameters
    ----------
    V : array-like of shape (..., c_1, ..., c_d)
    grid_shape : tuple of int
        Fine grid ``(n_1, ..., n_d)``; each ``n_k`` a multiple of ``c_k``.

    Returns
    -------
    U : ndarray of shape (..., n_1, ..., n_d)

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.datasets import prolong_blocks
    >>> prolong_blocks(np.ones((2, 2)), (8, 8)).shape
    (8, 8)
    """
    V = np.asarray(V, dtype=np.float64)
    grid_shape = tuple(check_int(n, "grid_shape") for n in grid_shape)
    ndim = len(grid_shape)
    if V.ndim < ndim:
        raise ValueError(f"V must have at least {ndim} axes, got shape {V.shape}.")
    coarse = V.shape[V.ndim - ndim :]
    for n, c in zip(grid_shape, coarse, strict=True):
        if n % c:
            raise ValueError(
                f"grid_shape={grid_shape} must be a multiple of the coarse shape "
                f"{coarse} axis by axis."
            )
    U = V
    for k, (n, c) in enumerate(zip(grid_shape, coarse, strict=True)):
        axis = V.ndim - ndim + k
        U = np.moveaxis(
            np.tensordot(U, _interpolation_matrix(n, c), axes=([axis], [1])), -1, axis
        )
    return U


def solve_burgers_2d(u0, n_steps, *, dt=1e-3, nu=0.005, spacing=None, n_substeps=None):
    """Integrate ``u_t + u (u_x + u_y) = nu (u_xx + u_yy)`` with fixed boundary values.

    Central differences on a uniform grid, Heun (RK2) in time; the boundary
    ring of the field keeps its initial values. The same scheme at any
    resolution: the fine-grid truth of :func:`make_burgers_2d` and, on a
    coarse mesh, the baseline :func:`simulate_coarse_burgers_2d`.

    Parameters
    ----------
    u0 : array-like of shape (ny, nx) or (n_fields, ny, nx)
        Initial field(s), ``u0[..., j, i] = u(x_i, y_j)``.
    n_steps : int
        Number of output times (the first is ``u0``).
    dt : float, default=1e-3
        Output interval.
    nu : float, default=0.005
        Viscosity.
    spacing : float or None
        Grid spacing (the same along x and y); None means the unit square
        with nodes on its boundary, ``1 / (nx - 1)``.
    n_substeps : int or None
        Heun steps per output interval; None picks a stable number from the
        spacing, ``nu`` and ``max|u0|`` (1 at the defaults on 128 x 128).

    Returns
    -------
    U : ndarray of shape (n_fields, n_steps, ny, nx)

    Raises
    ------
    SimulationBlowUpError
        If the run produces NaN/inf (named with field and step).

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.datasets import solve_burgers_2d
    >>> x = np.linspace(0, 1, 32)
    >>> u0 = np.exp(-((x[None, :] - 0.3) ** 2 + (x[:, None] - 0.3) ** 2) / 0.04)
    >>> solve_burgers_2d(u0, 5, dt=0.01).shape
    (1, 5, 32, 32)
    """
    u0 = _as_images(u0, "u0")
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    dt = check_positive_float(dt, "dt")
    nu = check_positive_float(nu, "nu", allow_zero=True)
    if spacing is None:
        if u0.shape[1] != u0.shape[2]:
            raise ValueError(
                f"A non-square grid {u0.shape[1:]} needs an explicit spacing."
            )
        spacing = 1.0 / (u0.shape[2] - 1)
    dx = check_positive_float(spacing, "spacing")
    if n_substeps is None:
        n_substeps = _stable_substeps(dt, dx, nu, 1.5 * np.max(np.abs(u0)))
    n_substeps = check_int(n_substeps, "n_substeps")
    out = np.empty((u0.shape[0], n_steps) + u0.shape[1:])
    for m in range(u0.shape[0]):
        _burgers_2d_run(u0[m], n_substeps, dt / n_substeps, nu, dx, out[m])
    return check_finite_result(out, what="2-D Burgers simulation")


def simulate_coarse_burgers_2d(x0, n_steps, *, n_coarse=(8, 8), dt=1e-3, nu=0.005):
    """The under-resolved baseline: 2-D Burgers solved directly on the coarse mesh.

    The fine initial field is block-averaged onto the coarse mesh
    (:func:`restrict_blocks`), integrated there by :func:`solve_burgers_2d`
    with the block spacing (time steps refined as stability asks, the outer
    ring of blocks held at its initial average), and interpolated back onto
    the fine grid (:func:`prolong_blocks`) for a point-by-point comparison
    with the truth.

    Parameters
    ----------
    x0 : array-like of shape (ny, nx) or (n_fields, ny, nx)
        Fine initial field(s) on the unit square (nodes on the boundary).
    n_steps : int
        Number of output times (the first is the prolonged coarse ``x0``).
    n_coarse : int or (int, int), default=(8, 8)
        Coarse cells along (y, x); each must divide the fine grid size and be
        at least 3.
    dt, nu : float
        As in :func:`solve_burgers_2d`.

    Returns
    -------
    U : ndarray of shape (n_fields, n_steps, ny, nx)

    Examples
    --------
    >>> from skrom.datasets import make_burgers_2d, simulate_coarse_burgers_2d
    >>> X = make_burgers_2d(1, 2, stride=1, noise=0.0, random_state=0)
    >>> simulate_coarse_burgers_2d(X[:, 0], 11, n_coarse=8, dt=0.01).shape
    (1, 11, 128, 128)
    """
    x0 = _as_images(x0, "x0")
    shape = _as_coarse_shape(n_coarse, 2)
    if min(shape) < 3:
        raise ValueError(f"n_coarse must be >= 3 along each axis, got {shape}.")
    v0 = restrict_blocks(x0, shape)
    spacing = (x0.shape[2] // shape[1]) / (x0.shape[2] - 1)
    if x0.shape[1] * shape[1] != x0.shape[2] * shape[0]:
        raise ValueError(
            f"The coarse cells must be square: grid {x0.shape[1:]} and "
            f"n_coarse={shape} give different spacings along y and x."
        )
    V = solve_burgers_2d(v0, n_steps, dt=dt, nu=nu, spacing=spacing)
    return prolong_blocks(V, x0.shape[1:])


# ------------------------------------------------------------ data set ---


def _burgers_2d_member(rng, index, p):
    x = np.linspace(0.0, 1.0, p["n_grid"])
    amp = p["amplitude"][0] + p["amplitude"][1] * rng.standard_normal()
    s = p["width"][0] + p["width"][1] * rng.standard_normal()
    # a draw near zero would make a spike no grid resolves, not a narrower bump
    s = max(s, 0.1 * p["width"][0])
    cx, cy = p["center"]
    u0 = amp * np.exp(-((x[None, :] - cx) ** 2) / s**2 - (x[:, None] - cy) ** 2 / s**2)
    clean = np.empty((p["n_snapshots"], p["n_grid"], p["n_grid"]))
    dx = 1.0 / (p["n_grid"] - 1)
    bad = _burgers_2d_run(u0, p["stride"], p["dt"], p["nu"], dx, clean)
    if bad >= 0:
        raise SimulationBlowUpError(
            f"2-D Burgers blew up (NaN/inf) by snapshot {bad} of trajectory "
            f"{index}; dt={p['dt']:g} is too large for the grid."
        )
    noisy = clean + p["noise"] * rng.standard_normal(clean.shape)
    return noisy, clean, np.array([amp, s])


def make_burgers_2d(
    n_trajectories=10,
    n_snapshots=101,
    *,
    stride=10,
    dt=1e-3,
    n_grid=128,
    nu=0.005,
    noise=1e-3,
    amplitude=(1.0, 0.1),
    width=(0.2, 0.01),
    center=(0.3, 0.3),
    random_state=None,
    n_jobs=None,
    return_bunch=False,
):
    """Scalar 2-D viscous Burgers from random Gaussian bumps, observed with noise.

    ``u(x, y, 0) = a exp(-((x - 0.3)^2 + (y - 0.3)^2) / s^2)`` with
    ``a ~ N(amplitude)`` and ``s ~ N(width)`` (mean, std), evolved by
    ``u_t + u (u_x + u_y) = nu (u_xx + u_yy)`` on the unit square with the
    boundary values held (:func:`solve_burgers_2d`: central differences,
    Heun steps of ``dt``), stored every ``stride`` steps, each snapshot with
    i.i.d. Gaussian observation noise of standard deviation ``noise``. The
    defaults are the 2-D Burgers set of Ilersich & Nair (2025): 128 x 128,
    ``nu = 0.005``, steps of 1e-3 up to ``T = 1``.

    Parameters
    ----------
    n_trajectories : int, default=10
    n_snapshots : int, default=101
        Stored fields per trajectory, ``stride * dt`` apart (the first is the
        initial field).
    stride : int, default=10
        Time steps between stored snapshots.
    dt : float, default=1e-3
        Time step (Heun).
    n_grid : int, default=128
        Nodes per side, boundary included (spacing ``1 / (n_grid - 1)``).
    nu : float, default=0.005
    noise : float, default=1e-3
        Observation-noise standard deviation.
    amplitude, width : (float, float)
        Mean and standard deviation of the bump height and width ``s``.
    center : (float, float), default=(0.3, 0.3)
        Bump centre ``(x, y)``.
    random_state : None, int, SeedSequence or Generator
        Trajectory ``i`` uses child ``i`` of one SeedSequence, so the data do
        not depend on ``n_jobs``.
    n_jobs : int or None
        joblib workers over trajectories.
    return_bunch : bool, default=False
        Return a :class:`~sklearn.utils.Bunch` with the noise-free fields too.

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_snapshots, n_grid, n_grid)
        Noisy snapshots, ``X[n, k, j, i] = u(x_i, y_j, t_k)``; or with
        ``return_bunch=True`` a Bunch with ``X``, ``X_clean``, ``x`` and
        ``y`` (n_grid,), ``t`` (n_snapshots,), ``dt`` (between snapshots),
        ``ic_params`` (n_trajectories, 2) = (amplitude, width) per
        trajectory, ``ic_param_names`` and ``params``.

    Raises
    ------
    SimulationBlowUpError
        If a trajectory produces NaN/inf (a time step too large for the grid).

    References
    ----------
    .. [1] A. Ilersich and P. B. Nair, "Learning stochastic multiscale models",
       NeurIPS 2025, arXiv:2506.22655.

    Examples
    --------
    >>> from skrom.datasets import make_burgers_2d
    >>> make_burgers_2d(2, 3, n_grid=32, random_state=0).shape
    (2, 3, 32, 32)
    """
    n_trajectories = check_int(n_trajectories, "n_trajectories")
    n_snapshots = check_int(n_snapshots, "n_snapshots", min_value=1)
    n_grid = check_int(n_grid, "n_grid", min_value=8)
    center = tuple(float(c) for c in center)
    if len(center) != 2:
        raise ValueError(f"center must be a pair (x, y), got {center!r}.")
    params = dict(
        n_snapshots=n_snapshots,
        stride=check_int(stride, "stride"),
        dt=check_positive_float(dt, "dt"),
        n_grid=n_grid,
        nu=check_positive_float(nu, "nu", allow_zero=True),
        noise=check_positive_float(noise, "noise", allow_zero=True),
        amplitude=tuple(float(a) for a in amplitude),
        width=tuple(float(w) for w in width),
        center=center,
    )
    if params["width"][0] <= 0:
        raise ValueError(f"The mean width must be > 0, got {params['width'][0]}.")
    results = run_ensemble(
        _burgers_2d_member,
        n_trajectories,
        random_state=random_state,
        n_jobs=n_jobs,
        args=(params,),
        stack=False,
    )
    X = np.stack([r[0] for r in results])
    if not return_bunch:
        return X
    grid = np.linspace(0.0, 1.0, n_grid)
    t_snap = params["stride"] * params["dt"]
    return Bunch(
        X=X,
        X_clean=np.stack([r[1] for r in results]),
        x=grid,
        y=grid.copy(),
        t=np.arange(n_snapshots) * t_snap,
        dt=t_snap,
        ic_params=np.stack([r[2] for r in results]),
        ic_param_names=("amplitude", "width"),
        params=params,
    )
