"""Ensemble fan charts against the truth."""

import numpy as np

from ._axes import get_axes

__all__ = ["plot_fan_chart"]


def plot_fan_chart(
    paths,
    *,
    truth=None,
    dt=1.0,
    t0=0.0,
    feature=0,
    quantiles=(0.05, 0.25),
    color="C0",
    label="ensemble",
    ax=None,
):
    """Quantile bands and median of an ensemble, with the truth on top.

    Parameters
    ----------
    paths : array-like of shape (n_paths, n_steps, n_features) or (n_paths, n_steps)
        Generated ensemble (e.g. the output of ``sample``).
    truth : array-like of shape (n_steps, n_features) or (n_true, n_steps, n_features), optional
        Verifying trajectory, or a true ensemble (then its mean and the same
        quantile bands are drawn as lines); a 1-D ``(n_steps,)`` array is one
        scalar path.
    dt, t0 : float
        Time axis: ``t0 + dt * step``.
    feature : int, default=0
        Feature to plot.
    quantiles : sequence of float, default=(0.05, 0.25)
        Lower quantiles q of the shaded bands [q, 1 - q], outermost first.
    color, label : str
        Colour and legend label of the ensemble.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.plotting import plot_fan_chart
    >>> paths = np.cumsum(np.random.default_rng(0).normal(size=(50, 30, 1)), axis=1)
    >>> ax = plot_fan_chart(paths, truth=paths[0], dt=0.1)
    >>> len(ax.collections)
    2
    """
    P = np.asarray(paths, dtype=float)
    if P.ndim == 3:
        P = P[..., feature]
    if P.ndim != 2:
        raise ValueError(
            f"paths must be (n_paths, n_steps[, n_features]), got shape {np.shape(paths)}."
        )
    ax = get_axes(ax)
    t = t0 + dt * np.arange(P.shape[1])
    for i, q in enumerate(sorted(quantiles)):
        lo, hi = np.quantile(P, [q, 1 - q], axis=0)
        ax.fill_between(
            t,
            lo,
            hi,
            color=color,
            alpha=0.15 + 0.15 * i,
            lw=0,
            label=f"{label} {100 * q:g}-{100 * (1 - q):g}%",
        )
    ax.plot(t, np.median(P, axis=0), color=color, label=f"{label} median")
    if truth is not None:
        T = np.asarray(truth, dtype=float)
        if T.ndim == 3:
            T = T[..., feature]
            ax.plot(t, T.mean(axis=0), color="k", label="truth mean")
            for q in quantiles:
                ax.plot(t, np.quantile(T, q, axis=0), "k--", lw=0.8)
                ax.plot(t, np.quantile(T, 1 - q, axis=0), "k--", lw=0.8)
        else:
            if T.ndim == 2:
                T = T[:, feature]
            ax.plot(t, T, color="k", lw=1.2, label="truth")
    ax.set_xlabel("time")
    ax.legend(fontsize="small")
    return ax
