"""The one progress-bar style of skrom's long loops."""

__all__ = ["progress_bar"]


def progress_bar(total, desc, unit="epoch"):
    """A tqdm bar on stderr that clears itself when closed.

    Parameters
    ----------
    total : int
        Expected iterations (the bar may close earlier, after early stopping).
    desc : str
        Label, the estimator's name (and the stage, where it has several).
    unit : str, default="epoch"
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False)
