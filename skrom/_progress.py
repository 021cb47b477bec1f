"""The one progress-bar style of skrom's long loops, and the bar of an ensemble.

Torch-free, so that the numba-only stages (simulations, time-scale
calibrations) show the same bars as the torch trainings;
:mod:`skrom._torch` re-exports :func:`progress_bar`.
"""

import os
from contextlib import contextmanager

__all__ = ["progress_bar", "optional_bar", "member_progress", "ProgressMember"]


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


@contextmanager
def optional_bar(verbose, total, desc, unit):
    """A :func:`progress_bar` when ``verbose > 0``, else None; closed on exit."""
    bar = progress_bar(total, desc, unit=unit) if verbose else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()


@contextmanager
def member_progress(member_fn, n_members, desc, verbose, unit="path"):
    """``member_fn``, wrapped in a :class:`ProgressMember` when ``verbose > 0``.

    Use around :func:`skrom._ensemble.run_ensemble`; the bar is completed
    when the block ends normally and closed in any case.
    """
    if not verbose:
        yield member_fn
        return
    member = ProgressMember(member_fn, progress_bar(n_members, desc, unit=unit))
    try:
        yield member
        member.finish()
    finally:
        member.bar.close()


class ProgressMember:
    """An ensemble member function that advances a bar when a member ends.

    Wraps ``member_fn(rng, index, *args)`` of
    :func:`skrom._ensemble.run_ensemble` without touching its arguments or
    its draws, so the results are those of ``member_fn``. The bar advances
    only in the process that made it (members run serially or on threads);
    a copy sent to another process (loky, a dask worker) carries no bar, and
    the caller completes the bar when the results come back.

    Parameters
    ----------
    member_fn : callable
        The member function.
    bar : tqdm bar
        From :func:`progress_bar`, ``total`` the number of members.
    """

    def __init__(self, member_fn, bar):
        self.member_fn = member_fn
        self.bar = bar
        self._pid = os.getpid()

    def __call__(self, rng, index, *args):
        result = self.member_fn(rng, index, *args)
        if self.bar is not None and os.getpid() == self._pid:
            self.bar.update(1)
        return result

    def __getstate__(self):
        # a bar holds locks and a stream: it stays with the process that shows it
        return {"member_fn": self.member_fn, "bar": None, "_pid": None}

    def finish(self):
        """Complete and close the bar (the members of other processes included)."""
        if self.bar is not None:
            self.bar.update(self.bar.total - self.bar.n)
            self.bar.close()
