"""Numba kernels of a Langevin model whose drift depends on known inputs.

The model and its tables are derived in :mod:`skrom.score._input_drift`.
A path reads its inputs ``U`` of shape ``(n_records, n_inputs)``, the values
at its output points; within a record's substeps they are interpolated
linearly and their rate is the record's difference quotient. One dynamic
feature reads its drift from :class:`InputTables` (scalars and a few small
scratch arrays allocated once per path); several evaluate the score network
at the joint state ``(x, u)``.
"""

import math
from typing import NamedTuple

import numba
import numpy as np

from ._confined_score import confined_score

__all__ = [
    "InputScratch",
    "InputTables",
    "NO_INPUT_TABLES",
    "input_scratch",
    "input_table_drift",
    "input_table_drifts",
    "simulate_input_path",
]


class InputTables(NamedTuple):
    """Drift tables of one dynamic feature driven by known inputs.

    The inputs enter standardised, ``v = clip((u - mean) / scale, v_lo,
    v_hi)``. On the grid ``x = lo + i * step``:

    Attributes
    ----------
    lo, step : float
        The grid in ``x`` (data units).
    powers : ndarray of shape (n_terms, n_inputs), int64
        Monomials of the score's polynomial in ``v``.
    score : ndarray of shape (n_x, n_terms)
        Its coefficients: ``d/dx log p(x | u) = sum_k score[i, k] v^powers[k]``.
    t_powers : ndarray of shape (n_t, n_inputs), int64
        Monomials of the conditional density's polynomial (no rows: no
        transport).
    density, cdf : ndarray of shape (n_x, n_t)
        Coefficients of ``p(x | u)`` and of ``C(x | u)``.
    floor : float
        Lower bound of ``p`` in the transport velocity.
    v_max : float
        Bound of ``|v|``, the transport velocity.
    mean, scale, v_lo, v_hi : ndarray of shape (n_inputs,)
        Standardisation of the inputs and their training range.
    """

    lo: float
    step: float
    powers: np.ndarray
    score: np.ndarray
    t_powers: np.ndarray
    density: np.ndarray
    cdf: np.ndarray
    floor: float
    v_max: float
    mean: np.ndarray
    scale: np.ndarray
    v_lo: np.ndarray
    v_hi: np.ndarray


_NO_POWERS = np.zeros((0, 0), dtype=np.int64)
#: No input tables (a model without inputs, or with several dynamic features).
NO_INPUT_TABLES = InputTables(
    0.0,
    1.0,
    _NO_POWERS,
    np.zeros((1, 0)),
    _NO_POWERS,
    np.zeros((1, 0)),
    np.zeros((1, 0)),
    1.0,
    0.0,
    np.empty(0),
    np.empty(0),
    np.empty(0),
    np.empty(0),
)


class InputScratch(NamedTuple):
    """How :func:`input_table_drift` builds its monomials, and its scratch.

    Built once per path by :func:`input_scratch`. Every monomial but the
    constant is one earlier monomial times one input, so the ``n_terms``
    monomials cost ``n_terms`` products (``m[k] = m[parent[k]] *
    v[var[k]]``, ``parent[k] = -1``: the constant).

    Attributes
    ----------
    parent, var : ndarray of shape (n_terms,), int64
        The chain of ``tables.powers``.
    t_parent, t_var : ndarray of shape (n_t,), int64
        The chain of ``tables.t_powers``.
    lower : ndarray of shape (n_t, n_inputs), int64
        Row of ``t_powers[k]`` with the power of input ``j`` lowered by one
        (``d monomial_k / d v_j = t_powers[k, j] * mt[lower[k, j]]``); -1
        where that power is zero.
    expo : ndarray of shape (n_t, n_inputs)
        ``t_powers`` as floats.
    m, mt, rate : ndarray
        Scratch: the monomials of the score and of the density at ``v`` and
        the monomials' rates.
    """

    parent: np.ndarray
    var: np.ndarray
    t_parent: np.ndarray
    t_var: np.ndarray
    lower: np.ndarray
    expo: np.ndarray
    m: np.ndarray
    mt: np.ndarray
    rate: np.ndarray


