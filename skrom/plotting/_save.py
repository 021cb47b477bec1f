"""Writing the open matplotlib figures of a script to a folder."""

import pathlib

from ._axes import pyplot

__all__ = ["save_figures"]


def save_figures(out_dir, *, prefix="figure", fmt="png", dpi=120, close=False):
    """Save every open matplotlib figure into a folder and return the paths.

    Figures are written in the order they were created, as
    ``{prefix}_{k}.{fmt}`` with ``k = 1, 2, ...``; the folder (and its
    parents) is created when missing and files of the same names are
    overwritten. This is how the example scripts write their figures when
    run from a terminal, where ``plt.show()`` may show nothing.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write into.
    prefix : str, default="figure"
        Start of every file name (e.g. the script's name).
    fmt : str, default="png"
        File format, as understood by :meth:`matplotlib.figure.Figure.savefig`.
    dpi : float, default=120
        Resolution of raster formats.
    close : bool, default=False
        Close each figure after saving it.

    Returns
    -------
    paths : list of pathlib.Path
        The files written, one per figure (empty when no figure is open).

    Raises
    ------
    ValueError
        If ``prefix`` or ``fmt`` is empty or holds a path separator, or
        ``out_dir`` exists and is not a folder.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import tempfile
    >>> from skrom.plotting._save import save_figures
    >>> _ = plt.plot([0, 1], [1, 0])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = save_figures(folder, prefix="demo", close=True)
    ...     [p.name for p in paths]
    ['demo_1.png']
    """
    for name, value in (("prefix", prefix), ("fmt", fmt)):
        if not isinstance(value, str) or not value or "/" in value or "\\" in value:
            raise ValueError(
                f"{name} must be a non-empty string without path separators; "
                f"got {value!r}."
            )
    plt = pyplot()
    folder = pathlib.Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"out_dir {str(folder)!r} exists and is not a folder.")
    numbers = plt.get_fignums()
    if numbers:
        folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, number in enumerate(numbers, start=1):
        fig = plt.figure(number)
        path = folder / f"{prefix}_{k}.{fmt}"
        fig.savefig(path, dpi=dpi)
        paths.append(path)
        if close:
            plt.close(fig)
    return paths
