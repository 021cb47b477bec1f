"""Calibration of ensemble forecasts: rank histograms and reliability diagrams."""

import numpy as np

from ._axes import as_labelled, get_axes

__all__ = ["plot_rank_histogram", "plot_reliability_diagram"]


def plot_rank_histogram(counts, *, ax=None):
    """Rank histograms as relative frequencies, with the flat line of calibration.

    Parameters
    ----------
    counts : array-like of shape (n_members + 1,) or dict of str to array-like
        Counts of each rank (:func:`skrom.metrics.rank_histogram`), or
        ``{label: counts}`` to compare ensembles with the same number of
        members (drawn as side-by-side bars).
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.plotting import plot_rank_histogram
    >>> ax = plot_rank_histogram({"calibrated": [10, 9, 11], "narrow": [18, 2, 10]})
    >>> len(ax.patches)
    6
    """
    hists = [(label, np.asarray(c, dtype=float)) for label, c in as_labelled(counts)]
    n_ranks = hists[0][1].size
    for label, c in hists:
        if c.ndim != 1 or c.size < 2 or c.size != n_ranks:
            raise ValueError(
                f"counts[{label!r}] must be 1-D with n_members + 1 >= 2 entries, the "
                f"same for every histogram; got shape {c.shape} (first: {n_ranks})."
            )
        if np.any(c < 0) or not np.isfinite(c).all() or c.sum() <= 0:
            raise ValueError(
                f"counts[{label!r}] must be finite, non-negative and not all zero."
            )
    ax = get_axes(ax)
    ranks = np.arange(n_ranks)
    width = 0.8 / len(hists)
    for i, (label, c) in enumerate(hists):
        offset = (i - (len(hists) - 1) / 2) * width
        ax.bar(ranks + offset, c / c.sum(), width=width, label=label)
    ax.axhline(1.0 / n_ranks, color="k", ls="--", lw=0.8, label="flat")
    ax.set_xlabel("rank of the truth among the members")
    ax.set_ylabel("relative frequency")
    ax.legend(fontsize="small")
    return ax


def plot_reliability_diagram(tables, *, show_counts=True, ax=None):
    """Observed frequency against forecast probability, with the diagonal.

    Parameters
    ----------
    tables : Bunch or dict of str to Bunch
        Reliability table(s) from :func:`skrom.metrics.transition_reliability`
        (``mean_probability``, ``observed_frequency``, ``counts``); empty bins
        are skipped.
    show_counts : bool, default=True
        Annotate each point with the number of forecasts in its bin: bins
        with few forecasts have noisy frequencies.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> from skrom.plotting import plot_reliability_diagram
    >>> table = Bunch(mean_probability=np.array([0.1, 0.5, 0.9]),
    ...               observed_frequency=np.array([0.2, 0.5, 0.7]),
    ...               counts=np.array([40, 12, 30]))
    >>> ax = plot_reliability_diagram(table)
    >>> len(ax.lines), len(ax.texts)
    (2, 3)
    """
    if isinstance(tables, dict) and "mean_probability" in tables:
        # a Bunch is a dict: one table, not a mapping of labelled tables
        tables = {"forecast": tables}
    curves = as_labelled(tables, default="forecast")
    ax = get_axes(ax)
    ax.plot([0.0, 1.0], [0.0, 1.0], color="0.6", ls="--", lw=0.8)
    for label, table in curves:
        try:
            prob = np.asarray(table["mean_probability"], dtype=float)
            freq = np.asarray(table["observed_frequency"], dtype=float)
            counts = np.asarray(table["counts"])
        except (KeyError, IndexError, TypeError) as exc:
            raise TypeError(
                "tables must be reliability tables from "
                "skrom.metrics.transition_reliability (with mean_probability, "
                f"observed_frequency and counts); got {type(table).__name__}."
            ) from exc
        if not prob.shape == freq.shape == counts.shape or prob.ndim != 1:
            raise ValueError(
                f"table {label!r}: mean_probability, observed_frequency and counts "
                f"must be 1-D of one length; got {prob.shape}, {freq.shape}, "
                f"{counts.shape}."
            )
        filled = counts > 0
        (line,) = ax.plot(prob[filled], freq[filled], marker="o", label=label)
        if show_counts:
            for p, f, n in zip(prob[filled], freq[filled], counts[filled], strict=True):
                ax.annotate(
                    str(int(n)),
                    (p, f),
                    textcoords="offset points",
                    xytext=(4, -10),
                    fontsize="x-small",
                    color=line.get_color(),
                )
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    ax.legend(fontsize="small")
    return ax
