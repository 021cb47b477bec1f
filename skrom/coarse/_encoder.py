"""Encoder and decoder between a fine field and the coarse + micro state.

Fields arrive flat, ``(..., n_features)`` in channels-first order, and are
reshaped to ``(..., n_channels, *grid_shape)`` on 1-D and 2-D grids.

Macro state: a learnable separable filter (one kernel per axis, shared by
all coarse nodes and channels, initialised Gaussian, evaluated at stride
``n / n_coarse`` along each axis) applied to the fine field. Periodic axes
wrap around; bounded axes extend the field by its edge value. Micro state: a
small CNN of the residual, i.e. of what the macro state's decoding misses.
Decoder: the transpose of the same filter applied to the macro state (on a
bounded axis rescaled so that it reproduces a constant field up to the
walls), and a micro decoder (an MLP on 1-D grids; on 2-D grids coarse
feature maps turned into each cell's fine detail by a sub-pixel
convolution), combined as a product of two Gaussian experts (Ilersich & Nair 2025, Sec. 3).
"""

import math

import numpy as np
import torch
from torch import nn

from .._torch import make_mlp
from ._layout import axis_index, axis_nodes

__all__ = ["FieldAutoencoder"]

_DTYPE = torch.float32


def _inv_softplus(y):
    return math.log(math.expm1(y))


def _conv(ndim):
    return nn.Conv1d if ndim == 1 else nn.Conv2d


class _AxisPad(nn.Module):
    """Pads the last ``len(pads)`` axes by index: wrap where periodic, else edge."""

    def __init__(self, lengths, pads, periodic):
        super().__init__()
        self.ndim = len(lengths)
        for a, (n, p, wrap) in enumerate(zip(lengths, pads, periodic, strict=True)):
            idx = axis_index(np.arange(-p, n + p), n, wrap)
            self.register_buffer(f"_index{a}", torch.as_tensor(idx))

    def forward(self, y):
        for a in range(self.ndim):
            y = y.index_select(y.ndim - self.ndim + a, getattr(self, f"_index{a}"))
        return y


