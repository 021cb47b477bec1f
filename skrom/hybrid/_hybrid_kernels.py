"""Numba rollout of the hybrid ROM: score drift plus neural-ODE forcing.

One step of length ``dt`` (original units of the data)::

    y  = (x - s_mean) / s_scale
    g  = (s_std(clip(y)) - (y - clip(y))) / s_scale        # learned score, confined
                                                           # beyond its clusters
    f  = y_mean + y_scale * (z[:d] - r)                    # forcing, data units
    r <- r + high_pass * (z[:d] - r)                       # its slow part, r(0) = 0
    x <- x + dt * (Phi g + Sigma f) + Sigma (noise * sqrt(dt) xi),  xi ~ N(0, I)
    z <- RK4 step of the delay-vector neural ODE

Only the dynamic columns ``dyn`` are moved: ``y_mean``, ``y_scale``,
``noise`` and ``z[:m]`` belong to them, ``phi`` and ``sigma`` are padded with
zero rows and columns for the known clock features, which are set from the
exact phase after every step (see :class:`skrom.score.LangevinROM`). With
drift tables (one dynamic feature and one clock; ``score_table`` not empty)
the drift is ``phi * score + velocity`` read from them, as in
:func:`skrom.score._langevin_kernels.simulate_clocked_path`, instead of the
score network.

``high_pass = dt / T`` removes the forcing's variations slower than ``T``
and ``noise`` is white noise that stands in for them (see
:class:`skrom.hybrid.HybridLangevinROM`); with ``noise`` all zero no random
number is drawn and the step is deterministic.

Both networks are evaluated from packed arrays by
:func:`skrom._mlp_kernels.mlp_forward`; nothing is allocated in the loop.
"""

import numba
import numpy as np

from .._mlp_kernels import mlp_forward
from ..forcing._node_kernels import node_rk4_step
from ..score._langevin_kernels import set_clock, start_phases, table_drift

__all__ = ["hybrid_rollout"]


@numba.njit(cache=True)
def hybrid_rollout(
    x0,
    z0,
    n_steps,
    dt,
    phi,
    sigma,
    y_mean,
    y_scale,
    s_mean,
    s_scale,
    s_weights,
    s_biases,
    s_sizes,
    s_act,
    s_box_lo,
    s_box_hi,
    n_weights,
    n_biases,
    n_sizes,
    n_act,
    coupled,
    symmetric,
    inv_time_scale,
    radius,
    bound,
    noise,
    high_pass,
    dyn,
    clock_sin,
    clock_cos,
    clock_omega,
    clock_radius,
    table_lo,
    table_step,
    score_table,
    velocity_table,
    rng,
    out,
):
    """Integrate one path; ``out[t]`` receives ``x`` at step ``t`` (``out[0] = x0``).

    Returns -1, or the first step at which ``x`` or ``z`` was not finite or
    ``|x|`` exceeded ``bound``.
    """
    d = x0.shape[0]
    m = dyn.shape[0]
    use_table = score_table.shape[0] > 1
    n_state = z0.shape[0]
    x = x0.copy()
    z = z0.copy()
    ys = np.empty(d)
    s = np.empty(d)
    g = np.empty(d)
    f = np.empty(d)
    width = 0
    for i in range(s_sizes.shape[0]):
        if s_sizes[i] > width:
            width = s_sizes[i]
    s_work = np.empty(2 * width)
    width = 0
    for i in range(n_sizes.shape[0]):
        if n_sizes[i] > width:
            width = n_sizes[i]
    n_work = np.empty(2 * width)
    k1 = np.empty(n_state)
    k2 = np.empty(n_state)
    k3 = np.empty(n_state)
    k4 = np.empty(n_state)
    tmp = np.empty(n_state)
    squashed = np.empty(n_state)
    mlp_out = np.empty(n_sizes[n_sizes.shape[0] - 1])
    xi = np.zeros(d)
    f[:] = 0.0
    drift = np.zeros(d)
    slow = np.zeros(m)  # running mean of z[:m], removed when high_pass > 0
    phase0 = np.empty(clock_sin.shape[0])
    start_phases(x, clock_sin, clock_cos, phase0)
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
                phase0[0] + clock_omega[0] * ((t - 1) * dt),
                table_lo,
                table_step,
                score_table,
                velocity_table,
                phi[k, k],
                inv_var,
            )
        else:
            for k in range(d):
                ys[k] = min(
                    max((x[k] - s_mean[k]) / s_scale[k], s_box_lo[k]), s_box_hi[k]
                )
            mlp_forward(ys, s_weights, s_biases, s_sizes, s_act, s, s_work)
            for k in range(d):
                # the score estimator's confined tail beyond its clusters (KGMMScore)
                g[k] = (s[k] - ((x[k] - s_mean[k]) / s_scale[k] - ys[k])) / s_scale[k]
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
        set_clock(x, clock_sin, clock_cos, clock_omega, clock_radius, phase0, t * dt)
        node_rk4_step(
            z,
            dt,
            n_weights,
            n_biases,
            n_sizes,
            n_act,
            coupled,
            symmetric,
            m,
            inv_time_scale,
            radius,
            k1,
            k2,
            k3,
            k4,
            tmp,
            squashed,
            mlp_out,
            n_work,
        )
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
