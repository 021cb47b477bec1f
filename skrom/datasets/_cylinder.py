"""Flow past a cylinder in a channel: a D2Q9 lattice-Boltzmann solver.

The geometry is the DFG benchmark of Schaefer & Turek (1996): a channel
2.2 long and 0.41 high, a cylinder of diameter 0.1 centred at (0.2, 0.2),
a parabolic inflow of mean velocity 1 (maximum 1.5) and a free outflow; at
Re = U_mean D / nu = 100 the wake sheds vortices periodically (case 2D-2).

The lattice has ``resolution`` cells per diameter, one node at each cell
centre, and advances with

- two-relaxation-time (TRT) collisions, the odd rate chosen by the "magic"
  parameter 3/16 that puts bounce-back walls exactly halfway between nodes;
- halfway bounce-back on the channel walls, velocity (Ladd) bounce-back at
  the inlet, a constant-pressure outlet by non-equilibrium extrapolation;
- interpolated (Bouzidi linear) bounce-back on the cylinder, whose force is
  the momentum exchanged across its links.

Streaming and collision are fused in one pull pass per step over two
distribution arrays that swap roles; the kernels hold scalars only and
allocate nothing per step. Velocities and times are returned in the
benchmark's units (mean inflow 1, diameter 0.1); the lattice velocity
``LATTICE_VELOCITY`` sets the time step ``dt = dx * LATTICE_VELOCITY``.

Fields are stored as images, ``(..., ny, nx)`` with rows along y.
"""

from collections import namedtuple

import numpy as np
from numba import njit
from sklearn.utils import Bunch

from .._ensemble import run_ensemble
from .._validation import SimulationBlowUpError, check_int, check_positive_float

__all__ = ["make_cylinder_wake", "cylinder_benchmark"]

CHANNEL_LENGTH = 2.2
CHANNEL_HEIGHT = 0.41
DIAMETER = 0.1
CENTER = (0.2, 0.2)
MEAN_INFLOW = 1.0
LATTICE_VELOCITY = 0.05
# TRT "magic" product (1/w+ - 1/2)(1/w- - 1/2): walls exactly halfway
MAGIC = 3.0 / 16.0

# D2Q9: rest, 4 axis links, 4 diagonals; OPP[k] is the reverse of k
CX = np.array([0, 1, 0, -1, 0, 1, -1, -1, 1])
CY = np.array([0, 0, 1, 0, -1, 1, 1, -1, -1])
OPP = np.array([0, 3, 4, 1, 2, 7, 8, 5, 6])
W = np.array([4 / 9] + [1 / 9] * 4 + [1 / 36] * 4)

FLUID, NEAR_WALL, SOLID = 0, 1, 2

Lattice = namedtuple("Lattice", ["kind", "q", "u_node", "u_edge", "wall_nodes"])
Lattice.__doc__ = """Geometry of the channel lattice.

kind : int8 (ny, nx), FLUID (all neighbours fluid and inside), NEAR_WALL or SOLID.
q : (9, ny, nx), fraction of link k from a fluid node at which it meets the
    cylinder (-1 where link k does not).
u_node, u_edge : inflow velocity at the node rows (ny,) and at the cell
    edges between them (ny + 1,), in lattice units.
wall_nodes : int (n_wall, 2), the (j, i) of the NEAR_WALL nodes.
"""

Relaxation = namedtuple("Relaxation", ["omega_plus", "omega_minus"])


# ---------------------------------------------------------------- kernels ---


@njit(cache=True, inline="always")
def _e_k(k, ux, uy):
    """Equilibrium of link k per unit density."""
    cu = CX[k] * ux + CY[k] * uy
    return W[k] * (1.0 + 3.0 * cu + 4.5 * cu * cu - 1.5 * (ux * ux + uy * uy))


