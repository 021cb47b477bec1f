"""Amortised posterior over a window: GP interpolation of the encoder's codes in time.

The codes of ``W`` consecutive snapshots are interpolated by a Gaussian
process with a deep kernel ``k(s, s') = exp(-(phi(s) - phi(s'))^2 / (2 l^2))``,
``phi(s) = s + h(s)`` (``h`` a small MLP, ``s`` the time rescaled to [-1, 1]
across the window; an amplitude would cancel against the learned nugget
variance, so there is none). The posterior mean at any time and its exact time
derivative follow in closed form from the kernel, so the drift residual of
the ELBO can be evaluated at arbitrary quadrature times without an SDE solver
(Course & Nair 2023; Ilersich & Nair 2025).
"""

import math

import torch
from torch import nn

from .._torch import make_mlp

__all__ = ["DeepKernelGP"]

_DTYPE = torch.float32


def _inv_softplus(y):
    return math.log(math.expm1(y))


class DeepKernelGP(nn.Module):
    """GP interpolation over a window of ``window`` snapshots one time unit apart."""

    def __init__(self, window, hidden=32):
        super().__init__()
        self.window = int(window)
        self.half = 0.5 * (self.window - 1)
        self.warp = make_mlp(1, (hidden,), 1, activation="tanh", dtype=_DTYPE)
        # the warp starts as the identity
        nn.init.zeros_(self.warp[-1].weight)
        nn.init.zeros_(self.warp[-1].bias)
        self.raw_length = nn.Parameter(torch.tensor(_inv_softplus(0.5), dtype=_DTYPE))
        self.raw_noise = nn.Parameter(torch.tensor(_inv_softplus(1e-3), dtype=_DTYPE))

    def _phi(self, s):
        return s + self.warp(s.unsqueeze(-1)).squeeze(-1)

    def fit_window(self, codes):
        """Solve for the GP weights of codes (B, W, d); returns (alpha, phi_nodes)."""
        tau = torch.arange(self.window, dtype=codes.dtype, device=codes.device)
        phi_nodes = self._phi((tau - self.half) / self.half)
        K = self._kernel(phi_nodes, phi_nodes)
        noise = nn.functional.softplus(self.raw_noise) + 1e-5
        eye = torch.eye(self.window, dtype=codes.dtype, device=codes.device)
        chol = torch.linalg.cholesky(K + noise * eye)
        alpha = torch.cholesky_solve(codes, chol.expand(codes.shape[0], -1, -1))
        return alpha, phi_nodes

    def _kernel(self, phi_a, phi_b):
        length = nn.functional.softplus(self.raw_length) + 1e-3
        d = phi_a[..., :, None] - phi_b[..., None, :]
        return torch.exp(-0.5 * (d / length) ** 2)

    def mean(self, alpha, phi_nodes, tau):
        """Posterior mean at times tau (B, Q) in window units: (B, Q, d)."""
        s = (tau - self.half) / self.half
        k = self._kernel(self._phi(s), phi_nodes)
        return k @ alpha

    def mean_and_derivative(self, alpha, phi_nodes, tau):
        """Posterior mean and its time derivative at times tau (B, Q); (B, Q, d)."""
        with torch.enable_grad():
            s = ((tau - self.half) / self.half).detach().requires_grad_(True)
            phi = self._phi(s)
            # phi acts pointwise, so the gradient of the sum is its derivative
            dphi = torch.autograd.grad(phi.sum(), s, create_graph=True)[0]
        length = nn.functional.softplus(self.raw_length) + 1e-3
        d = phi[..., :, None] - phi_nodes[None, None, :]
        k = torch.exp(-0.5 * (d / length) ** 2)
        dk = -k * d / length**2 * (dphi / self.half)[..., None]
        return k @ alpha, dk @ alpha
