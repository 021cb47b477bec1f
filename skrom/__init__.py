"""skrom: scikit-learn-style stochastic reduced-order models of multiscale dynamics.

The estimators live in one subpackage per method family:

- :mod:`skrom.score` -- score functions by the K-means Gaussian-mixture method
  and the Langevin models built on them;
- :mod:`skrom.forcing` -- neural-ODE surrogates of fast chaotic forcing;
- :mod:`skrom.hybrid` -- the hybrid Langevin ROM;
- :mod:`skrom.flows` -- stochastic flow-map learning;
- :mod:`skrom.coarse` -- coarse-mesh SDEs with auxiliary states;

around them :mod:`skrom.datasets` (simulators of the benchmark systems) and
:mod:`skrom.metrics` (the statistics every ROM is judged by) and
:mod:`skrom.response` (response functions from learned scores).
"""

__version__ = "0.1.0.dev0"

import logging  # noqa: E402

from ._persistence import IncompatibleModelError  # noqa: E402

# progress of long fits is logged at INFO on "skrom.*" loggers; a library
# leaves handlers to the application
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["IncompatibleModelError", "__version__"]