@njit(cache=True)
def _incoming(f, geo, k, j, i, force):
    """Population of link k arriving at the near-wall fluid node (j, i)."""
    ny, nx = geo.kind.shape
    sj = j - CY[k]
    si = i - CX[k]
    kb = OPP[k]
    if sj < 0 or sj >= ny:
        # no-slip channel wall halfway between the node rows
        return f[kb, j, i]
    if si < 0:
        # velocity bounce-back at the inlet, wall velocity where the link crosses
        if CY[k] == 0:
            u = geo.u_node[j]
        elif CY[k] > 0:
            u = geo.u_edge[j]
        else:
            u = geo.u_edge[j + 1]
        return f[kb, j, i] + 6.0 * W[k] * CX[k] * u
    if si >= nx:
        # outlet: node nx-1 with its density reset to 1 (rho and u are
        # conserved by the collision, so they follow from f itself)
        rho = 0.0
        mx = 0.0
        my = 0.0
        for m in range(9):
            fm = f[m, sj, nx - 1]
            rho += fm
            mx += CX[m] * fm
            my += CY[m] * fm
        return f[k, sj, nx - 1] + (1.0 - rho) * _e_k(k, mx / rho, my / rho)
    if geo.kind[sj, si] != SOLID:
        return f[k, sj, si]
    # interpolated bounce-back off the cylinder along the link kb
    q = geo.q[kb, j, i]
    out = f[kb, j, i]
    fj = j + CY[k]
    fi = i + CX[k]
    if q < 0.5 and 0 <= fj < ny and 0 <= fi < nx and geo.kind[fj, fi] != SOLID:
        val = 2.0 * q * out + (1.0 - 2.0 * q) * f[kb, fj, fi]
    elif q >= 0.5:
        val = (out + (2.0 * q - 1.0) * f[k, j, i]) / (2.0 * q)
    else:
        val = out
    # momentum exchange: out leaves along c_kb and comes back as val
    force[0] += CX[kb] * (out + val)
    force[1] += CY[kb] * (out + val)
    return val


@njit(cache=True)
def _collide_store(fin, gg, p, n, rlx):
    """TRT collision of the nine incoming populations ``fin`` of node ``p``.

    ``fin`` is a tuple (kept in registers), ``gg`` the flat view of the
    (9, ny, nx) output, ``n = ny * nx``.
    """
    f0, f1, f2, f3, f4, f5, f6, f7, f8 = fin
    rho = f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8
    ux = (f1 - f3 + f5 - f6 - f7 + f8) / rho
    uy = (f2 - f4 + f5 + f6 - f7 - f8) / rho
    wp = rlx.omega_plus
    wm = rlx.omega_minus
    usq = 1.5 * (ux * ux + uy * uy)
    gg[p] = f0 - wp * (f0 - 4.0 / 9.0 * rho * (1.0 - usq))
    # one pair (k, opposite) at a time: symmetric and antisymmetric parts
    a = 1.0 / 9.0 * rho
    cu = ux
    ep = a * (1.0 + 4.5 * cu * cu - usq)
    em = a * 3.0 * cu
    dp = wp * (0.5 * (f1 + f3) - ep)
    dm = wm * (0.5 * (f1 - f3) - em)
    gg[n + p] = f1 - dp - dm
    gg[3 * n + p] = f3 - dp + dm
    cu = uy
    ep = a * (1.0 + 4.5 * cu * cu - usq)
    em = a * 3.0 * cu
    dp = wp * (0.5 * (f2 + f4) - ep)
    dm = wm * (0.5 * (f2 - f4) - em)
    gg[2 * n + p] = f2 - dp - dm
    gg[4 * n + p] = f4 - dp + dm
    a = 1.0 / 36.0 * rho
    cu = ux + uy
    ep = a * (1.0 + 4.5 * cu * cu - usq)
    em = a * 3.0 * cu
    dp = wp * (0.5 * (f5 + f7) - ep)
    dm = wm * (0.5 * (f5 - f7) - em)
    gg[5 * n + p] = f5 - dp - dm
    gg[7 * n + p] = f7 - dp + dm
    cu = uy - ux
    ep = a * (1.0 + 4.5 * cu * cu - usq)
    em = a * 3.0 * cu
    dp = wp * (0.5 * (f6 + f8) - ep)
    dm = wm * (0.5 * (f6 - f8) - em)
    gg[6 * n + p] = f6 - dp - dm
    gg[8 * n + p] = f8 - dp + dm


