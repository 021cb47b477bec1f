"""The one progress-bar style of skrom's long loops (kept importable from here).

It lives in the torch-free :mod:`skrom._progress`, which the numba-only
stages use too.
"""

from .._progress import progress_bar

__all__ = ["progress_bar"]
