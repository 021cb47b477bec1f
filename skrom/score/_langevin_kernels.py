"""Numba kernels that integrate Langevin dynamics driven by a learned score.

The model, in the original units of the data, is

    dx = Phi s(x) dt + Sigma sqrt(2) dW,    Phi = Sigma Sigma^T,

with the score ``s(x) = s_std((x - mean) / scale) / scale`` given by the
confined network of :func:`skrom.score._confined_score.confined_score`
(a table of it for one feature). It is integrated by Euler-Maruyama.

What a kernel reads of a fitted model is one :class:`LangevinKernel`
(``LangevinROM.langevin_kernel_``, built once at the end of ``fit``); a
kernel takes it and the per-call arrays (start, record count, generator,
output).
"""

import math
from typing import NamedTuple

import numba
import numpy as np

from ._confined_score import ScoreKernel, confined_score, tabulated_score
from ._input_kernels import NO_INPUT_TABLES, InputTables

__all__ = [
    "ClockKernel",
    "ClockTables",
    "LangevinKernel",
    "NO_CLOCK",
    "NO_CLOCK_TABLES",
    "langevin_kernel",
    "simulate_path",
    "simulate_paths",
    "simulate_scalar_path",
    "simulate_clocked_path",
    "simulate_endpoints",
]


class ClockKernel(NamedTuple):
    """Known clock features: ``(sin, cos)`` column pairs of advancing phases.

    Attributes
    ----------
    sin, cos : ndarray of shape (n_clocks,), int64
        Column of each pair's sine and cosine.
    omega : ndarray of shape (n_clocks,)
        Angular frequencies, radians per time unit.
    radius : ndarray of shape (n_clocks,)
        Radii.
    """

    sin: np.ndarray
    cos: np.ndarray
    omega: np.ndarray
    radius: np.ndarray


#: No clock features.
NO_CLOCK = ClockKernel(
    np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
)


class ClockTables(NamedTuple):
    """Drift tables of one dynamic feature driven by one clock pair.

    Attributes
    ----------
    lo : float
        First grid point in ``x`` (data units).
    step : float
        Grid spacing in ``x``.
    score : ndarray of shape (n_x, n_phase)
        Conditional score ``d/dx log p(x | phase)`` on the grid times
        ``2 pi j / n_phase``; one row: no tables.
    velocity : ndarray of shape (n_x, n_phase)
        Transport velocity on the same grid.
    """

    lo: float
    step: float
    score: np.ndarray
    velocity: np.ndarray


#: No drift tables.
NO_CLOCK_TABLES = ClockTables(0.0, 1.0, np.zeros((1, 1)), np.zeros((1, 1)))


class LangevinKernel(NamedTuple):
    """Everything the Langevin kernels read of a fitted model.

    Attributes
    ----------
    substeps : int
        Euler-Maruyama steps per record.
    h : float
        Step length.
    phi : ndarray of shape (n_features, n_features)
        ``Phi``, zero in the rows and columns of clock features.
    noise : ndarray of shape (n_features, n_features)
        ``Sigma``, likewise padded.
    score : ScoreKernel
        The score.
    clock : ClockKernel
        Clock features (:data:`NO_CLOCK`: none); not integrated, set from the
        exact phase.
    tables : ClockTables
        One dynamic feature and one clock: its drift tables
        (:data:`NO_CLOCK_TABLES`: none, the score is evaluated).
    dyn : ndarray of shape (n_dynamic,), int64
        Columns the Langevin equation moves.
    inputs : InputTables
        One dynamic feature driven by known inputs: its drift tables
        (:data:`~skrom.score._input_kernels.NO_INPUT_TABLES`: none; see
        :mod:`skrom.score._input_kernels`).
    """

    substeps: int
    h: float
    phi: np.ndarray
    noise: np.ndarray
    score: ScoreKernel
    clock: ClockKernel
    tables: ClockTables
    dyn: np.ndarray
    inputs: InputTables


def langevin_kernel(
    substeps,
    h,
    phi,
    noise,
    score,
    clock=NO_CLOCK,
    tables=NO_CLOCK_TABLES,
    dyn=None,
    inputs=NO_INPUT_TABLES,
):
    """Build a :class:`LangevinKernel` with the types the kernels are compiled for.

    ``dyn`` defaults to every feature.
    """
    phi = np.ascontiguousarray(phi, dtype=np.float64)
    if dyn is None:
        dyn = np.arange(phi.shape[0])
    return LangevinKernel(
        int(substeps),
        float(h),
        phi,
        np.ascontiguousarray(noise, dtype=np.float64),
        score,
        clock,
        tables,
        np.ascontiguousarray(dyn, dtype=np.int64),
        inputs,
    )


class _Scratch(NamedTuple):
    y: np.ndarray
    yc: np.ndarray
    s: np.ndarray
    g: np.ndarray
    xi: np.ndarray
    work: np.ndarray
    phase0: np.ndarray


