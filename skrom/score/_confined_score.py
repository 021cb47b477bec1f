"""The learned score as the numba kernels evaluate it, confined beyond its data.

A :class:`~skrom.score.KGMMScore` network is trusted only inside the box of
its cluster centres (standardised units). Beyond it the network would
extrapolate with no data behind it, and a wrong sign there lets Langevin
chains escape, so the score is continued as

    s(y) = s_net(clip(y)) - (y - clip(y)),

the network at the box edge plus the score of a unit-Gaussian tail: it is
continuous and confines every chain. :func:`confined_score` is the one
implementation every kernel calls (Langevin paths, KGMM sampling chains,
the hybrid rollout). For one feature the network may be read from a cubic
Hermite table of its values and derivatives on a uniform grid (exact to
O(h^4), so indistinguishable from the network at the grid sizes used), which
turns a network evaluation into a few flops; outside the grid the network is
evaluated. That table part is :func:`tabulated_score`, which
:func:`confined_score` calls and which one-feature kernels call first in
their hot loops (scalars only), falling back to :func:`confined_score` off
the table.

What the kernels read of a fitted score is one :class:`ScoreKernel`,
``KGMMScore.score_kernel_``, built once at the end of ``fit``.
"""

from typing import NamedTuple

import numba
import numpy as np

from .._mlp_kernels import MLPPack, mlp_forward, mlp_work_size

__all__ = [
    "ScoreTable",
    "ScoreKernel",
    "NO_SCORE_TABLE",
    "confined_score",
    "confined_scores",
    "tabulated_score",
    "torch_confined_score",
]


class ScoreTable(NamedTuple):
    """Cubic Hermite table of a one-feature standardised score network.

    Attributes
    ----------
    lo : float
        First grid point.
    step : float
        Grid spacing.
    values : ndarray of shape (n_grid,)
        The network at ``lo + i * step`` (no points: no table).
    slopes : ndarray of shape (n_grid,)
        Its derivative there.
    """

    lo: float
    step: float
    values: np.ndarray
    slopes: np.ndarray


#: The table of a score that has none (more than one feature).
NO_SCORE_TABLE = ScoreTable(0.0, 1.0, np.empty(0), np.empty(0))


class ScoreKernel(NamedTuple):
    """Everything the numba kernels read of a fitted score.

    The score in the data's units is ``confined_score((x - mean) / scale) /
    scale``.

    Attributes
    ----------
    mean : ndarray of shape (n_features,)
        Standardisation offset.
    scale : ndarray of shape (n_features,)
        Standardisation scale.
    net : MLPPack
        The network, standardised coordinates to standardised score.
    box_lo, box_hi : ndarray of shape (n_features,)
        The box of the cluster centres, standardised; the network is trusted
        inside it (``-inf``/``inf``: everywhere).
    table : ScoreTable
        One feature: the network tabulated; otherwise
        :data:`NO_SCORE_TABLE`.
    bound : float
        A chain beyond ``|x| <= bound`` (data units) counts as blown up.
    """

    mean: np.ndarray
    scale: np.ndarray
    net: MLPPack
    box_lo: np.ndarray
    box_hi: np.ndarray
    table: ScoreTable
    bound: float


@numba.njit(cache=True, inline="always")
def _hermite(values, slopes, step, i, u):
    # cubic Hermite interpolant on cell i at fraction u of the cell
    u2 = u * u
    u3 = u2 * u
    return (
        (2.0 * u3 - 3.0 * u2 + 1.0) * values[i]
        + (u3 - 2.0 * u2 + u) * step * slopes[i]
        + (3.0 * u2 - 2.0 * u3) * values[i + 1]
        + (u3 - u2) * step * slopes[i + 1]
    )


@numba.njit(cache=True, inline="always")
def tabulated_score(y, box_lo, box_hi, table):
    """The confined score of one feature from its table: ``(value, hit)``.

    ``hit`` is False where ``clip(y)`` lies off the table (or there is no
    table): the network must then be evaluated (:func:`confined_score` does
    both). Scalar in, scalar out, for the hot loops of one-feature kernels:
    numba counts the references of every array of a bundle passed to a
    function it inlines, which costs more than the table lookup itself.
    """
    yc = min(max(y, box_lo), box_hi)
    t = (yc - table.lo) / table.step
    if t >= 0.0 and t < table.values.shape[0] - 1:
        i = int(t)
        value = _hermite(table.values, table.slopes, table.step, i, t - i)
        # beyond the clusters: the score of a unit-Gaussian tail
        return value - (y - yc), True
    return 0.0, False


@numba.njit(cache=True)
def confined_score(y, score, yc, s, work):
    """Write the confined standardised score at ``y`` into ``s``.

    Parameters
    ----------
    y : ndarray of shape (n_features,)
        Standardised point, ``(x - score.mean) / score.scale``.
    score : ScoreKernel
    yc : ndarray of shape (n_features,)
        Scratch; receives ``clip(y)``.
    s : ndarray of shape (n_features,)
        Receives ``s_net(clip(y)) - (y - clip(y))``.
    work : ndarray
        Network scratch of ``mlp_work_size(score.net.sizes)`` entries.
    """
    d = y.shape[0]
    if score.table.values.shape[0] > 1:
        value, hit = tabulated_score(
            y[0], score.box_lo[0], score.box_hi[0], score.table
        )
        if hit:
            s[0] = value
            return
    for k in range(d):
        yc[k] = min(max(y[k], score.box_lo[k]), score.box_hi[k])
    mlp_forward(
        yc,
        score.net.weights,
        score.net.biases,
        score.net.sizes,
        score.net.activation,
        s,
        work,
    )
    for k in range(d):
        # beyond the clusters: the score of a unit-Gaussian tail
        s[k] = s[k] - (y[k] - yc[k])


@numba.njit(cache=True)
def _confined_scores(Y, score, out, work):
    d = Y.shape[1]
    yc = np.empty(d)
    s = np.empty(d)
    for n in range(Y.shape[0]):
        confined_score(Y[n], score, yc, s, work)
        for k in range(d):
            out[n, k] = s[k]


def confined_scores(Y, score):
    """:func:`confined_score` at every row of ``Y`` (standardised units).

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_features)
        Standardised points.
    score : ScoreKernel

    Returns
    -------
    S : ndarray of shape (n_samples, n_features)
    """
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    out = np.empty_like(Y)
    _confined_scores(Y, score, out, np.empty(mlp_work_size(score.net.sizes)))
    return out


def torch_confined_score(module, y, box_lo, box_hi):
    """:func:`confined_score` of a torch network (no table), for torch rollouts.

    Parameters
    ----------
    module : torch.nn.Module
        The score network (float64).
    y : torch.Tensor of shape (..., n_features)
        Standardised points.
    box_lo, box_hi : array-like of shape (n_features,)
        :attr:`ScoreKernel.box_lo` and :attr:`ScoreKernel.box_hi`.

    Returns
    -------
    s : torch.Tensor of shape (..., n_features)
    """
    import torch

    lo = torch.as_tensor(np.asarray(box_lo, dtype=np.float64))
    hi = torch.as_tensor(np.asarray(box_hi, dtype=np.float64))
    yc = torch.clamp(y, lo, hi)
    return module(yc) - (y - yc)
