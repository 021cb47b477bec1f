"""How fields are laid out: grid shape, channels, periodicity and the coarse mesh.

A snapshot of a field is either structured, ``(*grid_shape)`` for one channel
or ``(n_channels, *grid_shape)`` channels-first, or flat, ``(n_features,)``
with ``n_features = n_channels * prod(grid_shape)`` in the same
channels-first order. The estimator works on the flat form and the modules
reshape it; this module reads the form of the user's arrays and turns them
into the flat trajectory set that :func:`skrom._validation.check_trajectories`
validates.
"""

import math
from typing import NamedTuple

import numpy as np

from .._validation import check_real_array

__all__ = [
    "FieldLayout",
    "axis_index",
    "axis_nodes",
    "flatten_fields",
    "resolve_layout",
]


class FieldLayout(NamedTuple):
    """The geometry of the fitted fields.

    Attributes
    ----------
    grid_shape : tuple of int
        Grid points per spatial axis (1 or 2 axes).
    n_channels : int
        Field components per grid point.
    field_shape : tuple of int
        Shape of one snapshot as the user gives it: ``(n_features,)`` for
        flat data, else ``grid_shape`` or ``(n_channels, *grid_shape)``.
    n_coarse : tuple of int
        Coarse nodes per spatial axis.
    periodic : tuple of bool
        Whether each spatial axis wraps around.
    """

    grid_shape: tuple
    n_channels: int
    field_shape: tuple
    n_coarse: tuple
    periodic: tuple

    @property
    def n_features(self):
        return self.n_channels * math.prod(self.grid_shape)

    @property
    def n_macro(self):
        """Macro states: one per channel and coarse node."""
        return self.n_channels * math.prod(self.n_coarse)


def _per_axis(value, n_axes, name):
    if isinstance(value, (list, tuple)):
        if len(value) != n_axes:
            raise ValueError(
                f"{name}={tuple(value)} gives {len(value)} values for a grid with "
                f"{n_axes} axes; give one value per axis or a single value."
            )
        return tuple(value)
    return (value,) * n_axes


def resolve_layout(shape, *, grid_shape, n_channels, n_coarse, periodic):
    """Read the layout of the training data from its shape and the parameters.

    Parameters
    ----------
    shape : tuple of int
        Shape of ``X`` as given to ``fit``.
    grid_shape, n_channels, n_coarse, periodic
        The estimator's parameters (validated types).

    Returns
    -------
    layout : FieldLayout
    """
    ndim = len(shape)
    channel_axis = n_channels is not None
    C = 1 if n_channels is None else int(n_channels)
    if grid_shape is None:
        if not channel_axis and ndim <= 3:
            # the flat form (n_trajectories, n_steps, n_grid) of a 1-D field
            grid, field_shape = (shape[-1],), (shape[-1],)
        else:
            lead = 3 if channel_axis else 2
            if ndim < lead + 1:
                what = "n_channels, " if channel_axis else ""
                raise ValueError(
                    f"X has shape {shape}; with grid_shape=None the grid is read "
                    f"from X of shape (n_trajectories, n_steps, {what}*grid_shape). "
                    "Give grid_shape= to pass flat or single-trajectory arrays."
                )
            grid = tuple(shape[lead:])
            field_shape = tuple(shape[lead - 1 :]) if channel_axis else grid
            if channel_axis and shape[2] != C:
                raise ValueError(
                    f"X has {shape[2]} channels on its axis 2 (shape {shape}), but "
                    f"n_channels={C}."
                )
    else:
        grid = tuple(int(n) for n in grid_shape)
        field_shape = ((C,) if channel_axis else ()) + grid
        k = len(field_shape)
        if tuple(shape[ndim - k :]) == field_shape and ndim in (k + 1, k + 2):
            pass
        elif ndim in (2, 3) and shape[-1] == C * math.prod(grid):
            field_shape = (C * math.prod(grid),)
        else:
            raise ValueError(
                f"X has shape {shape}, which fits neither grid_shape={grid} with "
                f"n_channels={n_channels} (snapshots of shape {field_shape}) nor "
                f"the flat form (n_trajectories, n_steps, {C * math.prod(grid)})."
            )
    if len(grid) not in (1, 2):
        raise ValueError(
            f"CoarseSDE takes fields on 1-D or 2-D grids; got a grid of shape {grid}."
        )
    coarse = tuple(int(n) for n in _per_axis(n_coarse, len(grid), "n_coarse"))
    wrap = tuple(bool(p) for p in _per_axis(periodic, len(grid), "periodic"))
    for axis, (n, nc) in enumerate(zip(grid, coarse, strict=True)):
        if nc > n:
            raise ValueError(
                f"n_coarse={nc} exceeds the {n} grid points of X on axis {axis}; "
                "the coarse mesh must be coarser than the fields' grid."
            )
        if n % nc:
            raise ValueError(
                f"The grid's axis {axis} has {n} points, which n_coarse={nc} does "
                f"not divide; choose a coarse mesh that divides the grid "
                f"{grid} on every axis."
            )
    return FieldLayout(grid, C, tuple(field_shape), coarse, wrap)


def flatten_fields(X, layout, *, name="X", estimator=None):
    """Fields in any accepted form -> flat array.

    Parameters
    ----------
    X : array-like
        ``(n_trajectories, n_steps, *field)``, ``(n_steps, *field)`` or
        ``field`` (one state) with ``field`` the layout's ``field_shape`` or
        the flat ``(n_features,)``.
    layout : FieldLayout

    Returns
    -------
    X : ndarray of shape (..., n_features)
        The leading axes as given; not yet validated for finiteness or length.
    """
    arr = check_real_array(X, name=name, estimator=estimator)
    field = layout.field_shape
    k = len(field)
    if k > 1 and k <= arr.ndim <= k + 2:
        if tuple(arr.shape[arr.ndim - k :]) == field:
            return arr.reshape(arr.shape[: arr.ndim - k] + (layout.n_features,))
        # name the channel mismatch rather than a feature count
        grid = layout.grid_shape
        if (
            k == len(grid) + 1
            and tuple(arr.shape[arr.ndim - len(grid) :]) == grid
            and arr.shape[arr.ndim - k] != layout.n_channels
        ):
            raise ValueError(
                f"{name} has {arr.shape[arr.ndim - k]} channels (shape {arr.shape}), "
                f"but the model was fitted on {layout.n_channels} channels."
            )
    if arr.ndim > 3 or (k > 1 and arr.ndim == 3 and arr.shape[-1] != layout.n_features):
        raise ValueError(
            f"{name} has shape {arr.shape}; the model was fitted on snapshots of "
            f"shape {field} ({layout.n_features} values, channels first)."
        )
    return arr


def axis_nodes(n, n_coarse, periodic):
    """Grid index of each coarse node on one axis.

    Periodic axes put node 0 on grid point 0 (the nodes tile the circle);
    bounded axes put the nodes at the centres of ``n_coarse`` equal cells, so
    no node sits on a wall.
    """
    ratio = n / n_coarse
    j = np.arange(n_coarse)
    centres = j * ratio if periodic else (j + 0.5) * ratio - 0.5
    return np.clip(np.round(centres), 0, n - 1).astype(np.int64)


def axis_index(index, n, periodic):
    """Grid indices past the ends of an axis: wrapped if periodic, else clamped.

    Clamping extends a bounded field by its edge value, so nothing reaches
    across the domain to the opposite wall.
    """
    return index % n if periodic else np.clip(index, 0, n - 1)