@numba.njit(cache=True)
def _scratch(d, model):
    sizes = model.score.net.sizes
    return _Scratch(
        np.empty(d),
        np.empty(d),
        np.empty(d),
        np.empty(d),
        np.empty(d),
        np.empty(2 * np.max(sizes)),
        np.empty(model.clock.sin.shape[0]),
    )


@numba.njit(cache=True)
def _run(x, n_records, model, rng, out, scratch):
    """Advance ``x`` in place, writing it into ``out`` every ``model.substeps`` steps.

    Clock pairs are not integrated: their rows of ``phi`` and ``noise`` are
    zero, and after every step they are set to ``radius * (sin, cos)`` of the
    start's phase plus ``omega`` times the elapsed time, computed from the
    step count so that long runs keep the phase exactly.

    Returns -1, or the first record index at which the state was not finite
    or left ``|x| <= model.score.bound``.
    """
    d = x.shape[0]
    substeps = model.substeps
    h = model.h
    phi = model.phi
    noise = model.noise
    score = model.score
    mean = score.mean
    scale = score.scale
    bound = score.bound
    clock = model.clock
    table = score.table
    # one tabulated feature: the table first (see tabulated_score)
    use_table = d == 1 and table.values.shape[0] > 1
    box_lo = score.box_lo[0]
    box_hi = score.box_hi[0]
    y = scratch.y
    yc = scratch.yc
    s = scratch.s
    g = scratch.g
    xi = scratch.xi
    work = scratch.work
    phase0 = scratch.phase0
    amp = math.sqrt(2.0 * h)
    start_phases(x, clock, phase0)
    n_done = 0
    for k in range(d):
        out[0, k] = x[k]
    for r in range(1, n_records):
        for _ in range(substeps):
            for k in range(d):
                y[k] = (x[k] - mean[k]) / scale[k]
            hit = False
            if use_table:
                s[0], hit = tabulated_score(y[0], box_lo, box_hi, table)
            if not hit:
                confined_score(y, score, yc, s, work)
            for k in range(d):
                g[k] = s[k] / scale[k]
                xi[k] = rng.standard_normal()
            for i in range(d):
                acc_d = 0.0
                acc_n = 0.0
                for j in range(d):
                    acc_d += phi[i, j] * g[j]
                    acc_n += noise[i, j] * xi[j]
                x[i] += acc_d * h + amp * acc_n
            n_done += 1
            set_clock(x, clock, phase0, n_done * h)
        bad = False
        for k in range(d):
            v = x[k]
            out[r, k] = v
            if not (abs(v) <= bound):
                bad = True
        if bad:
            return r
    return -1


@numba.njit(cache=True)
def simulate_scalar_path(x0, n_records, model, rng, out):
    """:func:`simulate_paths` for one feature with a score table.

    Scalar locals instead of :func:`_run`'s loops over features, which cost
    several times the step itself. Returns -1 or the record index at which
    the path blew up.
    """
    score = model.score
    table = score.table
    box_lo = score.box_lo[0]
    box_hi = score.box_hi[0]
    y = np.empty(1)
    yc = np.empty(1)
    s = np.empty(1)
    work = np.empty(2 * np.max(score.net.sizes))
    h = model.h
    amp = math.sqrt(2.0 * h)
    m = score.mean[0]
    sc = score.scale[0]
    bound = score.bound
    drift = model.phi[0, 0] * h / sc
    kick = amp * model.noise[0, 0]
    substeps = model.substeps
    x = x0[0]
    out[0, 0] = x
    for r in range(1, n_records):
        for _ in range(substeps):
            yv = (x - m) / sc
            sv, hit = tabulated_score(yv, box_lo, box_hi, table)
            if not hit:
                # off the table: the network (rare, so its cost is no matter)
                y[0] = yv
                confined_score(y, score, yc, s, work)
                sv = s[0]
            x += drift * sv + kick * rng.standard_normal()
        out[r, 0] = x
        if not (abs(x) <= bound):
            return r
    return -1


@numba.njit(cache=True, inline="always")
def _bilinear(table, u, v):
    # table (n_x, n_phase), periodic in its second index; u, v in grid units
    i = int(u)
    fu = u - i
    n_phase = table.shape[1]
    j = int(v)
    fv = v - j
    j = j % n_phase
    j2 = (j + 1) % n_phase
    return (1.0 - fu) * ((1.0 - fv) * table[i, j] + fv * table[i, j2]) + fu * (
        (1.0 - fv) * table[i + 1, j] + fv * table[i + 1, j2]
    )


@numba.njit(cache=True, inline="always")
def table_drift(x, phase, tables, phi_kk, inv_var):
    """One dynamic feature's drift ``phi_kk * score + velocity`` from the tables.

    Bilinear in ``(x, phase)``; beyond the x grid the score continues as a
    Gaussian tail of variance ``1 / inv_var`` and the velocity keeps its
    edge value.
    """
    score_table = tables.score
    x_step = tables.step
    v = (phase % (2.0 * math.pi)) * (score_table.shape[1] / (2.0 * math.pi))
    u = (x - tables.lo) / x_step
    uc = min(max(u, 0.0), score_table.shape[0] - 1.000001)
    score = _bilinear(score_table, uc, v) - (u - uc) * x_step * inv_var
    return phi_kk * score + _bilinear(tables.velocity, uc, v)


