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
    "InputTables",
    "NO_INPUT_TABLES",
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


@numba.njit(cache=True, inline="always")
def _monomial(pw, powers, k):
    # pw[j, e] = v_j ** e
    value = 1.0
    for j in range(powers.shape[1]):
        value *= pw[j, powers[k, j]]
    return value


@numba.njit(cache=True)
def input_table_drift(x, v, vdot, tables, phi_kk, inv_var, pw):
    """``phi_kk * score + velocity`` of one dynamic feature at ``x``.

    ``v``: the standardised inputs (clipped here, in place), ``vdot``: their
    rate; ``pw`` (n_inputs, max degree + 1) is scratch. Linear in ``x``
    between grid points; beyond the grid the score continues as a Gaussian
    tail of variance ``1 / inv_var`` and the velocity keeps its edge value.
    The velocity is clipped to ``+-tables.v_max``.
    """
    p = v.shape[0]
    for j in range(p):
        v[j] = min(max(v[j], tables.v_lo[j]), tables.v_hi[j])
        pw[j, 0] = 1.0
        for e in range(1, pw.shape[1]):
            pw[j, e] = pw[j, e - 1] * v[j]
    n_x = tables.score.shape[0]
    u = (x - tables.lo) / tables.step
    uc = min(max(u, 0.0), n_x - 1.000001)
    i = int(uc)
    f = uc - i
    score = 0.0
    for k in range(tables.powers.shape[0]):
        c = (1.0 - f) * tables.score[i, k] + f * tables.score[i + 1, k]
        score += c * _monomial(pw, tables.powers, k)
    score -= (u - uc) * tables.step * inv_var
    drift = phi_kk * score
    n_t = tables.t_powers.shape[0]
    if n_t == 0:
        return drift
    dens = 0.0
    flux = 0.0
    tp = tables.t_powers
    for k in range(n_t):
        a = (1.0 - f) * tables.density[i, k] + f * tables.density[i + 1, k]
        dens += a * _monomial(pw, tp, k)
        # d monomial / dt = sum_j e_j v_j^(e_j - 1) (other factors) vdot_j
        rate = 0.0
        for j in range(p):
            e = tp[k, j]
            if e > 0:
                term = e * pw[j, e - 1] * vdot[j]
                for q in range(p):
                    if q != j:
                        term *= pw[q, tp[k, q]]
                rate += term
        if rate != 0.0:
            flux += ((1.0 - f) * tables.cdf[i, k] + f * tables.cdf[i + 1, k]) * rate
    velocity = -flux / max(dens, tables.floor)
    return drift + min(max(velocity, -tables.v_max), tables.v_max)


def _pw_width(tables):
    degree = 0
    for powers in (tables.powers, tables.t_powers):
        if powers.size:
            degree = max(degree, int(powers.sum(axis=1).max()))
    return degree + 1


@numba.njit(cache=True)
def _input_table_drifts(x, U, Udot, tables, phi_kk, inv_var, pw, out):
    p = U.shape[1]
    v = np.empty(p)
    vdot = np.empty(p)
    for n in range(x.shape[0]):
        for j in range(p):
            v[j] = (U[n, j] - tables.mean[j]) / tables.scale[j]
            vdot[j] = Udot[n, j] / tables.scale[j]
        out[n] = input_table_drift(x[n], v, vdot, tables, phi_kk, inv_var, pw)


def input_table_drifts(x, U, Udot, tables, phi_kk, inv_var):
    """:func:`input_table_drift` at every ``(x[n], U[n], Udot[n])`` (data units)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pw = np.empty((U.shape[1], _pw_width(tables)))
    _input_table_drifts(
        x,
        np.ascontiguousarray(U, dtype=np.float64),
        np.ascontiguousarray(Udot, dtype=np.float64),
        tables,
        float(phi_kk),
        float(inv_var),
        pw,
        out,
    )
    return out


@numba.njit(cache=True)
def _scalar_input_path(x0, U, n_records, model, rng, out, pw):
    """One dynamic feature: the drift from ``model.inputs`` (see
    :func:`input_table_drift`). Returns -1 or the record index at which the
    path blew up (the rest of ``out`` NaN)."""
    tables = model.inputs
    p = U.shape[1]
    v = np.empty(p)
    vdot = np.empty(p)
    du = np.empty(p)
    h = model.h
    substeps = model.substeps
    bound = model.score.bound
    phi_kk = model.phi[0, 0]
    kick = math.sqrt(2.0 * h) * model.noise[0, 0]
    scale = model.score.scale[0]
    inv_var = 1.0 / (scale * scale)
    record = h * substeps
    x = x0[0]
    out[0, 0] = x
    for r in range(1, n_records):
        for j in range(p):
            du[j] = U[r, j] - U[r - 1, j]
        for s in range(substeps):
            frac = s / substeps
            for j in range(p):
                u = U[r - 1, j] + frac * du[j]
                v[j] = (u - tables.mean[j]) / tables.scale[j]
                vdot[j] = du[j] / (record * tables.scale[j])
            x += input_table_drift(x, v, vdot, tables, phi_kk, inv_var, pw) * h
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
        pw = np.empty((U.shape[1], _pw_width(model.inputs)))
        return _scalar_input_path(x0, U, n_records, model, rng, out, pw)
    return _network_input_path(x0, U, n_records, model, rng, out)
