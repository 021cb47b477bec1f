"""Coarse-mesh stochastic models of fields with auxiliary (micro) states.

:class:`CoarseSDE` learns an SDE for a filtered field on a coarse mesh plus a
small micro state standing for the unresolved scales, from fine-grid
snapshots, by amortised variational inference that never integrates the SDE
(Ilersich & Nair 2025; Course & Nair 2023).
"""

from ._coarse_sde import CoarseSDE

__all__ = ["CoarseSDE"]
