"""Space-time plots of fields on a grid."""

import numpy as np

from ._axes import get_axes

__all__ = ["plot_space_time"]


def plot_space_time(
    field,
    *,
    x=None,
    dt=1.0,
    t0=0.0,
    cmap="RdBu_r",
    vmin=None,
    vmax=None,
    title=None,
    colorbar=True,
    ax=None,
):
    """Space-time (Hovmoller) plot of one field trajectory.

    Parameters
    ----------
    field : array-like of shape (n_steps, n_grid)
        One trajectory of a field (time along the first axis).
    x : array-like of shape (n_grid,), optional
        Grid coordinates (default: node index).
    dt, t0 : float
        Time axis: ``t0 + dt * step``.
    cmap, vmin, vmax : colour map and limits (share them between panels to compare).
    title : str, optional
    colorbar : bool, default=True
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.plotting import plot_space_time
    >>> u = np.sin(np.linspace(0, 6, 40))[None, :] * np.ones((25, 1))
    >>> ax = plot_space_time(u, dt=0.1, title="u")
    >>> ax.get_title()
    'u'
    """
    F = np.asarray(field, dtype=float)
    if F.ndim != 2:
        raise ValueError(f"field must be (n_steps, n_grid), got shape {F.shape}.")
    ax = get_axes(ax)
    xs = np.arange(F.shape[1]) if x is None else np.asarray(x, dtype=float)
    t = t0 + dt * np.arange(F.shape[0])
    mesh = ax.pcolormesh(xs, t, F, cmap=cmap, vmin=vmin, vmax=vmax, shading="auto")
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax)
    ax.set_xlabel("x")
    ax.set_ylabel("time")
    if title:
        ax.set_title(title)
    return ax
