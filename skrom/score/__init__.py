"""Score functions by the K-means Gaussian-mixture method (KGMM) and the
Langevin models that use them as drift."""

from ._kgmm import KGMMScore
from ._langevin import LangevinROM

__all__ = ["KGMMScore", "LangevinROM"]
