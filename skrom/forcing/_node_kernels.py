"""Numba rollouts of a fitted delay-vector neural ODE.

The MLP is evaluated from the arrays packed by :func:`skrom._mlp_kernels.pack_mlp`
by its ``mlp_forward`` (four evaluations per step: the whole cost of a
rollout; a symmetric field's pair ``g(q), g(-q)`` by ``mlp_forward_pair``),
and time is stepped with the same fixed-step RK4 (Kutta's 3/8 rule) that
``torchdiffeq.odeint(..., method="rk4")`` uses, so both rollouts agree to
rounding. Nothing is allocated inside the time loop.
"""

import math
from typing import NamedTuple

import numba
import numpy as np

from .._mlp_kernels import MLPPack, mlp_forward, mlp_forward_pair

__all__ = [
    "NodeKernel",
    "NodeScratch",
    "node_field",
    "node_rk4_step",
    "node_rollout",
    "node_scratch",
]


class NodeKernel(NamedTuple):
    """What the numba kernels need of a fitted delay-vector neural ODE.

    The field is ``dz/dt = (g(q(z)) - (z - q(z))) * inv_time_scale`` with
    ``q(z) = radius * tanh(z / radius)`` (see :mod:`skrom.forcing._node`).

    Attributes
    ----------
    net : MLPPack
        The MLP ``g`` as plain arrays.
    coupled : bool
        Only the newest block is learned; each older one follows the one
        before it.
    symmetric : bool
        The network is replaced by its odd part.
    n_block : int
        Values per delay block (the series' features).
    inv_time_scale : float
        ``1 / T``, the field's time unit.
    radius : float
        Confinement radius ``R``, in standardised units.
    """

    net: MLPPack
    coupled: bool
    symmetric: bool
    n_block: int
    inv_time_scale: float
    radius: float


class NodeScratch(NamedTuple):
    """Work arrays of one RK4 step: stages, their input, the squashed state,
    the network outputs (at ``q`` and ``-q``) and their work buffer (see
    :func:`node_scratch`)."""

    k1: np.ndarray
    k2: np.ndarray
    k3: np.ndarray
    k4: np.ndarray
    tmp: np.ndarray
    squashed: np.ndarray
    mlp_out: np.ndarray
    mlp_out_neg: np.ndarray
    work: np.ndarray


@numba.njit(cache=True)
def node_scratch(n_state, node):
    """Scratch for :func:`node_rk4_step` of a state of length ``n_state``."""
    sizes = node.net.sizes
    width = 0
    for i in range(sizes.shape[0]):
        if sizes[i] > width:
            width = sizes[i]
    return NodeScratch(
        np.empty(n_state),
        np.empty(n_state),
        np.empty(n_state),
        np.empty(n_state),
        np.empty(n_state),
        np.empty(n_state),
        np.empty(sizes[sizes.shape[0] - 1]),
        np.empty(sizes[sizes.shape[0] - 1]),
        np.empty(4 * width),
    )


@numba.njit(cache=True)
def node_field(z, node, out, scratch):
    """Write ``dz/dt`` at ``z`` into ``out`` (see :mod:`skrom.forcing._node`)."""
    net = node.net
    squashed = scratch.squashed
    mlp_out = scratch.mlp_out
    mlp_out_neg = scratch.mlp_out_neg
    work = scratch.work
    radius = node.radius
    inv_time_scale = node.inv_time_scale
    n_block = node.n_block
    n = z.shape[0]
    n_out = n_block if node.coupled else n
    for i in range(n):
        squashed[i] = radius * math.tanh(z[i] / radius)
    if node.symmetric:
        # odd part (g(q) - g(-q)) / 2
        mlp_forward_pair(
            squashed,
            net.weights,
            net.biases,
            net.sizes,
            net.activation,
            mlp_out,
            mlp_out_neg,
            work,
        )
        for i in range(n_out):
            out[i] = 0.5 * mlp_out[i]
            out[i] -= 0.5 * mlp_out_neg[i]
    else:
        mlp_forward(
            squashed, net.weights, net.biases, net.sizes, net.activation, mlp_out, work
        )
        for i in range(n_out):
            out[i] = mlp_out[i]
    for i in range(n_out):
        out[i] = (out[i] - (z[i] - squashed[i])) * inv_time_scale
    for i in range(n_out, n):
        out[i] = (z[i - n_block] - (z[i] - squashed[i])) * inv_time_scale


@numba.njit(cache=True)
def node_rk4_step(z, dt, node, scratch):
    """Advance ``z`` in place by one RK4 (3/8 rule) step of length ``dt``."""
    n = z.shape[0]
    third = 1.0 / 3.0
    k1 = scratch.k1
    k2 = scratch.k2
    k3 = scratch.k3
    k4 = scratch.k4
    tmp = scratch.tmp
    node_field(z, node, k1, scratch)
    for i in range(n):
        tmp[i] = z[i] + dt * k1[i] * third
    node_field(tmp, node, k2, scratch)
    for i in range(n):
        tmp[i] = z[i] + dt * (k2[i] - k1[i] * third)
    node_field(tmp, node, k3, scratch)
    for i in range(n):
        tmp[i] = z[i] + dt * (k1[i] - k2[i] + k3[i])
    node_field(tmp, node, k4, scratch)
    for i in range(n):
        z[i] = z[i] + (k1[i] + 3.0 * (k2[i] + k3[i]) + k4[i]) * dt * 0.125


@numba.njit(cache=True)
def node_rollout(Z0, n_steps, dt, node, out):
    """Roll every row of ``Z0`` forward ``n_steps - 1`` RK4 steps.

    ``out`` has shape ``(n_paths, n_steps, n_keep)`` and receives the first
    ``n_keep`` components of the state at every step (step 0 is ``Z0``). A
    path that turns non-finite is filled with NaN from there on, so that the
    caller can report the step at which it blew up.
    """
    n_paths, n_state = Z0.shape
    n_keep = out.shape[2]
    z = np.empty(n_state)
    scratch = node_scratch(n_state, node)
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
            node_rk4_step(z, dt, node, scratch)
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
