"""Numba kernels that integrate Langevin dynamics driven by a learned score.

The model, in the original units of the data, is

    dx = Phi s(x) dt + Sigma sqrt(2) dW,    Phi = Sigma Sigma^T,

with the score ``s(x) = s_std((x - mean) / scale) / scale`` given by an MLP
``s_std`` acting on standardised coordinates (packed by
:func:`skrom._mlp_kernels.pack_mlp`). It is integrated by Euler-Maruyama.

For one feature the score may instead be read from a table: a cubic Hermite
interpolant of the MLP's values and derivatives on a uniform grid (exact to
O(h^4), so indistinguishable from the MLP at the grid sizes used) that turns a
~10k-flop network evaluation into a few flops; outside the grid the MLP is
evaluated.

Beyond the box of the cluster centres (``box_lo``, ``box_hi``, standardised
units) the network would extrapolate with no data behind it, and a wrong sign
there lets chains escape. The score is continued there as
``s(clip(y)) - (y - clip(y))``: the network at the box edge plus the score of
a unit Gaussian tail, so every chain is confined.
"""

import math

import numba
import numpy as np

from .._mlp_kernels import mlp_forward

__all__ = [
    "simulate_paths",
    "simulate_scalar_path",
    "simulate_clocked_path",
    "simulate_endpoints",
]


@numba.njit(cache=True, inline="always")
def _hermite(t_val, t_der, t_step, i, u):
    # cubic Hermite interpolant on cell i at fraction u of the cell
    u2 = u * u
    u3 = u2 * u
    return (
        (2.0 * u3 - 3.0 * u2 + 1.0) * t_val[i]
        + (u3 - 2.0 * u2 + u) * t_step * t_der[i]
        + (3.0 * u2 - 2.0 * u3) * t_val[i + 1]
        + (u3 - u2) * t_step * t_der[i + 1]
    )


@numba.njit(cache=True, inline="always")
def _std_score(y, s, weights, biases, sizes, act, t_lo, t_step, t_val, t_der, work):
    n_grid = t_val.shape[0]
    if n_grid > 1:
        t = (y[0] - t_lo) / t_step
        if t >= 0.0 and t < n_grid - 1:
            i = int(t)
            s[0] = _hermite(t_val, t_der, t_step, i, t - i)
            return
    mlp_forward(y, weights, biases, sizes, act, s, work)


