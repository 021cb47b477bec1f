"""Score functions by the K-means Gaussian-mixture method (KGMM) and the
Langevin models that use them as drift."""

from ._kgmm import KGMMScore

__all__ = ["KGMMScore"]