@njit(cache=True)
def _lbm_step(f, g, geo, rlx, force, fin):
    """One fused pull-stream and collide step from ``f`` into ``g``.

    ``force`` receives the force on the cylinder (lattice units); ``fin`` is
    scratch for the nine incoming populations.
    """
    ny, nx = geo.kind.shape
    kind = geo.kind
    n = ny * nx
    # flat views: the bulk loop then does one index sum per population
    ff = f.reshape(9 * n)
    gg = g.reshape(9 * n)
    for j in range(ny):
        for i in range(nx):
            if kind[j, i] != FLUID:
                continue
            p = j * nx + i
            pulled = (
                ff[p],
                ff[n + p - 1],
                ff[2 * n + p - nx],
                ff[3 * n + p + 1],
                ff[4 * n + p + nx],
                ff[5 * n + p - nx - 1],
                ff[6 * n + p - nx + 1],
                ff[7 * n + p + nx + 1],
                ff[8 * n + p + nx - 1],
            )
            _collide_store(pulled, gg, p, n, rlx)
    # the few nodes next to a wall, the inlet, the outlet or the cylinder in
    # a loop of their own, which keeps the bulk loop free of their branches
    force[0] = 0.0
    force[1] = 0.0
    for w in range(geo.wall_nodes.shape[0]):
        j = geo.wall_nodes[w, 0]
        i = geo.wall_nodes[w, 1]
        fin[0] = f[0, j, i]
        for k in range(1, 9):
            fin[k] = _incoming(f, geo, k, j, i, force)
        pulled = (
            fin[0],
            fin[1],
            fin[2],
            fin[3],
            fin[4],
            fin[5],
            fin[6],
            fin[7],
            fin[8],
        )
        _collide_store(pulled, gg, j * nx + i, n, rlx)


@njit(cache=True)
def _lbm_run(f, g, geo, rlx, n_steps, forces):
    """Advance ``n_steps`` from ``f``, using ``g`` as the second buffer.

    After an even number of steps the newest populations are in ``f``,
    after an odd number in ``g``. ``forces[s]`` is the cylinder force of
    step ``s``. Returns the first step whose force is not finite, or -1.
    """
    force = np.zeros(2)
    fin = np.empty(9)
    for s in range(n_steps):
        if s % 2 == 0:
            _lbm_step(f, g, geo, rlx, force, fin)
        else:
            _lbm_step(g, f, geo, rlx, force, fin)
        forces[s, 0] = force[0]
        forces[s, 1] = force[1]
        if not (np.isfinite(force[0]) and np.isfinite(force[1])):
            return s
    return -1


@njit(cache=True)
def _velocity(f, kind, out):
    """Velocity (2, ny, nx) of the post-collision field ``f``; zero in the solid."""
    ny, nx = kind.shape
    for j in range(ny):
        for i in range(nx):
            if kind[j, i] == SOLID:
                out[0, j, i] = 0.0
                out[1, j, i] = 0.0
                continue
            rho = 0.0
            mx = 0.0
            my = 0.0
            for m in range(9):
                fm = f[m, j, i]
                rho += fm
                mx += CX[m] * fm
                my += CY[m] * fm
            out[0, j, i] = mx / rho
            out[1, j, i] = my / rho


# ---------------------------------------------------------------- set-up ---


