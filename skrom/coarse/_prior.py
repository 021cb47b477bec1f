"""The prior SDE on the coarse + micro state: local drift, constant diagonal diffusion.

``d z_p = f(z_{N(p)}, w) dt + sigma dW``  for every coarse node ``p``: one
MLP shared by all nodes reads the macro state of every channel on the
``stencil``-wide neighbourhood ``N(p)`` of the node (a segment on a 1-D mesh,
a square on a 2-D mesh) and the micro state ``w``, and returns the drift of
every channel at that node: a nonlinear convolution, local and translation
invariant like a discretised PDE. On a periodic axis the neighbourhood wraps
around; on a bounded axis it is edge-extended and the network is also told
how far past the wall the stencil reaches, so it can learn the boundary
condition. With ``node_position`` the network also reads the node's
coordinates and is no longer translation invariant (a drift that may differ
across an inhomogeneous domain, as the authors' cylinder-wake model, whose
micro state is modulated per node by its grid index).
``dw = g(w, z) dt + sigma_w dW`` with an MLP of micro and macro state.

Known inputs ``u`` (parameters such as a viscosity, a forcing in time) enter
both networks as extra features, ``f(z_{N(p)}, w, u)`` and ``g(w, z, u)``, as
in the authors' drift of the parametrised, forced Burgers model; the
diffusion does not depend on them (neither does theirs).
"""

import math

import numpy as np
import torch
from torch import nn

from .._torch import make_mlp
from ._layout import axis_index

__all__ = ["LocalDriftSDE"]

_DTYPE = torch.float32


def _neighbourhoods(layout, stencil):
    """Flat macro indices (n_nodes, n_channels * stencil**ndim) and wall features."""
    half = stencil // 2
    shifts = np.arange(-half, half + 1)
    per_axis, walls = [], []
    for n, wrap in zip(layout.n_coarse, layout.periodic, strict=True):
        nodes = np.arange(n)
        per_axis.append(axis_index(nodes[:, None] + shifts[None, :], n, wrap))
        if not wrap and half > 0:
            past = np.maximum(0, half - nodes) - np.maximum(0, nodes + half - (n - 1))
            walls.append(past / half)
    if len(per_axis) == 1:
        nodes = per_axis[0]
        wall = [w[:, None] for w in walls]
    else:
        (iy, ix), (ny, nx) = per_axis, layout.n_coarse
        # node (i, j), neighbour (a, b) -> flat index (iy[i, a], ix[j, b])
        nodes = (iy[:, None, :, None] * nx + ix[None, :, None, :]).reshape(
            ny * nx, stencil * stencil
        )
        wall = []
        bounded = [a for a, p in enumerate(layout.periodic) if not p and half > 0]
        for a, w in zip(bounded, walls, strict=True):
            grid = w[:, None] if a == 0 else w[None, :]
            wall.append(np.broadcast_to(grid, (ny, nx)).reshape(-1, 1))
    n_nodes = math.prod(layout.n_coarse)
    channels = np.arange(layout.n_channels) * n_nodes
    index = (channels[None, :, None] + nodes[:, None, :]).reshape(n_nodes, -1)
    wall = np.concatenate(wall, axis=1) if wall else None
    return index, wall


def _node_positions(layout):
    """Coordinates of every coarse node, (n_nodes, ndim), each axis in [-1, 1]."""
    axes = [
        np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1) for n in layout.n_coarse
    ]
    grids = np.meshgrid(*axes, indexing="ij")
    return np.stack([g.reshape(-1) for g in grids], axis=1)


class LocalDriftSDE(nn.Module):
    """Drift and diffusion of the latent prior SDE (time in units of ``dt``).

    Parameters
    ----------
    layout : FieldLayout
    n_micro, stencil : int
    hidden_layers : tuple of int
    rate : float
        Typical size of one step's change of the normalised field; the
        networks' outputs are multiplied by it so they start at the data's
        time scale.
    n_inputs : int, default=0
        Known inputs the drift is conditioned on (standardised by the caller).
    node_position : bool, default=False
        Give the macro drift each node's coordinates, scaled to [-1, 1] per
        axis.
    """

    def __init__(
        self,
        layout,
        n_micro,
        stencil,
        hidden_layers,
        rate,
        n_inputs=0,
        *,
        node_position=False,
    ):
        super().__init__()
        self.n_coarse, self.n_micro = layout.n_macro, n_micro
        self.n_inputs = int(n_inputs)
        self.n_channels = layout.n_channels
        index, wall = _neighbourhoods(layout, stencil)
        # what a node sees besides its stencil's values: wall reach, position
        node = wall
        if node_position:
            position = _node_positions(layout)
            node = position if wall is None else np.concatenate([wall, position], 1)
        self.register_buffer("_stencil", torch.as_tensor(index))
        self.register_buffer(
            "_node_features",
            None if node is None else torch.as_tensor(node, dtype=_DTYPE),
        )
        n_local = index.shape[1] + (0 if node is None else node.shape[1])
        self.rate = float(rate)
        self.macro_net = make_mlp(
            n_local + n_micro + self.n_inputs,
            hidden_layers,
            self.n_channels,
            dtype=_DTYPE,
        )
        if n_micro > 0:
            self.micro_net = make_mlp(
                n_micro + self.n_coarse + self.n_inputs,
                hidden_layers,
                n_micro,
                dtype=_DTYPE,
            )
        self.log_diffusion = nn.Parameter(
            torch.full(
                (self.n_coarse + n_micro,), math.log(max(rate, 1e-6)), dtype=_DTYPE
            )
        )

    def __setstate__(self, state):
        # models pickled before node_position kept the wall features as
        # "_walls": load them under the current name
        buffers = state.get("_buffers", {})
        if "_walls" in buffers:
            buffers["_node_features"] = buffers.pop("_walls")
        super().__setstate__(state)

    def _per_node(self, out):
        """(..., n_nodes, n_channels) network output -> channels-first flat drift."""
        if self.n_channels == 1:
            return out.squeeze(-1)
        return out.transpose(-1, -2).reshape(*out.shape[:-2], self.n_coarse)

    def drift(self, z, u=None):
        """Drift f(z, u), z of shape (..., n_macro + n_micro), u (..., n_inputs).

        ``u`` is None for a model without inputs.
        """
        macro = z[..., : self.n_coarse]
        local = macro[..., self._stencil]
        if self._node_features is not None:
            node = self._node_features
            local = torch.cat(
                [local, node.expand(*local.shape[:-1], node.shape[-1])], -1
            )
        micro = z[..., self.n_coarse :]
        # what every node sees besides its stencil: the micro state, the inputs
        shared = [micro] if self.n_micro > 0 else []
        if self.n_inputs > 0:
            shared.append(u.expand(*z.shape[:-1], self.n_inputs))
        if not shared:
            return self.rate * self._per_node(self.macro_net(local))
        common = shared[0] if len(shared) == 1 else torch.cat(shared, dim=-1)
        common = common.unsqueeze(-2).expand(*local.shape[:-1], common.shape[-1])
        d_macro = self._per_node(self.macro_net(torch.cat([local, common], dim=-1)))
        if self.n_micro == 0:
            return self.rate * d_macro
        d_micro = self.micro_net(torch.cat([micro, macro, *shared[1:]], dim=-1))
        return self.rate * torch.cat([d_macro, d_micro], dim=-1)

    @property
    def diffusion(self):
        """Diagonal diffusion sigma, shape (n_macro + n_micro,)."""
        return self.log_diffusion.exp()
