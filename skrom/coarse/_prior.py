"""The prior SDE on the coarse + micro state: local drift, constant diagonal diffusion.

``d z_j = f(z_{j-s..j+s}, w) dt + sigma dW``  for every coarse node ``j``: one
MLP shared by all nodes reads a periodic stencil of the macro state and the
micro state ``w`` (local and translation invariant, like a discretised PDE);
``dw = g(w, z) dt + sigma_w dW`` with an MLP of micro and macro state.
"""

import math

import torch
from torch import nn

from .._torch import make_mlp

__all__ = ["LocalDriftSDE"]

_DTYPE = torch.float32


class LocalDriftSDE(nn.Module):
    """Drift and diffusion of the latent prior SDE (time in units of ``dt``).

    Parameters
    ----------
    n_coarse, n_micro, stencil : int
    hidden_layers : tuple of int
    rate : float
        Typical size of one step's change of the normalised field; the
        networks' outputs are multiplied by it so they start at the data's
        time scale.
    """

    def __init__(self, n_coarse, n_micro, stencil, hidden_layers, rate):
        super().__init__()
        self.n_coarse, self.n_micro = n_coarse, n_micro
        half = stencil // 2
        shifts = torch.arange(-half, half + 1)
        self.register_buffer(
            "_stencil", (torch.arange(n_coarse)[:, None] + shifts[None, :]) % n_coarse
        )
        self.rate = float(rate)
        self.macro_net = make_mlp(stencil + n_micro, hidden_layers, 1, dtype=_DTYPE)
        if n_micro > 0:
            self.micro_net = make_mlp(
                n_micro + n_coarse, hidden_layers, n_micro, dtype=_DTYPE
            )
        self.log_diffusion = nn.Parameter(
            torch.full((n_coarse + n_micro,), math.log(max(rate, 1e-6)), dtype=_DTYPE)
        )

    def drift(self, z):
        """Drift f(z), z of shape (..., n_coarse + n_micro)."""
        macro = z[..., : self.n_coarse]
        local = macro[..., self._stencil]
        if self.n_micro == 0:
            return self.rate * self.macro_net(local).squeeze(-1)
        micro = z[..., self.n_coarse :]
        shared = micro.unsqueeze(-2).expand(*local.shape[:-1], self.n_micro)
        d_macro = self.macro_net(torch.cat([local, shared], dim=-1)).squeeze(-1)
        d_micro = self.micro_net(torch.cat([micro, macro], dim=-1))
        return self.rate * torch.cat([d_macro, d_micro], dim=-1)

    @property
    def diffusion(self):
        """Diagonal diffusion sigma, shape (n_coarse + n_micro,)."""
        return self.log_diffusion.exp()