def _build_lattice(resolution, center=CENTER):
    dx = DIAMETER / resolution
    nx = int(round(CHANNEL_LENGTH / dx))
    ny = int(round(CHANNEL_HEIGHT / dx))
    cx0, cy0 = center[0] / dx, center[1] / dx
    radius = 0.5 * resolution
    x = np.arange(nx) + 0.5
    y = np.arange(ny) + 0.5
    X, Y = np.meshgrid(x, y)
    solid = (X - cx0) ** 2 + (Y - cy0) ** 2 < radius**2
    kind = np.full((ny, nx), FLUID, dtype=np.int8)
    q = np.full((9, ny, nx), -1.0)
    for k in range(1, 9):
        sj = np.arange(ny)[:, None] - CY[k] + np.zeros((1, nx), dtype=int)
        si = np.arange(nx)[None, :] - CX[k] + np.zeros((ny, 1), dtype=int)
        outside = (sj < 0) | (sj >= ny) | (si < 0) | (si >= nx)
        src_solid = np.zeros((ny, nx), dtype=bool)
        src_solid[~outside] = solid[sj[~outside], si[~outside]]
        kind[outside | src_solid] = NEAR_WALL
        # link k from a fluid node into the cylinder: where it crosses the circle
        nj = np.arange(ny)[:, None] + CY[k] + np.zeros((1, nx), dtype=int)
        ni = np.arange(nx)[None, :] + CX[k] + np.zeros((ny, 1), dtype=int)
        inside = (nj >= 0) & (nj < ny) & (ni >= 0) & (ni < nx)
        hits = np.zeros((ny, nx), dtype=bool)
        hits[inside] = solid[nj[inside], ni[inside]]
        hits &= ~solid
        jj, ii = np.nonzero(hits)
        px, py = x[ii] - cx0, y[jj] - cy0
        a = float(CX[k] ** 2 + CY[k] ** 2)
        b = 2.0 * (px * CX[k] + py * CY[k])
        c = px**2 + py**2 - radius**2
        q[k, jj, ii] = (-b - np.sqrt(b * b - 4.0 * a * c)) / (2.0 * a)
    kind[solid] = SOLID
    u_max = 1.5 * LATTICE_VELOCITY
    edges = np.arange(ny + 1.0)
    u_node = 4.0 * u_max * y * (ny - y) / ny**2
    u_edge = 4.0 * u_max * edges * (ny - edges) / ny**2
    wall_nodes = np.argwhere(kind == NEAR_WALL).astype(np.int64)
    return Lattice(kind, q, u_node, u_edge, wall_nodes), dx


def _check_resolution(resolution, reynolds):
    # the relaxation time 3 nu + 1/2 falls to ~0.52 here, where the
    # interpolated bounce-back on the cylinder stops being stable
    if resolution < 0.15 * reynolds:
        raise ValueError(
            f"resolution={resolution} cells per diameter is too coarse for "
            f"Re={reynolds:g}; use at least {int(np.ceil(0.15 * reynolds))}."
        )


def _relaxation(reynolds, resolution):
    nu = LATTICE_VELOCITY * resolution / reynolds
    omega_plus = 1.0 / (3.0 * nu + 0.5)
    omega_minus = 1.0 / (MAGIC / (1.0 / omega_plus - 0.5) + 0.5)
    return Relaxation(omega_plus, omega_minus)


def _initial_state(geo, dx, perturbation):
    """Equilibrium of the inflow profile everywhere, with a small cross-flow
    kick just behind the cylinder that starts the shedding sooner."""
    ny, nx = geo.kind.shape
    ux = np.broadcast_to(geo.u_node[:, None], (ny, nx)).copy()
    x = (np.arange(nx) + 0.5) * dx
    y = (np.arange(ny) + 0.5) * dx
    kick = np.exp(-(((x - CENTER[0] - DIAMETER) / DIAMETER) ** 2))
    uy = (
        perturbation
        * LATTICE_VELOCITY
        * np.outer(np.sin(np.pi * y / CHANNEL_HEIGHT), kick)
    )
    ux[geo.kind == SOLID] = 0.0
    uy[geo.kind == SOLID] = 0.0
    usq = ux**2 + uy**2
    f = np.empty((9, ny, nx))
    for k in range(9):
        cu = CX[k] * ux + CY[k] * uy
        f[k] = W[k] * (1.0 + 3.0 * cu + 4.5 * cu**2 - 1.5 * usq)
    return [f, f.copy()]


def _run(state, geo, rlx, n_steps, what):
    """Advance ``state`` (a list ``[newest, scratch]``) in place; the forces."""
    forces = np.empty((n_steps, 2))
    bad = _lbm_run(state[0], state[1], geo, rlx, n_steps, forces)
    if bad >= 0:
        raise SimulationBlowUpError(
            f"{what} blew up (NaN/inf) at lattice step {bad}; the resolution is "
            "too coarse for this Reynolds number."
        )
    if n_steps % 2:
        state.reverse()
    return forces


