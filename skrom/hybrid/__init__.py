"""Hybrid Langevin ROM: score drift plus a neural-ODE surrogate of the fast forcing."""

from ._hybrid import HybridLangevinROM

__all__ = ["HybridLangevinROM"]
