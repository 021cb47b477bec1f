"""Numba rollout of the hybrid ROM: score drift plus neural-ODE forcing.

One step of length ``dt`` (original units of the data)::

    y  = (x - s_mean) / s_scale
    g  = (s_std(clip(y)) - (y - clip(y))) / s_scale        # learned score, confined
                                                           # beyond its clusters
    f  = y_mean + y_scale * (z[:d] - r)                    # forcing, data units
    r <- r + high_pass * (z[:d] - r)                       # its slow part, r(0) = 0
    x <- x + dt * (Phi g + Sigma f) + Sigma (noise * sqrt(dt) xi),  xi ~ N(0, I)
    z <- RK4 step of the delay-vector neural ODE

With known inputs (:func:`hybrid_input_rollout`) the drift is read at
``(x, u)`` with ``u`` the inputs at the step's start, from the input tables
(one feature: score and transport, the rate being the step's difference
quotient of the inputs) or the score network at the joint state.

Only the dynamic columns ``dyn`` are moved: ``y_mean``, ``y_scale``,
``noise`` and ``z[:m]`` belong to them, ``phi`` and ``sigma`` are padded with
zero rows and columns for the known clock features, which are set from the
exact phase after every step (see :class:`skrom.score.LangevinROM`). With
drift tables (one dynamic feature and one clock; ``tables`` not empty)
the drift is ``phi * score + velocity`` read from them, as in
:func:`skrom.score._langevin_kernels.simulate_clocked_path`, instead of the
score network.

``high_pass = dt / T`` removes the forcing's variations slower than ``T``
and ``noise`` is white noise that stands in for them (see
:class:`skrom.hybrid.HybridLangevinROM`); with ``noise`` all zero no random
number is drawn and the step is deterministic.

The score is :func:`skrom.score._confined_score.confined_score` (its network,
no table) and the forcing step :func:`skrom.forcing._node_kernels.node_rk4_step`;
nothing is allocated in the loop. What the rollout reads of a fitted model is
one :class:`HybridKernel` (``HybridLangevinROM.hybrid_kernel_``), built once
at the end of ``fit`` from the public fitted bundles of its parts.
"""

from typing import NamedTuple

import numba
import numpy as np

from ..forcing._node_kernels import NodeKernel, node_rk4_step, node_scratch
from ..score._confined_score import ScoreKernel, confined_score
from ..score._input_kernels import InputTables, input_scratch, input_table_drift
from ..score._langevin_kernels import (
    ClockKernel,
    ClockTables,
    set_clock,
    start_phases,
    table_drift,
)

__all__ = ["HybridKernel", "hybrid_rollout", "hybrid_input_rollout"]


class HybridKernel(NamedTuple):
    """Everything :func:`hybrid_rollout` reads of a fitted hybrid model.

    Attributes
    ----------
    dt : float
        Step.
    phi, sigma : ndarray of shape (n_features, n_features)
        ``Phi`` and ``Sigma``, zero in the rows and columns of clock features.
    score : ScoreKernel
        The score (evaluated by its network: no table).
    node : NodeKernel
        The forcing's neural ODE.
    y_mean, y_scale : ndarray of shape (n_dynamic,)
        The forcing is ``y_mean + y_scale * (z[:m] - r)``.
    noise : ndarray of shape (n_dynamic,)
        White-noise amplitude (all zero: no random number is drawn).
    high_pass : float
        ``dt / T``, the update of the running mean ``r`` per step.
    dyn : ndarray of shape (n_dynamic,), int64
        The dynamic columns.
    clock : ClockKernel
        Clock features, set from the exact phase after every step.
    tables : ClockTables
        One dynamic feature and one clock: drift tables used instead of the
        score (one row: none).
    bound : float
        A path beyond ``|x| <= bound`` counts as blown up.
    inputs : InputTables
        One dynamic feature driven by known inputs: its drift tables (see
        :mod:`skrom.score._input_drift`; no columns: none).
    """

    dt: float
    phi: np.ndarray
    sigma: np.ndarray
    score: ScoreKernel
    node: NodeKernel
    y_mean: np.ndarray
    y_scale: np.ndarray
    noise: np.ndarray
    high_pass: float
    dyn: np.ndarray
    clock: ClockKernel
    tables: ClockTables
    bound: float
    inputs: InputTables


