"""The exceptions skrom raises on purpose, in one place to catch them from.

>>> from skrom.exceptions import TrainingDivergedError
>>> issubclass(TrainingDivergedError, FloatingPointError)
True
"""

from ._persistence import IncompatibleModelError
from ._validation import SimulationBlowUpError

__all__ = ["IncompatibleModelError", "SimulationBlowUpError", "TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError, ValueError):
    """A torch estimator's training loss became non-finite or blew up.

    Raised by every torch training in skrom (:class:`~skrom.score.KGMMScore`'s
    interpolator, :class:`~skrom.forcing.DelayNODEForcing`,
    :class:`~skrom.flows.SFMLFlow`, :class:`~skrom.coarse.CoarseSDE`); the
    message names the estimator, the epoch and the loss. The usual cure is a
    lower ``learning_rate``.

    It is a :class:`FloatingPointError` and a :class:`ValueError`, so code
    that caught either of the errors these estimators raised before keeps
    working.
    """
