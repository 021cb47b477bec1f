"""Stochastic flow-map learning: generative one-step maps of the slow variables.

- :class:`SFMLFlow` -- a conditional normalizing flow learns the transition
  density ``p(x_{n+1} | x_n)`` from snapshot pairs and generates trajectories
  by iterating it (Chen & Xiu, 2024).
"""

from ._sfml import SFMLFlow

__all__ = ["SFMLFlow"]
