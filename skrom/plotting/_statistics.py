"""Invariant PDF and autocorrelation of data against models."""

import numpy as np

from ..metrics import autocorrelation, marginal_pdf
from ._axes import as_labelled, get_axes

__all__ = ["plot_pdf", "plot_acf"]


def plot_pdf(data, *, feature=None, method="kde", bins=None, log=False, ax=None):
    """Marginal PDFs of several trajectory sets on one shared grid.

    Parameters
    ----------
    data : array-like or dict of str to array-like
        A trajectory set, or ``{label: trajectory set}`` (e.g. truth and
        models). The first entry sets the grid.
    feature : int or None, default=None
        Feature to plot (None when each set has one feature).
    method : {"kde", "hist"}, default="kde"
        Density estimate, as in :func:`skrom.metrics.marginal_pdf`.
    bins : int or None, default=None
        Number of grid points.
    log : bool, default=False
        Logarithmic density axis (shows the tails and the barrier region).
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.plotting import plot_pdf
    >>> rng = np.random.default_rng(0)
    >>> ax = plot_pdf({"truth": rng.normal(size=2000), "model": rng.normal(size=2000)})
    >>> len(ax.lines)
    2
    """
    curves = as_labelled(data)
    ax = get_axes(ax)
    lo = min(np.nanmin(np.asarray(x, dtype=float)) for _, x in curves)
    hi = max(np.nanmax(np.asarray(x, dtype=float)) for _, x in curves)
    if feature is not None:
        lo = min(np.nanmin(np.asarray(x, dtype=float)[..., feature]) for _, x in curves)
        hi = max(np.nanmax(np.asarray(x, dtype=float)[..., feature]) for _, x in curves)
    pad = 0.1 * (hi - lo if hi > lo else 1.0)
    grid = np.linspace(lo - pad, hi + pad, bins or (512 if method == "kde" else 80))
    for label, X in curves:
        g, p = marginal_pdf(X, feature=feature, method=method, grid=grid)
        ax.plot(g, p, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("x" if feature is None else f"x[{feature}]")
    ax.set_ylabel("density")
    ax.legend()
    return ax


def plot_acf(data, max_lag, *, dt=1.0, feature=None, ax=None):
    """Autocorrelation functions of several trajectory sets.

    Parameters
    ----------
    data : array-like or dict of str to array-like
        A trajectory set or ``{label: trajectory set}``.
    max_lag : int
        Largest lag, in steps.
    dt : float, default=1.0
        Sampling interval, for a time axis.
    feature : int or None, default=None
        Feature to plot (None when each set has one feature).
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.plotting import plot_acf
    >>> x = np.random.default_rng(0).normal(size=(1, 500, 1))
    >>> ax = plot_acf({"noise": x}, max_lag=20, dt=0.1)
    >>> ax.get_xlabel()
    'lag (time)'
    """
    ax = get_axes(ax)
    lags = np.arange(max_lag + 1) * dt
    for label, X in as_labelled(data):
        acf = autocorrelation(X, max_lag, feature=feature)
        ax.plot(lags, np.asarray(acf).reshape(max_lag + 1, -1)[:, 0], label=label)
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.set_xlabel("lag (time)")
    ax.set_ylabel("autocorrelation")
    ax.legend()
    return ax
