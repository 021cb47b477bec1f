"""Response functions: how the mean of an observable moves under a perturbation.

From unperturbed data and a learned score (the fluctuation-dissipation
theorem), the quasi-Gaussian baseline, and the direct reference from
perturbation ensembles of a simulator.
"""

from ._ensemble_response import ensemble_response
from ._gaussian import GaussianScore
from ._linear import gaussian_response, score_response
from ._observables import StatePower, WellIndicator
from ._perturbations import GradientPerturbation
from ._simulators import Lorenz96Simulator, SlowFastSimulator

__all__ = [
    "score_response",
    "gaussian_response",
    "ensemble_response",
    "GaussianScore",
    "StatePower",
    "WellIndicator",
    "GradientPerturbation",
    "SlowFastSimulator",
    "Lorenz96Simulator",
]