def _shedding_figures(t, cd, cl):
    """Strouhal number (mean inflow 1, D = 0.1) and force maxima of the record.

    The Strouhal number is NaN when the lift does not cross its mean upwards
    three times (steady flow, or shedding not yet started).
    """
    # upward zero crossings of the lift, linearly interpolated
    s = cl - cl.mean()
    idx = np.nonzero((s[:-1] < 0) & (s[1:] >= 0))[0]
    if idx.size < 3:
        return np.nan, cd.max(), cl.max()
    tc = t[idx] - s[idx] * (t[idx + 1] - t[idx]) / (s[idx + 1] - s[idx])
    period = (tc[-1] - tc[0]) / (tc.size - 1)
    return DIAMETER / (MEAN_INFLOW * period), cd.max(), cl.max()


# ------------------------------------------------------------- public API ---


def cylinder_benchmark(
    resolution=20, *, reynolds=100.0, t_end=8.0, t_record=2.0, return_bunch=False
):
    """Check the cylinder solver against the DFG benchmark 2D-2 (Re = 100).

    Runs the channel of Schaefer & Turek (1996) from the inflow profile at
    rest to ``t_end`` and measures the periodic shedding over the last
    ``t_record`` time units: the Strouhal number ``St = D f / U_mean`` from
    the lift's period, and the maximum drag and lift coefficients
    ``C = 2 F / (rho U_mean^2 D)``, the forces taken by momentum exchange.
    The published values are St = 0.300, max Cd = 3.23, max Cl = 1.00.

    Parameters
    ----------
    resolution : int, default=20
        Lattice cells per cylinder diameter (the channel height is rounded
        to whole cells).
    reynolds : float, default=100.0
        ``U_mean D / nu``.
    t_end : float, default=8.0
        Simulated time, in units of ``D / (10 U_mean)`` (the benchmark's).
    t_record : float, default=2.0
        Final stretch over which the figures are measured (several periods).
    return_bunch : bool, default=False
        Also return the force history.

    Returns
    -------
    strouhal, cd_max, cl_max : float
        ``strouhal`` is NaN if the lift crosses its mean upwards fewer than
        three times in the recorded stretch. Or with
        ``return_bunch=True`` a Bunch with these, ``t``, ``cd`` and ``cl``
        (every lattice step), ``dt`` and ``resolution``.

    Raises
    ------
    ValueError
        If the lattice is too coarse for the Reynolds number
        (``resolution < 0.15 * reynolds``: the relaxation time nears 1/2).
    SimulationBlowUpError
        If the run produces NaN/inf.

    References
    ----------
    .. [1] M. Schaefer and S. Turek, "Benchmark computations of laminar flow
       around a cylinder", Notes Numer. Fluid Mech. 52, 547-566 (1996).

    Examples
    --------
    Steady flow at Re = 20 (the benchmark's case 2D-1, drag coefficient
    5.58) on a coarse lattice:

    >>> from skrom.datasets import cylinder_benchmark
    >>> b = cylinder_benchmark(
    ...     10, reynolds=20, t_end=1.0, t_record=0.2, return_bunch=True
    ... )
    >>> round(float(b.cd[-1]), 1)
    5.7
    """
    resolution = check_int(resolution, "resolution", min_value=5)
    reynolds = check_positive_float(reynolds, "reynolds")
    t_end = check_positive_float(t_end, "t_end")
    t_record = check_positive_float(t_record, "t_record")
    if t_record >= t_end:
        raise ValueError(f"t_record={t_record} must be shorter than t_end={t_end}.")
    _check_resolution(resolution, reynolds)
    geo, dx = _build_lattice(resolution)
    dt = dx * LATTICE_VELOCITY / MEAN_INFLOW
    n_steps = int(round(t_end / dt))
    # the cross-flow kick only hastens a shedding that comes anyway (Re > 47)
    state = _initial_state(geo, dx, perturbation=0.1 if reynolds > 47 else 0.0)
    forces = _run(state, geo, _relaxation(reynolds, resolution), n_steps, "DFG 2D-2")
    scale = 2.0 / (LATTICE_VELOCITY**2 * resolution)
    cd, cl = forces[:, 0] * scale, forces[:, 1] * scale
    t = (np.arange(n_steps) + 1) * dt
    keep = t > t_end - t_record
    st, cd_max, cl_max = _shedding_figures(t[keep], cd[keep], cl[keep])
    if not return_bunch:
        return st, cd_max, cl_max
    return Bunch(
        strouhal=st,
        cd_max=cd_max,
        cl_max=cl_max,
        t=t,
        cd=cd,
        cl=cl,
        dt=dt,
        resolution=resolution,
    )