@numba.njit(cache=True)
def hybrid_rollout(x0, z0, n_steps, model, rng, out):
    """Integrate one path; ``out[t]`` receives ``x`` at step ``t`` (``out[0] = x0``).

    Returns -1, or the first step at which ``x`` or ``z`` was not finite or
    ``|x|`` exceeded ``model.bound``.
    """
    dt = model.dt
    phi = model.phi
    sigma = model.sigma
    score = model.score
    s_mean = score.mean
    s_scale = score.scale
    node = model.node
    y_mean = model.y_mean
    y_scale = model.y_scale
    noise = model.noise
    high_pass = model.high_pass
    dyn = model.dyn
    clock = model.clock
    tables = model.tables
    bound = model.bound
    d = x0.shape[0]
    m = dyn.shape[0]
    use_table = tables.score.shape[0] > 1
    n_state = z0.shape[0]
    x = x0.copy()
    z = z0.copy()
    ys = np.empty(d)
    yc = np.empty(d)
    s = np.empty(d)
    g = np.empty(d)
    f = np.empty(d)
    s_sizes = score.net.sizes
    width = 0
    for i in range(s_sizes.shape[0]):
        if s_sizes[i] > width:
            width = s_sizes[i]
    s_work = np.empty(2 * width)
    scratch = node_scratch(n_state, node)
    xi = np.zeros(d)
    f[:] = 0.0
    drift = np.zeros(d)
    slow = np.zeros(m)  # running mean of z[:m], removed when high_pass > 0
    phase0 = np.empty(clock.sin.shape[0])
    start_phases(x, clock, phase0)
    inv_var = 1.0 / (s_scale[dyn[0]] * s_scale[dyn[0]]) if use_table else 0.0
    stochastic = False
    for q in range(m):
        if noise[q] != 0.0:
            stochastic = True
    sqrt_dt = np.sqrt(dt)
    for k in range(d):
        out[0, k] = x[k]
    for t in range(1, n_steps):
        if use_table:
            # one dynamic feature, one clock: the drift tables
            k = dyn[0]
            drift[k] = table_drift(
                x[k],
                phase0[0] + clock.omega[0] * ((t - 1) * dt),
                tables,
                phi[k, k],
                inv_var,
            )
        else:
            for k in range(d):
                ys[k] = (x[k] - s_mean[k]) / s_scale[k]
            confined_score(ys, score, yc, s, s_work)
            for k in range(d):
                g[k] = s[k] / s_scale[k]
            for i in range(d):
                acc = 0.0
                for j in range(d):
                    acc += phi[i, j] * g[j]
                drift[i] = acc
        for q in range(m):
            f[dyn[q]] = y_mean[q] + y_scale[q] * (z[q] - slow[q])
            slow[q] += high_pass * (z[q] - slow[q])
            if stochastic:
                xi[dyn[q]] = noise[q] * sqrt_dt * rng.standard_normal()
        for i in range(d):
            acc = drift[i]
            kick = 0.0
            for j in range(d):
                acc += sigma[i, j] * f[j]
                kick += sigma[i, j] * xi[j]
            x[i] += dt * acc + kick
        set_clock(x, clock, phase0, t * dt)
        node_rk4_step(z, dt, node, scratch)
        bad = False
        for k in range(d):
            out[t, k] = x[k]
            if not (abs(x[k]) <= bound):
                bad = True
        for k in range(n_state):
            if not np.isfinite(z[k]):
                bad = True
        if bad:
            for r in range(t, n_steps):
                for k in range(d):
                    out[r, k] = np.nan
            return t
    return -1


@numba.njit(cache=True)
def hybrid_input_rollout(x0, z0, U, n_steps, model, rng, out):
    """:func:`hybrid_rollout` of a model fitted with inputs ``U`` (n_steps, n_inputs).

    No clock; every column of ``x`` is dynamic. Returns -1 or the first step
    at which ``x`` or ``z`` was not finite or left ``|x| <= model.bound``.
    """
    dt = model.dt
    phi = model.phi
    sigma = model.sigma
    score = model.score
    s_mean = score.mean
    s_scale = score.scale
    node = model.node
    tables = model.inputs
    d = x0.shape[0]
    p = U.shape[1]
    use_table = tables.score.shape[1] > 0
    n_state = z0.shape[0]
    x = x0.copy()
    z = z0.copy()
    ys = np.empty(d + p)
    yc = np.empty(d + p)
    s = np.empty(d + p)
    g = np.empty(d)
    f = np.zeros(d)
    xi = np.zeros(d)
    drift = np.zeros(d)
    slow = np.zeros(d)
    v = np.empty(p)
    vdot = np.empty(p)
    input_work = input_scratch(tables)
    width = 0
    for i in range(score.net.sizes.shape[0]):
        width = max(width, score.net.sizes[i])
    s_work = np.empty(2 * width)
    scratch = node_scratch(n_state, node)
    inv_var = 1.0 / (s_scale[0] * s_scale[0])
    stochastic = False
    for q in range(d):
        if model.noise[q] != 0.0:
            stochastic = True
    sqrt_dt = np.sqrt(dt)
    for k in range(d):
        out[0, k] = x[k]
    for t in range(1, n_steps):
        if use_table:
            for j in range(p):
                v[j] = (U[t - 1, j] - tables.mean[j]) / tables.scale[j]
                vdot[j] = (U[t, j] - U[t - 1, j]) / (dt * tables.scale[j])
            drift[0] = input_table_drift(
                x[0], v, vdot, tables, phi[0, 0], inv_var, input_work
            )
        else:
            for k in range(d):
                ys[k] = (x[k] - s_mean[k]) / s_scale[k]
            for j in range(p):
                ys[d + j] = (U[t - 1, j] - s_mean[d + j]) / s_scale[d + j]
            confined_score(ys, score, yc, s, s_work)
            for k in range(d):
                g[k] = s[k] / s_scale[k]
            for i in range(d):
                acc = 0.0
                for j in range(d):
                    acc += phi[i, j] * g[j]
                drift[i] = acc
        for q in range(d):
            f[q] = model.y_mean[q] + model.y_scale[q] * (z[q] - slow[q])
            slow[q] += model.high_pass * (z[q] - slow[q])
            if stochastic:
                xi[q] = model.noise[q] * sqrt_dt * rng.standard_normal()
        for i in range(d):
            acc = drift[i]
            kick = 0.0
            for j in range(d):
                acc += sigma[i, j] * f[j]
                kick += sigma[i, j] * xi[j]
            x[i] += dt * acc + kick
        node_rk4_step(z, dt, node, scratch)
        bad = False
        for k in range(d):
            out[t, k] = x[k]
            if not (abs(x[k]) <= model.bound):
                bad = True
        for k in range(n_state):
            if not np.isfinite(z[k]):
                bad = True
        if bad:
            for r in range(t, n_steps):
                for k in range(d):
                    out[r, k] = np.nan
            return t
    return -1