@numba.njit(cache=True)
def _run(
    x,
    n_records,
    substeps,
    h,
    phi,
    noise,
    mean,
    scale,
    weights,
    biases,
    sizes,
    act,
    t_lo,
    t_step,
    t_val,
    t_der,
    box_lo,
    box_hi,
    bound,
    clock_sin,
    clock_cos,
    clock_omega,
    clock_radius,
    rng,
    out,
    y,
    s,
    g,
    xi,
    work,
    phase0,
):
    """Advance ``x`` in place, writing it into ``out`` every ``substeps`` steps.

    Clock pairs (``clock_sin``, ``clock_cos`` columns; empty arrays for none)
    are not integrated: their rows of ``phi`` and ``noise`` are zero, and
    after every step they are set to ``radius * (sin, cos)`` of the start's
    phase plus ``omega`` times the elapsed time, computed from the step count
    so that long runs keep the phase exactly.

    Returns -1, or the first record index at which the state was not finite
    or left ``|x| <= bound``.
    """
    d = x.shape[0]
    amp = math.sqrt(2.0 * h)
    start_phases(x, clock_sin, clock_cos, phase0)
    n_done = 0
    for k in range(d):
        out[0, k] = x[k]
    for r in range(1, n_records):
        for _ in range(substeps):
            for k in range(d):
                y[k] = min(max((x[k] - mean[k]) / scale[k], box_lo[k]), box_hi[k])
            _std_score(
                y, s, weights, biases, sizes, act, t_lo, t_step, t_val, t_der, work
            )
            for k in range(d):
                # beyond the clusters: a unit-Gaussian tail (see KGMMScore)
                excess = (x[k] - mean[k]) / scale[k] - y[k]
                g[k] = (s[k] - excess) / scale[k]
                xi[k] = rng.standard_normal()
            for i in range(d):
                acc_d = 0.0
                acc_n = 0.0
                for j in range(d):
                    acc_d += phi[i, j] * g[j]
                    acc_n += noise[i, j] * xi[j]
                x[i] += acc_d * h + amp * acc_n
            n_done += 1
            set_clock(
                x, clock_sin, clock_cos, clock_omega, clock_radius, phase0, n_done * h
            )
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
def simulate_scalar_path(
    x0,
    n_records,
    substeps,
    h,
    phi,
    noise,
    mean,
    scale,
    weights,
    biases,
    sizes,
    act,
    t_lo,
    t_step,
    t_val,
    t_der,
    box_lo,
    box_hi,
    bound,
    rng,
    out,
):
    """:func:`simulate_paths` for one feature with a score table.

    Scalar locals instead of :func:`_run`'s loops over features, which cost
    several times the step itself (about 25 ns a step against 90). ``x0`` is
    a float; returns -1 or the record index at which the path blew up.
    """
    y = np.empty(1)
    s = np.empty(1)
    work = np.empty(2 * np.max(sizes))
    amp = math.sqrt(2.0 * h)
    m = mean[0]
    sc = scale[0]
    drift = phi[0, 0] * h / sc
    kick = amp * noise[0, 0]
    blo = box_lo[0]
    bhi = box_hi[0]
    n_grid = t_val.shape[0]
    x = x0
    out[0, 0] = x
    for r in range(1, n_records):
        for _ in range(substeps):
            yv = (x - m) / sc
            yc = min(max(yv, blo), bhi)
            t = (yc - t_lo) / t_step
            if t >= 0.0 and t < n_grid - 1:
                i = int(t)
                sv = _hermite(t_val, t_der, t_step, i, t - i)
            else:
                y[0] = yc
                mlp_forward(y, weights, biases, sizes, act, s, work)
                sv = s[0]
            # beyond the clusters: a unit-Gaussian tail (see KGMMScore)
            sv -= yv - yc
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
def table_drift(x, phase, x_lo, x_step, score_table, velocity_table, phi_kk, inv_var):
    # one dynamic feature's drift ``phi_kk * score + velocity`` from the
    # (x, phase) tables; beyond the x grid the score continues as a Gaussian
    # tail of variance 1 / inv_var and the velocity keeps its edge value
    v = (phase % (2.0 * math.pi)) * (score_table.shape[1] / (2.0 * math.pi))
    u = (x - x_lo) / x_step
    uc = min(max(u, 0.0), score_table.shape[0] - 1.000001)
    score = _bilinear(score_table, uc, v) - (u - uc) * x_step * inv_var
    return phi_kk * score + _bilinear(velocity_table, uc, v)


@numba.njit(cache=True, inline="always")
def start_phases(x, clock_sin, clock_cos, phase0):
    """Initial phase of every clock pair of the state ``x`` into ``phase0``."""
    for p in range(clock_sin.shape[0]):
        phase0[p] = math.atan2(x[clock_sin[p]], x[clock_cos[p]])


@numba.njit(cache=True, inline="always")
def set_clock(x, clock_sin, clock_cos, clock_omega, clock_radius, phase0, time):
    """Clock columns of ``x`` at ``time`` after the start, from the exact phase."""
    for p in range(clock_sin.shape[0]):
        phase = phase0[p] + clock_omega[p] * time
        x[clock_sin[p]] = clock_radius[p] * math.sin(phase)
        x[clock_cos[p]] = clock_radius[p] * math.cos(phase)