# ------------------------------------------------------------ data set ---


def _window(n, dx, lo, hi, name):
    centres = (np.arange(n) + 0.5) * dx
    idx = np.nonzero((centres >= lo - 1e-9 * dx) & (centres < hi - 1e-9 * dx))[0]
    if idx.size < 2:
        raise ValueError(
            f"{name}=({lo}, {hi}) holds fewer than two lattice nodes of spacing {dx:g}."
        )
    return slice(idx[0], idx[-1] + 1), centres[idx]


def _vorticity(u, dx):
    """``dv/dx - du/dy`` by central differences (one-sided at the edges)."""
    return np.gradient(u[1], dx, axis=1) - np.gradient(u[0], dx, axis=0)


def _wake_member(rng, index, p):
    geo, dx = p["lattice"]
    reynolds = rng.uniform(*p["reynolds"])
    t_start = rng.uniform(*p["t_start"])
    rlx = _relaxation(reynolds, p["resolution"])
    dt = dx * LATTICE_VELOCITY / MEAN_INFLOW
    what = f"cylinder wake trajectory {index} (Re={reynolds:.4g})"
    state = _initial_state(geo, dx, perturbation=0.1)
    _run(state, geo, rlx, int(round(t_start / dt)), what)
    ny, nx = geo.kind.shape
    u = np.empty((2, ny, nx))
    rows, cols = p["rows"], p["cols"]
    n_channels = 3 if p["vorticity"] else 2
    clean = np.empty(
        (p["n_snapshots"], n_channels, rows.stop - rows.start, cols.stop - cols.start)
    )
    for k in range(p["n_snapshots"]):
        if k:
            _run(state, geo, rlx, p["stride"], what)
        _velocity(state[0], geo.kind, u)
        u /= LATTICE_VELOCITY
        clean[k, :2] = u[:, rows, cols]
        if p["vorticity"]:
            clean[k, 2] = _vorticity(u, dx)[rows, cols]
    noisy = clean + p["noise"] * rng.standard_normal(clean.shape)
    return noisy, clean, reynolds, t_start