class _ResidualCNN(nn.Module):
    """Strided convolutions, pooled onto the coarse nodes, then linear."""

    def __init__(self, layout, n_out, channels=(8, 16)):
        super().__init__()
        ndim = len(layout.grid_shape)
        self.field = (layout.n_channels, *layout.grid_shape)
        layers = []
        lengths, c_in = list(layout.grid_shape), layout.n_channels
        for c_out in channels:
            # 9 taps along a line, 5 x 5 on a grid: a 9 x 9 kernel costs 3x more
            k = tuple(
                min(9 if ndim == 1 else 5, n if n % 2 else n - 1) for n in lengths
            )
            stride = tuple(5 if n >= 100 else 1 for n in lengths)
            if all(layout.periodic):
                conv = _conv(ndim)(
                    c_in,
                    c_out,
                    k if ndim > 1 else k[0],
                    stride=stride if ndim > 1 else stride[0],
                    padding=tuple(kk // 2 for kk in k) if ndim > 1 else k[0] // 2,
                    padding_mode="circular",
                    dtype=_DTYPE,
                )
                layers += [conv]
            else:
                pads = tuple(kk // 2 for kk in k)
                layers += [
                    _AxisPad(lengths, pads, layout.periodic),
                    _conv(ndim)(c_in, c_out, k, stride=stride, dtype=_DTYPE),
                ]
            layers += [nn.SiLU()]
            lengths = [
                (n + 2 * (kk // 2) - kk) // s + 1
                for n, kk, s in zip(lengths, k, stride, strict=True)
            ]
            c_in = c_out
        coarse = layout.n_coarse
        # pooling onto the coarse grid keeps where in the field a feature sits
        if all(n % nc == 0 for n, nc in zip(lengths, coarse, strict=True)):
            size = tuple(n // nc for n, nc in zip(lengths, coarse, strict=True))
            pool = nn.AvgPool1d(size[0]) if ndim == 1 else nn.AvgPool2d(size)
        else:
            pool = (nn.AdaptiveAvgPool1d if ndim == 1 else nn.AdaptiveAvgPool2d)(
                coarse[0] if ndim == 1 else coarse
            )
        layers += [
            pool,
            nn.Flatten(),
            nn.Linear(c_in * math.prod(coarse), n_out, dtype=_DTYPE),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, r):
        return self.net(r.reshape(r.shape[0], *self.field))


class _SubPixelMicroDecoder(nn.Module):
    """Micro state -> coarse feature maps -> fine field by a sub-pixel convolution.

    A 3 x 3 convolution over the coarse maps gives, at every coarse node, the
    ``r_y x r_x`` fine values of its cell (``r`` the coarse spacing in grid
    points), which are then laid out on the fine grid (a pixel shuffle): each
    cell's detail is a learned function of its own and its neighbours'
    features (Shi et al. 2016), a transposed convolution that a CPU runs
    fast. The maps are padded by one node, wrapped on a periodic axis and
    edge-extended on a bounded one.
    """

    def __init__(self, layout, n_micro, hidden=64, features=16):
        super().__init__()
        coarse, grid = layout.n_coarse, layout.grid_shape
        self.ratio = tuple(n // nc for n, nc in zip(grid, coarse, strict=True))
        self.features, self.n_channels = features, layout.n_channels
        self.coarse, self.grid = coarse, grid
        self.lift = make_mlp(
            n_micro,
            (hidden,),
            features * math.prod(coarse),
            activation="swish",
            dtype=_DTYPE,
        )
        self.pad = _AxisPad(coarse, (1, 1), layout.periodic)
        ry, rx = self.ratio
        self.paint = nn.Conv2d(features, layout.n_channels * ry * rx, 3, dtype=_DTYPE)

    def forward(self, w):
        lead = w.shape[:-1]
        (ry, rx), (ny, nx), C = self.ratio, self.grid, self.n_channels
        maps = nn.functional.silu(self.lift(w)).reshape(-1, self.features, *self.coarse)
        cells = self.paint(self.pad(maps))
        if ry == rx:
            fine = nn.functional.pixel_shuffle(cells, ry)
        else:
            Y, X = self.coarse
            fine = cells.reshape(-1, C, ry, rx, Y, X).permute(0, 1, 4, 2, 5, 3)
        return fine.reshape(*lead, C * ny * nx)


class FieldAutoencoder(nn.Module):
    """Fine field (..., n_features) <-> latent (..., n_macro + n_micro).

    Parameters
    ----------
    layout : FieldLayout
    n_micro : int
    micro_hidden : int
        Width of the micro decoder's hidden layer.
    """

    def __init__(self, layout, n_micro, micro_hidden=64):
        super().__init__()
        grid, coarse = layout.grid_shape, layout.n_coarse
        self.ndim, self.n_channels = len(grid), layout.n_channels
        self.grid, self.coarse = grid, coarse
        # values per field and macro states (grid points and nodes of a 1-D field)
        self.n_grid, self.n_coarse = layout.n_features, layout.n_macro
        self.n_micro = n_micro
        # one channel on a 1-D grid: the filter works on the flat field directly
        self._flat = self.ndim == 1 and self.n_channels == 1
        kernels, corrections = [], []
        for a, (n, nc, wrap) in enumerate(
            zip(grid, coarse, layout.periodic, strict=True)
        ):
            ratio = n / nc
            half = max(1, min(int(math.ceil(2.0 * ratio)), (n - 1) // 2))
            offsets = torch.arange(-half, half + 1)
            if wrap and a == 0:
                centers = torch.round(torch.arange(nc) * ratio).long()
                gather = (centers[:, None] + offsets[None, :]) % n
            else:
                centers = axis_nodes(n, nc, wrap)
                gather = torch.as_tensor(
                    axis_index(centers[:, None] + offsets.numpy()[None, :], n, wrap)
                )
            self.register_buffer("_gather" if a == 0 else f"_gather{a}", gather)
            sigma = max(0.5 * ratio, 0.5)
            kernel = torch.exp(-0.5 * (offsets.double() / sigma) ** 2)
            kernel = kernel / kernel.sum()
            kernels.append(kernel.to(_DTYPE))
            if not wrap:
                # the transpose piles the taps past a wall onto the edge point:
                # rescale each point so the initial decoder is a partition of unity
                W = torch.zeros(nc, n, dtype=torch.float64)
                rows = torch.arange(nc)[:, None].expand_as(gather)
                W.index_put_((rows, gather), kernel.expand_as(gather), accumulate=True)
                cover = W.sum(0) * ratio
                corr = torch.where(cover > 1e-6, 1.0 / cover, torch.ones_like(cover))
                corrections.append((a, corr.to(_DTYPE)))
        self.kernel = nn.Parameter(kernels[0])
        if self.ndim == 2:
            self.kernel1 = nn.Parameter(kernels[1])
        for a, corr in corrections:
            self.register_buffer(f"_wall{a}", corr)
        # the transpose filter starts as a partition of unity
        ratio = math.prod(n / nc for n, nc in zip(grid, coarse, strict=True))
        self.log_gain = nn.Parameter(torch.tensor(math.log(ratio), dtype=_DTYPE))
        self.bias = nn.Parameter(torch.zeros((), dtype=_DTYPE))
        self.raw_enc_var = nn.Parameter(
            torch.full((self.n_coarse + n_micro,), _inv_softplus(1e-3), dtype=_DTYPE)
        )
        self.raw_macro_var = nn.Parameter(
            torch.full((self.n_grid,), _inv_softplus(1e-2), dtype=_DTYPE)
        )
        if n_micro > 0:
            self.micro_encoder = _ResidualCNN(layout, n_micro)
            if self.ndim == 1:
                self.micro_decoder = make_mlp(
                    n_micro,
                    (micro_hidden,),
                    self.n_grid,
                    activation="swish",
                    dtype=_DTYPE,
                )
                last = self.micro_decoder[-1]
            else:
                self.micro_decoder = _SubPixelMicroDecoder(
                    layout, n_micro, micro_hidden
                )
                last = self.micro_decoder.paint
            # start from the macro-only decoder; the micro part is learned on top
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)
            self.raw_micro_var = nn.Parameter(
                torch.full((self.n_grid,), _inv_softplus(1e-3), dtype=_DTYPE)
            )

    def _axes(self):
        """Per axis: (gather, kernel, wall correction or None)."""
        out = []
        for a in range(self.ndim):
            gather = self._gather if a == 0 else getattr(self, f"_gather{a}")
            kernel = self.kernel if a == 0 else getattr(self, f"kernel{a}")
            out.append((gather, kernel, getattr(self, f"_wall{a}", None)))
        return out

    # -- filter -------------------------------------------------------------
    def filter(self, x):
        """Macro state: the shared kernels around each coarse node."""
        if self._flat:
            return x[..., self._gather] @ self.kernel + self.bias
        lead = x.shape[:-1]
        y = x.reshape(*lead, self.n_channels, *self.grid)
        for a, (gather, kernel, _) in enumerate(self._axes()):
            # as a (n_coarse, n) matrix: far cheaper to differentiate than a gather
            F = self._matrix(a, gather, kernel, x)
            dim = a - self.ndim
            y = (y.movedim(dim, -1) @ F.T).movedim(-1, dim)
        return (y + self.bias).reshape(*lead, self.n_coarse)

    def _matrix(self, a, gather, weights, like):
        nc, n = gather.shape[0], self.grid[a]
        W = torch.zeros(nc, n, dtype=like.dtype, device=like.device)
        rows = torch.arange(nc, device=like.device)[:, None].expand_as(gather)
        return W.index_put((rows, gather), weights.expand_as(gather), accumulate=True)

    def _transpose_matrix(self, a, gather, kernel, wall, like):
        weights = (self.log_gain.exp() * kernel) if a == 0 else kernel
        W = self._matrix(a, gather, weights, like)
        return W if wall is None else W * wall

    def transpose_filter(self, z_macro):
        """Fine field spanned by the macro state (the filter's transpose)."""
        axes = self._axes()
        if self._flat:
            return (z_macro - self.bias) @ self._transpose_matrix(0, *axes[0], z_macro)
        lead = z_macro.shape[:-1]
        y = (z_macro - self.bias).reshape(*lead, self.n_channels, *self.coarse)
        for a, axis in enumerate(axes):
            dim = a - self.ndim
            W = self._transpose_matrix(a, *axis, z_macro)
            y = (y.movedim(dim, -1) @ W).movedim(-1, dim)
        return y.reshape(*lead, self.n_grid)

    # -- encoder ------------------------------------------------------------
    def encode(self, x):
        """Mean of the latent code of each field; shape (..., n_macro + n_micro)."""
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