@numba.njit(cache=True)
def simulate_clocked_path(
    x0,
    n_records,
    substeps,
    h,
    phi,
    noise,
    dyn,
    clock_sin,
    clock_cos,
    omega,
    radius,
    x_lo,
    x_step,
    score_table,
    velocity_table,
    scale,
    bound,
    rng,
    out,
):
    """One dynamic feature driven by one clock pair, its drift read from tables.

    ``score_table`` and ``velocity_table`` (n_x, n_phase) hold the
    conditional score ``d/dx log p(x | phase)`` and the transport velocity
    on the grid ``x_lo + i x_step`` times ``2 pi j / n_phase``; the drift is
    ``phi * score + velocity`` (bilinear in both). Beyond the grid the score
    continues as a Gaussian tail of standard deviation ``scale`` (as
    KGMMScore's beyond its clusters) and the velocity keeps its edge value.
    ``x0`` is the full state; the clock columns of ``out`` are written from
    the exact phase. Returns -1 or the record index at which the path blew up.
    """
    k = dyn[0]
    si = clock_sin[0]
    ci = clock_cos[0]
    drift_factor = phi[k, k]
    kick = math.sqrt(2.0 * h) * noise[k, k]
    inv_var = 1.0 / (scale * scale)
    om = omega[0]
    rad = radius[0]
    phase0 = math.atan2(x0[si], x0[ci])
    for c in range(x0.shape[0]):
        out[0, c] = x0[c]
    x = x0[k]
    n_done = 0
    for r in range(1, n_records):
        for _ in range(substeps):
            phase = phase0 + om * (n_done * h)
            x += (
                table_drift(
                    x,
                    phase,
                    x_lo,
                    x_step,
                    score_table,
                    velocity_table,
                    drift_factor,
                    inv_var,
                )
                * h
            )
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
def simulate_paths(
    x0,
    n_records,
    substeps,
    h,
    phi,
    noise,
    mean,
    scale,
    weights,
    biases,
    sizes,
    act,
    t_lo,
    t_step,
    t_val,
    t_der,
    box_lo,
    box_hi,
    bound,
    clock_sin,
    clock_cos,
    clock_omega,
    clock_radius,
    rng,
    out,
):
    """One path from ``x0``: ``out`` (n_records, n_features) holds every
    ``substeps``-th Euler-Maruyama state of step ``h``, ``out[0] = x0``.

    Returns -1, or the record index at which the path blew up (NaN/inf or
    ``|x| > bound``).
    """
    d = x0.shape[0]
    x = x0.copy()
    y = np.empty(d)
    s = np.empty(d)
    g = np.empty(d)
    xi = np.empty(d)
    work = np.empty(2 * np.max(sizes))
    phase0 = np.empty(clock_sin.shape[0])
    return _run(
        x,
        n_records,
        substeps,
        h,
        phi,
        noise,
        mean,
        scale,
        weights,
        biases,
        sizes,
        act,
        t_lo,
        t_step,
        t_val,
        t_der,
        box_lo,
        box_hi,
        bound,
        clock_sin,
        clock_cos,
        clock_omega,
        clock_radius,
        rng,
        out,
        y,
        s,
        g,
        xi,
        work,
        phase0,
    )


@numba.njit(cache=True)
def simulate_endpoints(
    X0,
    n_steps,
    h,
    phi,
    noise,
    mean,
    scale,
    weights,
    biases,
    sizes,
    act,
    t_lo,
    t_step,
    t_val,
    t_der,
    box_lo,
    box_hi,
    bound,
    rng,
    out,
    status,
):
    """Run one chain per row of ``X0`` for ``n_steps`` steps; keep only its end.

    ``out`` (n_chains, n_features) receives the final states and
    ``status[i]`` is -1, or 1 when chain ``i`` blew up.
    """
    d = X0.shape[1]
    x = np.empty(d)
    y = np.empty(d)
    s = np.empty(d)
    g = np.empty(d)
    xi = np.empty(d)
    work = np.empty(2 * np.max(sizes))
    rec = np.empty((2, d))
    no_clock = np.empty(0, dtype=np.int64)
    no_clock_f = np.empty(0)
    for c in range(X0.shape[0]):
        for k in range(d):
            x[k] = X0[c, k]
        status[c] = _run(
            x,
            2,
            n_steps,
            h,
            phi,
            noise,
            mean,
            scale,
            weights,
            biases,
            sizes,
            act,
            t_lo,
            t_step,
            t_val,
            t_der,
            box_lo,
            box_hi,
            bound,
            no_clock,
            no_clock,
            no_clock_f,
            no_clock_f,
            rng,
            rec,
            y,
            s,
            g,
            xi,
            work,
            no_clock_f,
        )
        for k in range(d):
            out[c, k] = rec[1, k]
