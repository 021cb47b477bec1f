"""Getting a matplotlib axes, with a clear message when matplotlib is missing."""

__all__ = ["pyplot", "get_axes", "as_labelled"]


def pyplot():
    """Return ``matplotlib.pyplot``, imported on first use (matplotlib is optional)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "skrom.plotting needs matplotlib: pip install 'skrom[plot]'."
        ) from exc
    return plt


def get_axes(ax=None, **subplot_kw):
    """Return ``ax`` or a new axes on a new figure."""
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(**subplot_kw)
    return ax


def as_labelled(data, default="data"):
    """Turn one array or a ``{label: array}`` mapping into a list of (label, array)."""
    if isinstance(data, dict):
        if not data:
            raise ValueError("Nothing to plot: the mapping of curves is empty.")
        return list(data.items())
    return [(default, data)]