def make_cylinder_wake(
    n_trajectories=4,
    n_snapshots=100,
    *,
    reynolds=(90.0, 110.0),
    resolution=20,
    dt=0.02,
    t_start=(6.0, 6.5),
    window_x=(0.3, 1.9),
    window_y=(0.005, 0.405),
    vorticity=False,
    noise=0.0,
    random_state=None,
    n_jobs=None,
    return_bunch=False,
):
    """The periodic wake behind a cylinder in a channel, on a window of the flow.

    Each trajectory runs the DFG channel (see :func:`cylinder_benchmark`,
    which validates the solver) at a Reynolds number drawn uniformly from
    ``reynolds``, from the inflow profile to a start time drawn uniformly
    from ``t_start`` (vortex shedding established, at a random phase), and
    then stores the velocity (and optionally the vorticity) every ``dt`` on
    the nodes inside ``window_x`` x ``window_y``. The defaults give the
    320 x 80 window behind the cylinder of the cylinder-wake study of
    Ilersich & Nair (2025), whose own data came from a published CFD set.

    Parameters
    ----------
    n_trajectories : int, default=4
    n_snapshots : int, default=100
    reynolds : (float, float), default=(90.0, 110.0)
        Range of ``U_mean D / nu`` (equal ends fix it).
    resolution : int, default=20
        Lattice cells per cylinder diameter (node spacing ``0.1 / resolution``).
    dt : float, default=0.02
        Time between snapshots, rounded to whole lattice steps (the shedding
        period at Re = 100 is about 0.33).
    t_start : (float, float), default=(6.0, 6.5)
        Range of the time of the first snapshot.
    window_x, window_y : (float, float)
        The stored region; nodes whose centres lie in ``[lo, hi)``. The
        channel is [0, 2.2] x [0, 0.41], the cylinder spans x in [0.15, 0.25].
    vorticity : bool, default=False
        Store the vorticity ``dv/dx - du/dy`` as a third channel.
    noise : float, default=0.0
        Standard deviation of i.i.d. Gaussian observation noise.
    random_state : None, int, SeedSequence or Generator
        Trajectory ``i`` uses child ``i`` of one SeedSequence, so the data do
        not depend on ``n_jobs``.
    n_jobs : int or None
        joblib workers over trajectories.
    return_bunch : bool, default=False
        Return a :class:`~sklearn.utils.Bunch` with the noise-free fields,
        the coordinates and the Reynolds number of each trajectory.

    Returns
    -------
    X : ndarray of shape (n_trajectories, n_snapshots, n_channels, ny, nx)
        Channels ``(u, v)`` or ``(u, v, vorticity)`` in units of the mean
        inflow and the benchmark's length; ``X[n, k, c, j, i]`` at
        ``(x[i], y[j])``. With ``return_bunch=True`` a Bunch with ``X``,
        ``X_clean``, ``x`` (nx,), ``y`` (ny,), ``t`` (n_snapshots,) the
        times after each trajectory's start, ``dt``, ``t_start`` and
        ``reynolds`` (n_trajectories,), ``channels`` (names) and ``params``.

    Raises
    ------
    SimulationBlowUpError
        If a run produces NaN/inf.
    ValueError
        If the lattice is too coarse for the largest Reynolds number
        (``resolution < 0.15 * reynolds[1]``), or a range is not one.

    References
    ----------
    .. [1] M. Schaefer and S. Turek, "Benchmark computations of laminar flow
       around a cylinder", Notes Numer. Fluid Mech. 52, 547-566 (1996).
    .. [2] A. Ilersich and P. B. Nair, "Learning stochastic multiscale models",
       NeurIPS 2025, arXiv:2506.22655.

    Examples
    --------
    >>> from skrom.datasets import make_cylinder_wake
    >>> X = make_cylinder_wake(
    ...     1, 3, reynolds=(30, 30), resolution=5, t_start=(0.5, 0.5), random_state=0
    ... )
    >>> X.shape
    (1, 3, 2, 20, 80)
    """
    n_trajectories = check_int(n_trajectories, "n_trajectories")
    n_snapshots = check_int(n_snapshots, "n_snapshots")
    resolution = check_int(resolution, "resolution", min_value=5)
    ranges = {}
    for name, value in (
        ("reynolds", reynolds),
        ("t_start", t_start),
        ("window_x", window_x),
        ("window_y", window_y),
    ):
        lo, hi = (check_positive_float(v, name, allow_zero=True) for v in value)
        if hi < lo:
            raise ValueError(f"{name} must be a range (lo, hi) with lo <= hi.")
        ranges[name] = (lo, hi)
    if ranges["reynolds"][0] <= 0:
        raise ValueError(f"reynolds must be > 0, got {reynolds}.")
    _check_resolution(resolution, ranges["reynolds"][1])
    geo, dx = _build_lattice(resolution)
    step = dx * LATTICE_VELOCITY / MEAN_INFLOW
    stride = max(1, int(round(check_positive_float(dt, "dt") / step)))
    rows, y = _window(geo.kind.shape[0], dx, *ranges["window_y"], "window_y")
    cols, x = _window(geo.kind.shape[1], dx, *ranges["window_x"], "window_x")
    params = dict(
        n_snapshots=n_snapshots,
        resolution=resolution,
        stride=stride,
        rows=rows,
        cols=cols,
        vorticity=bool(vorticity),
        noise=check_positive_float(noise, "noise", allow_zero=True),
        lattice=(geo, dx),
        **{k: ranges[k] for k in ("reynolds", "t_start")},
    )
    results = run_ensemble(
        _wake_member,
        n_trajectories,
        random_state=random_state,
        n_jobs=n_jobs,
        args=(params,),
        stack=False,
    )
    X = np.stack([r[0] for r in results])
    if not return_bunch:
        return X
    del params["lattice"], params["rows"], params["cols"]
    params.update(ranges, dx=dx, lattice_dt=step)
    return Bunch(
        X=X,
        X_clean=np.stack([r[1] for r in results]),
        x=x,
        y=y,
        t=np.arange(n_snapshots) * stride * step,
        dt=stride * step,
        t_start=np.array([r[3] for r in results]),
        reynolds=np.array([r[2] for r in results]),
        channels=("u", "v", "vorticity") if vorticity else ("u", "v"),
        params=params,
    )
