"""What the torch estimators share: device, threads, seeding, MLPs, the training loop.

Estimators store their constructor arguments as given and build modules in
``fit`` (as skorch does), so ``clone`` works. After fitting, modules are kept
on the CPU: a model fitted on a GPU pickles and loads on a machine without one.

- :mod:`._device` -- the torch device and the thread-count context;
- :mod:`._seeding` -- seeding torch from a ``random_state``;
- :mod:`._modules` -- MLPs and NumPy-to-tensor copies;
- :mod:`._engine` -- the one training loop (:func:`train`);
- :mod:`._callbacks` -- its optional parts (schedules, clipping, stopping,
  progress, the divergence check);
- :mod:`._progress` -- the one progress-bar style.
"""

from ..exceptions import TrainingDivergedError
from ._callbacks import (
    Callback,
    DivergenceCheck,
    EarlyStopping,
    GradientClipping,
    LRSchedule,
    ProgressBar,
    StopAtTarget,
)
from ._device import resolve_device, torch_threads
from ._engine import TrainingLoop, train
from ._modules import ACTIVATIONS, make_mlp, to_tensor
from ._progress import progress_bar
from ._seeding import torch_seed

__all__ = [
    "ACTIVATIONS",
    "Callback",
    "DivergenceCheck",
    "EarlyStopping",
    "GradientClipping",
    "LRSchedule",
    "ProgressBar",
    "StopAtTarget",
    "TrainingDivergedError",
    "TrainingLoop",
    "make_mlp",
    "progress_bar",
    "resolve_device",
    "to_tensor",
    "torch_seed",
    "torch_threads",
    "train",
]
