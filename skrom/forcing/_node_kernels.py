"""Numba rollouts of a fitted delay-vector neural ODE.

The MLP is evaluated from the arrays packed by :func:`skrom._mlp_kernels.pack_mlp`
by its ``mlp_forward`` (four evaluations per step: the whole cost of a
rollout), and time is stepped with the same fixed-step RK4 (Kutta's 3/8 rule) that
``torchdiffeq.odeint(..., method="rk4")`` uses, so both rollouts agree to
rounding. Nothing is allocated inside the time loop.
"""

import math

import numba
import numpy as np

from .._mlp_kernels import mlp_forward

__all__ = ["node_field", "node_rk4_step", "node_rollout", "node_scratch"]


@numba.njit(cache=True)
def node_field(
    z,
    weights,
    biases,
    sizes,
    act,
    coupled,
    symmetric,
    n_block,
    inv_time_scale,
    radius,
    out,
    squashed,
    mlp_out,
    work,
):
    """Write ``dz/dt`` at ``z`` into ``out`` (see :mod:`skrom.forcing._node`)."""
    n = z.shape[0]
    n_out = n_block if coupled else n
    for i in range(n):
        squashed[i] = radius * math.tanh(z[i] / radius)
    mlp_forward(squashed, weights, biases, sizes, act, mlp_out, work)
    if symmetric:
        # odd part (g(q) - g(-q)) / 2, accumulated in out to need no buffer
        for i in range(n_out):
            out[i] = 0.5 * mlp_out[i]
        for i in range(n):
            squashed[i] = -squashed[i]
        mlp_forward(squashed, weights, biases, sizes, act, mlp_out, work)
        for i in range(n):
            squashed[i] = -squashed[i]
        for i in range(n_out):
            out[i] -= 0.5 * mlp_out[i]
    else:
        for i in range(n_out):
            out[i] = mlp_out[i]
    for i in range(n_out):
        out[i] = (out[i] - (z[i] - squashed[i])) * inv_time_scale
    for i in range(n_out, n):
        out[i] = (z[i - n_block] - (z[i] - squashed[i])) * inv_time_scale


@numba.njit(cache=True)
def node_rk4_step(
    z,
    dt,
    weights,
    biases,
    sizes,
    act,
    coupled,
    symmetric,
    n_block,
    inv_time_scale,
    radius,
    k1,
    k2,
    k3,
    k4,
    tmp,
    squashed,
    mlp_out,
    work,
):
    """Advance ``z`` in place by one RK4 (3/8 rule) step of length ``dt``."""
    n = z.shape[0]
    third = 1.0 / 3.0
    node_field(
        z,
        weights,
        biases,
        sizes,
        act,
        coupled,
        symmetric,
        n_block,
        inv_time_scale,
        radius,
        k1,
        squashed,
        mlp_out,
        work,
    )
    for i in range(n):
        tmp[i] = z[i] + dt * k1[i] * third
    node_field(
        tmp,
        weights,
        biases,
        sizes,
        act,
        coupled,
        symmetric,
        n_block,
        inv_time_scale,
        radius,
        k2,
        squashed,
        mlp_out,
        work,
    )
    for i in range(n):
        tmp[i] = z[i] + dt * (k2[i] - k1[i] * third)
    node_field(
        tmp,
        weights,
        biases,
        sizes,
        act,
        coupled,
        symmetric,
        n_block,
        inv_time_scale,
        radius,
        k3,
        squashed,
        mlp_out,
        work,
    )
    for i in range(n):
        tmp[i] = z[i] + dt * (k1[i] - k2[i] + k3[i])
    node_field(
        tmp,
        weights,
        biases,
        sizes,
        act,
        coupled,
        symmetric,
        n_block,
        inv_time_scale,
        radius,
        k4,
        squashed,
        mlp_out,
        work,
    )
    for i in range(n):
        z[i] = z[i] + (k1[i] + 3.0 * (k2[i] + k3[i]) + k4[i]) * dt * 0.125


def node_scratch(n_state, sizes):
    """Scratch for :func:`node_rk4_step`: ``k1..k4, tmp, squashed, mlp_out, work``."""
    width = int(np.max(sizes))
    return (
        np.empty(n_state),
        np.empty(n_state),
        np.empty(n_state),
        np.empty(n_state),
        np.empty(n_state),
        np.empty(n_state),
        np.empty(int(sizes[-1])),
        np.empty(2 * width),
    )


@numba.njit(cache=True)
def node_rollout(
    Z0,
    n_steps,
    dt,
    weights,
    biases,
    sizes,
    act,
    coupled,
    symmetric,
    n_block,
    inv_time_scale,
    radius,
    out,
):
    """Roll every row of ``Z0`` forward ``n_steps - 1`` RK4 steps.

    ``out`` has shape ``(n_paths, n_steps, n_keep)`` and receives the first
    ``n_keep`` components of the state at every step (step 0 is ``Z0``). A
    path that turns non-finite is filled with NaN from there on, so that the
    caller can report the step at which it blew up.
    """
    n_paths, n_state = Z0.shape
    n_keep = out.shape[2]
    width = 0
    for i in range(sizes.shape[0]):
        if sizes[i] > width:
            width = sizes[i]
    z = np.empty(n_state)
    k1 = np.empty(n_state)
    k2 = np.empty(n_state)
    k3 = np.empty(n_state)
    k4 = np.empty(n_state)
    tmp = np.empty(n_state)
    squashed = np.empty(n_state)
    mlp_out = np.empty(sizes[sizes.shape[0] - 1])
    work = np.empty(2 * width)
    for p in range(n_paths):
        for i in range(n_state):
            z[i] = Z0[p, i]
        for i in range(n_keep):
            out[p, 0, i] = z[i]
        bad = False
        for t in range(1, n_steps):
            if bad:
                for i in range(n_keep):
                    out[p, t, i] = np.nan
                continue
            node_rk4_step(
                z,
                dt,
                weights,
                biases,
                sizes,
                act,
                coupled,
                symmetric,
                n_block,
                inv_time_scale,
                radius,
                k1,
                k2,
                k3,
                k4,
                tmp,
                squashed,
                mlp_out,
                work,
            )
            for i in range(n_keep):
                out[p, t, i] = z[i]
            for i in range(n_state):
                if not np.isfinite(z[i]):
                    bad = True
                    break
            if bad:
                for i in range(n_keep):
                    out[p, t, i] = np.nan
    return out
