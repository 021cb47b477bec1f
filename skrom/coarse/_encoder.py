"""Encoder and decoder between a fine periodic field and the coarse + micro state.

Macro state: a learnable filter (one kernel shared by all coarse nodes,
initialised Gaussian, evaluated at stride ``n_grid / n_coarse`` with periodic
wrap-around) applied to the fine field. Micro state: a small CNN of the
residual, i.e. of what the macro state's decoding misses. Decoder: the
transpose of the same filter applied to the macro state, and a micro decoder,
combined as a product of two Gaussian experts (Ilersich & Nair 2025, Sec. 3).
"""

import math

import torch
from torch import nn

from .._torch import make_mlp

__all__ = ["FieldAutoencoder"]

_DTYPE = torch.float32


def _inv_softplus(y):
    return math.log(math.expm1(y))


class _ResidualCNN(nn.Module):
    """Strided periodic convolutions, pooled onto the coarse nodes, then linear."""

    def __init__(self, n_grid, n_coarse, n_out, channels=(8, 16)):
        super().__init__()
        layers = []
        length, c_in = n_grid, 1
        for c_out in channels:
            k = min(9, length if length % 2 else length - 1)
            stride = 5 if length >= 100 else 1
            layers += [
                nn.Conv1d(
                    c_in,
                    c_out,
                    k,
                    stride=stride,
                    padding=k // 2,
                    padding_mode="circular",
                    dtype=_DTYPE,
                ),
                nn.SiLU(),
            ]
            length = (length + 2 * (k // 2) - k) // stride + 1
            c_in = c_out
        # pooling onto the coarse grid keeps where along the field a feature sits
        pool = (
            nn.AvgPool1d(length // n_coarse)
            if length % n_coarse == 0
            else nn.AdaptiveAvgPool1d(n_coarse)
        )
        layers += [pool, nn.Flatten(), nn.Linear(c_in * n_coarse, n_out, dtype=_DTYPE)]
        self.net = nn.Sequential(*layers)

    def forward(self, r):
        return self.net(r.unsqueeze(-2))


class FieldAutoencoder(nn.Module):
    """Fine field (..., n_grid) <-> latent (..., n_coarse + n_micro).

    Parameters
    ----------
    n_grid, n_coarse, n_micro : int
    micro_hidden : int
        Width of the micro decoder's hidden layer.
    """

    def __init__(self, n_grid, n_coarse, n_micro, micro_hidden=64):
        super().__init__()
        self.n_grid, self.n_coarse, self.n_micro = n_grid, n_coarse, n_micro
        ratio = n_grid / n_coarse
        half = max(1, min(int(math.ceil(2.0 * ratio)), (n_grid - 1) // 2))
        offsets = torch.arange(-half, half + 1)
        centers = torch.round(torch.arange(n_coarse) * ratio).long()
        self.register_buffer("_gather", (centers[:, None] + offsets[None, :]) % n_grid)
        sigma = max(0.5 * ratio, 0.5)
        kernel = torch.exp(-0.5 * (offsets.double() / sigma) ** 2)
        self.kernel = nn.Parameter((kernel / kernel.sum()).to(_DTYPE))
        # the transpose filter starts as a partition of unity
        self.log_gain = nn.Parameter(torch.tensor(math.log(ratio), dtype=_DTYPE))
        self.bias = nn.Parameter(torch.zeros((), dtype=_DTYPE))
        self.raw_enc_var = nn.Parameter(
            torch.full((n_coarse + n_micro,), _inv_softplus(1e-3), dtype=_DTYPE)
        )
        self.raw_macro_var = nn.Parameter(
            torch.full((n_grid,), _inv_softplus(1e-2), dtype=_DTYPE)
        )
        if n_micro > 0:
            self.micro_encoder = _ResidualCNN(n_grid, n_coarse, n_micro)
            self.micro_decoder = make_mlp(
                n_micro, (micro_hidden,), n_grid, activation="swish", dtype=_DTYPE
            )
            # start from the macro-only decoder; the micro part is learned on top
            nn.init.zeros_(self.micro_decoder[-1].weight)
            nn.init.zeros_(self.micro_decoder[-1].bias)
            self.raw_micro_var = nn.Parameter(
                torch.full((n_grid,), _inv_softplus(1e-3), dtype=_DTYPE)
            )

    # -- filter -------------------------------------------------------------
    def filter(self, x):
        """Macro state: the shared kernel around each coarse node."""
        return x[..., self._gather] @ self.kernel + self.bias

    def transpose_filter(self, z_macro):
        """Fine field spanned by the macro state (the filter's transpose)."""
        W = torch.zeros(
            self.n_coarse, self.n_grid, dtype=z_macro.dtype, device=z_macro.device
        )
        rows = torch.arange(self.n_coarse, device=z_macro.device)[:, None].expand_as(
            self._gather
        )
        weights = (self.log_gain.exp() * self.kernel).expand_as(self._gather)
        W = W.index_put((rows, self._gather), weights, accumulate=True)
        return (z_macro - self.bias) @ W

    # -- encoder ------------------------------------------------------------
    def encode(self, x):
        """Mean of the latent code of each field; shape (..., n_coarse + n_micro)."""
        z_macro = self.filter(x)
        if self.n_micro == 0:
            return z_macro
        lead = x.shape[:-1]
        resid = (x - self.transpose_filter(z_macro)).reshape(-1, self.n_grid)
        z_micro = self.micro_encoder(resid).reshape(*lead, self.n_micro)
        return torch.cat([z_macro, z_micro], dim=-1)

    @property
    def enc_var(self):
        """Variance of the amortised posterior around the code, (n_latent,)."""
        return nn.functional.softplus(self.raw_enc_var) + 1e-8

    # -- decoder ------------------------------------------------------------
    def decode(self, z):
        """Mean and variance of p(x | z): product of the macro and micro experts."""
        z_macro = z[..., : self.n_coarse]
        x_macro = self.transpose_filter(z_macro)
        var_macro = nn.functional.softplus(self.raw_macro_var) + 1e-8
        if self.n_micro == 0:
            return x_macro, var_macro
        var_micro = nn.functional.softplus(self.raw_micro_var) + 1e-8
        # experts N(x_macro, v_M) and N(x_macro + g(w), v_m): their product
        var = 1.0 / (1.0 / var_macro + 1.0 / var_micro)
        x_micro = self.micro_decoder(z[..., self.n_coarse :])
        return x_macro + x_micro * (var / var_micro), var