@numba.njit(cache=True)
def _find_row(powers, k, j):
    # the row of powers equal to powers[k] with the power of input j lowered
    p = powers.shape[1]
    for q in range(powers.shape[0]):
        same = True
        for c in range(p):
            want = powers[k, c] - 1 if c == j else powers[k, c]
            if powers[q, c] != want:
                same = False
                break
        if same:
            return q
    return -1


@numba.njit(cache=True)
def _chain(powers):
    n, p = powers.shape
    parent = np.full(n, -1, dtype=np.int64)
    var = np.zeros(n, dtype=np.int64)
    for k in range(n):
        for j in range(p):
            if powers[k, j] > 0:
                q = _find_row(powers, k, j)
                # the kernels fill m in row order: a parent must come first
                if q < 0 or q >= k:
                    raise ValueError(
                        "input monomials must hold every lowered monomial first"
                    )
                parent[k] = q
                var[k] = j
                break
    return parent, var


@numba.njit(cache=True)
def input_scratch(tables):
    """The :class:`InputScratch` of ``tables`` (allocated once per path)."""
    parent, var = _chain(tables.powers)
    t_parent, t_var = _chain(tables.t_powers)
    n_t, p = tables.t_powers.shape
    lower = np.full((n_t, p), -1, dtype=np.int64)
    expo = np.zeros((n_t, p))
    for k in range(n_t):
        for j in range(p):
            if tables.t_powers[k, j] > 0:
                lower[k, j] = _find_row(tables.t_powers, k, j)
                if lower[k, j] < 0:
                    raise ValueError(
                        "input monomials must hold every lowered monomial first"
                    )
                expo[k, j] = tables.t_powers[k, j]
    return InputScratch(
        parent,
        var,
        t_parent,
        t_var,
        lower,
        expo,
        np.empty(parent.shape[0]),
        np.empty(t_parent.shape[0]),
        np.empty(t_parent.shape[0]),
    )


@numba.njit(cache=True, inline="always")
def _monomials(v, parent, var, m):
    for k in range(parent.shape[0]):
        q = parent[k]
        m[k] = 1.0 if q < 0 else m[q] * v[var[k]]