@numba.njit(cache=True)
def _table_drifts(x, phase, tables, phi_kk, inv_var, out):
    for n in range(x.shape[0]):
        out[n] = table_drift(x[n], phase[n], tables, phi_kk, inv_var)


def table_drifts(x, phase, tables, phi_kk, inv_var):
    """:func:`table_drift` at every ``(x[n], phase[n])``."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    _table_drifts(
        x,
        np.ascontiguousarray(phase, dtype=np.float64),
        tables,
        float(phi_kk),
        float(inv_var),
        out,
    )
    return out


@numba.njit(cache=True, inline="always")
def start_phases(x, clock, phase0):
    """Initial phase of every clock pair of the state ``x`` into ``phase0``."""
    for p in range(clock.sin.shape[0]):
        phase0[p] = math.atan2(x[clock.sin[p]], x[clock.cos[p]])


@numba.njit(cache=True, inline="always")
def set_clock(x, clock, phase0, time):
    """Clock columns of ``x`` at ``time`` after the start, from the exact phase."""
    for p in range(clock.sin.shape[0]):
        phase = phase0[p] + clock.omega[p] * time
        x[clock.sin[p]] = clock.radius[p] * math.sin(phase)
        x[clock.cos[p]] = clock.radius[p] * math.cos(phase)


@numba.njit(cache=True)
def simulate_clocked_path(x0, n_records, model, rng, out):
    """One dynamic feature driven by one clock pair, its drift read from tables.

    The drift is ``phi * score + velocity`` from ``model.tables`` (see
    :func:`table_drift`); beyond the grid the score continues as a Gaussian
    tail of standard deviation ``model.score.scale`` of the feature (as
    the confined score's beyond its clusters). ``x0`` is the full state; the
    clock columns of ``out`` are written from the exact phase. Returns -1
    or the record index at which the path blew up.
    """
    k = model.dyn[0]
    si = model.clock.sin[0]
    ci = model.clock.cos[0]
    tables = model.tables
    h = model.h
    substeps = model.substeps
    bound = model.score.bound
    drift_factor = model.phi[k, k]
    kick = math.sqrt(2.0 * h) * model.noise[k, k]
    scale = model.score.scale[k]
    inv_var = 1.0 / (scale * scale)
    om = model.clock.omega[0]
    rad = model.clock.radius[0]
    phase0 = math.atan2(x0[si], x0[ci])
    for c in range(x0.shape[0]):
        out[0, c] = x0[c]
    x = x0[k]
    n_done = 0
    for r in range(1, n_records):
        for _ in range(substeps):
            phase = phase0 + om * (n_done * h)
            x += table_drift(x, phase, tables, drift_factor, inv_var) * h
            x += kick * rng.standard_normal()
            n_done += 1
        phase = phase0 + om * (n_done * h)
        out[r, k] = x
        out[r, si] = rad * math.sin(phase)
        out[r, ci] = rad * math.cos(phase)
        if not (abs(x) <= bound):
            for q in range(r + 1, n_records):
                for c in range(x0.shape[0]):
                    out[q, c] = np.nan
            return r
    return -1


@numba.njit(cache=True)
def simulate_paths(x0, n_records, model, rng, out):
    """One path from ``x0``: ``out`` (n_records, n_features) holds every
    ``model.substeps``-th Euler-Maruyama state of step ``model.h``,
    ``out[0] = x0``.

    Returns -1, or the record index at which the path blew up (NaN/inf or
    ``|x| > model.score.bound``).
    """
    x = x0.copy()
    return _run(x, n_records, model, rng, out, _scratch(x0.shape[0], model))


@numba.njit(cache=True)
def simulate_endpoints(X0, model, rng, out, status):
    """Run one chain per row of ``X0`` for ``model.substeps`` steps; keep its end.

    ``model`` has no clock. ``out`` (n_chains, n_features) receives the final
    states and ``status[i]`` is -1, or 1 when chain ``i`` blew up.
    """
    d = X0.shape[1]
    x = np.empty(d)
    rec = np.empty((2, d))
    scratch = _scratch(d, model)
    for c in range(X0.shape[0]):
        for k in range(d):
            x[k] = X0[c, k]
        status[c] = _run(x, 2, model, rng, rec, scratch)
        for k in range(d):
            out[c, k] = rec[1, k]


def simulate_path(x0, n_records, model, rng, out):
    """Run the kernel that fits ``model``: drift tables, a 1-D score table or
    the general one. Returns -1 or the record index at which it blew up."""
    if model.tables.score.shape[0] > 1:
        return simulate_clocked_path(x0, n_records, model, rng, out)
    if x0.shape[0] == 1 and model.score.table.values.shape[0] > 1:
        return simulate_scalar_path(x0, n_records, model, rng, out)
    return simulate_paths(x0, n_records, model, rng, out)
