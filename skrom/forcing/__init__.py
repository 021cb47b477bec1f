"""Neural-ODE surrogates of fast chaotic forcing (Del Felice & Giorgini 2025)."""

from ._delay_node import DelayNODEForcing

__all__ = ["DelayNODEForcing"]