@numba.njit(cache=True, inline="always")
def _blend(table, i, f, m):
    # (1 - f) table[i] . m + f table[i + 1] . m; four sums per row so that
    # the additions do not wait on each other (the drift is on the path's
    # critical chain of dependences, the monomials are not)
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    b0 = 0.0
    b1 = 0.0
    b2 = 0.0
    b3 = 0.0
    n = m.shape[0]
    for quarter in range(n // 4):
        k = 4 * quarter
        a0 += table[i, k] * m[k]
        b0 += table[i + 1, k] * m[k]
        a1 += table[i, k + 1] * m[k + 1]
        b1 += table[i + 1, k + 1] * m[k + 1]
        a2 += table[i, k + 2] * m[k + 2]
        b2 += table[i + 1, k + 2] * m[k + 2]
        a3 += table[i, k + 3] * m[k + 3]
        b3 += table[i + 1, k + 3] * m[k + 3]
    for k in range(n - n % 4, n):
        a0 += table[i, k] * m[k]
        b0 += table[i + 1, k] * m[k]
    return (1.0 - f) * ((a0 + a1) + (a2 + a3)) + f * ((b0 + b1) + (b2 + b3))


@numba.njit(cache=True, inline="always")
def _clip(v, v_lo, v_hi):
    for j in range(v.shape[0]):
        v[j] = min(max(v[j], v_lo[j]), v_hi[j])


@numba.njit(cache=True, inline="always")
def _cell(x, lo, step, inv_step, n_x):
    # grid cell i and weight f of x, and how far x lies beyond the grid
    u = (x - lo) * inv_step
    uc = min(max(u, 0.0), n_x - 1.000001)
    i = int(uc)
    return i, uc - i, (u - uc) * step


@numba.njit(cache=True, inline="always")
def _monomial_rates(vdot, mt, lower, expo, rate):
    # d monomial_k / dt = sum_j t_powers[k, j] v^(t_powers[k] - e_j) vdot_j
    for k in range(rate.shape[0]):
        acc = 0.0
        for j in range(vdot.shape[0]):
            q = lower[k, j]
            if q >= 0:
                acc += expo[k, j] * mt[q] * vdot[j]
        rate[k] = acc


@numba.njit(cache=True, inline="always")
def _velocity(dens, flux, floor, v_max):
    velocity = -flux / max(dens, floor)
    return min(max(velocity, -v_max), v_max)


@numba.njit(cache=True, inline="always")
def input_table_drift(x, v, vdot, tables, phi_kk, inv_var, scratch):
    """``phi_kk * score + velocity`` of one dynamic feature at ``x``.

    ``v``: the standardised inputs (clipped here, in place), ``vdot``: their
    rate; ``scratch`` from :func:`input_scratch`. Linear in ``x`` between
    grid points; beyond the grid the score continues as a Gaussian tail of
    variance ``1 / inv_var`` and the velocity keeps its edge value. The
    velocity is clipped to ``+-tables.v_max``.
    """
    # _scalar_input_path composes the same steps on arrays bound once
    _clip(v, tables.v_lo, tables.v_hi)
    m = scratch.m
    _monomials(v, scratch.parent, scratch.var, m)
    step = tables.step
    i, f, beyond = _cell(x, tables.lo, step, 1.0 / step, tables.score.shape[0])
    drift = phi_kk * (_blend(tables.score, i, f, m) - beyond * inv_var)
    if scratch.mt.shape[0] == 0:
        return drift
    mt = scratch.mt
    rate = scratch.rate
    _monomials(v, scratch.t_parent, scratch.t_var, mt)
    _monomial_rates(vdot, mt, scratch.lower, scratch.expo, rate)
    dens = _blend(tables.density, i, f, mt)
    flux = _blend(tables.cdf, i, f, rate)
    return drift + _velocity(dens, flux, tables.floor, tables.v_max)


@numba.njit(cache=True)
def _input_table_drifts(x, U, Udot, tables, phi_kk, inv_var, out):
    p = U.shape[1]
    v = np.empty(p)
    vdot = np.empty(p)
    scratch = input_scratch(tables)
    for n in range(x.shape[0]):
        for j in range(p):
            v[j] = (U[n, j] - tables.mean[j]) / tables.scale[j]
            vdot[j] = Udot[n, j] / tables.scale[j]
        out[n] = input_table_drift(x[n], v, vdot, tables, phi_kk, inv_var, scratch)


def input_table_drifts(x, U, Udot, tables, phi_kk, inv_var):
    """:func:`input_table_drift` at every ``(x[n], U[n], Udot[n])`` (data units)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    _input_table_drifts(
        x,
        np.ascontiguousarray(U, dtype=np.float64),
        np.ascontiguousarray(Udot, dtype=np.float64),
        tables,
        float(phi_kk),
        float(inv_var),
        out,
    )
    return out


@numba.njit(cache=True)
def _scalar_input_path(x0, U, n_records, model, rng, out):
    """One dynamic feature: the drift from ``model.inputs`` (see
    :func:`input_table_drift`). Returns -1 or the record index at which the
    path blew up (the rest of ``out`` NaN)."""
    # input_table_drift's steps with every array bound here, once: an array
    # taken from a tuple inside the substep loop costs reference counting
    # there (twice the time of the loop in C)
    tables = model.inputs
    scratch = input_scratch(tables)
    parent, var, m = scratch.parent, scratch.var, scratch.m
    t_parent, t_var, mt = scratch.t_parent, scratch.t_var, scratch.mt
    lower, expo, rate = scratch.lower, scratch.expo, scratch.rate
    score_table, density, cdf = tables.score, tables.density, tables.cdf
    v_lo, v_hi, mean = tables.v_lo, tables.v_hi, tables.mean
    lo, step, floor, v_max = tables.lo, tables.step, tables.floor, tables.v_max
    inv_step = 1.0 / step
    n_x = score_table.shape[0]
    transport = mt.shape[0] > 0
    p = U.shape[1]
    v = np.empty(p)
    vdot = np.empty(p)
    v0 = np.empty(p)
    dv = np.empty(p)
    inv_scale = np.empty(p)
    for j in range(p):
        inv_scale[j] = 1.0 / tables.scale[j]
    h = model.h
    substeps = model.substeps
    bound = model.score.bound
    phi_kk = model.phi[0, 0]
    kick = math.sqrt(2.0 * h) * model.noise[0, 0]
    scale = model.score.scale[0]
    inv_var = 1.0 / (scale * scale)
    inv_record = 1.0 / (h * substeps)
    x = x0[0]
    out[0, 0] = x
    for r in range(1, n_records):
        # the inputs move linearly over the record: only its ends are read
        for j in range(p):
            v0[j] = (U[r - 1, j] - mean[j]) * inv_scale[j]
            dv[j] = (U[r, j] - U[r - 1, j]) * inv_scale[j]
            vdot[j] = dv[j] * inv_record
        for s in range(substeps):
            frac = s / substeps
            for j in range(p):
                v[j] = v0[j] + frac * dv[j]
            _clip(v, v_lo, v_hi)
            _monomials(v, parent, var, m)
            i, f, beyond = _cell(x, lo, step, inv_step, n_x)
            drift = phi_kk * (_blend(score_table, i, f, m) - beyond * inv_var)
            if transport:
                _monomials(v, t_parent, t_var, mt)
                _monomial_rates(vdot, mt, lower, expo, rate)
                dens = _blend(density, i, f, mt)
                flux = _blend(cdf, i, f, rate)
                drift += _velocity(dens, flux, floor, v_max)
            x += drift * h
            x += kick * rng.standard_normal()
        out[r, 0] = x
        if not (abs(x) <= bound):
            for q in range(r + 1, n_records):
                out[q, 0] = np.nan
            return r
    return -1


@numba.njit(cache=True)
def _network_input_path(x0, U, n_records, model, rng, out):
    """Several dynamic features: the score network at the joint state
    ``(x, u)``, no transport. Returns -1 or the record index of a blow-up."""
    d = x0.shape[0]
    p = U.shape[1]
    n = d + p
    score = model.score
    mean = score.mean
    scale = score.scale
    bound = score.bound
    phi = model.phi
    noise = model.noise
    h = model.h
    substeps = model.substeps
    amp = math.sqrt(2.0 * h)
    width = 0
    for q in range(score.net.sizes.shape[0]):
        width = max(width, score.net.sizes[q])
    y = np.empty(n)
    yc = np.empty(n)
    s = np.empty(n)
    work = np.empty(2 * width)
    g = np.empty(d)
    xi = np.empty(d)
    x = x0.copy()
    for k in range(d):
        out[0, k] = x[k]
    for r in range(1, n_records):
        for sub in range(substeps):
            frac = sub / substeps
            for k in range(d):
                y[k] = (x[k] - mean[k]) / scale[k]
            for j in range(p):
                u = U[r - 1, j] + frac * (U[r, j] - U[r - 1, j])
                y[d + j] = (u - mean[d + j]) / scale[d + j]
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
        bad = False
        for k in range(d):
            out[r, k] = x[k]
            if not (abs(x[k]) <= bound):
                bad = True
        if bad:
            for q in range(r + 1, n_records):
                for k in range(d):
                    out[q, k] = np.nan
            return r
    return -1


def simulate_input_path(x0, U, n_records, model, rng, out):
    """One path of a model with inputs ``U`` (n_records, n_inputs).

    Tables for one dynamic feature with ``model.inputs``, else the network.
    Returns -1 or the record index at which the path blew up.
    """
    U = np.ascontiguousarray(U, dtype=np.float64)
    if model.inputs.score.shape[1] > 0:
        return _scalar_input_path(x0, U, n_records, model, rng, out)
    return _network_input_path(x0, U, n_records, model, rng, out)
