"""The optional parts of the training loop: schedules, clipping, stopping, progress.

A callback overrides only the hooks it needs; the loop calls, per step, only
the callbacks that override a per-step hook, so an unused part costs nothing.
Every hook gets the running :class:`~skrom._torch._engine.TrainingLoop`
(``loop.module``, ``loop.optimizer``, ``loop.params``, ``loop.history``,
``loop.max_epochs``) and may end training after the current epoch by setting
``loop.stop_training = True``.
"""

import copy
import math

import torch

from ..exceptions import TrainingDivergedError
from ._progress import progress_bar

__all__ = [
    "Callback",
    "LRSchedule",
    "GradientClipping",
    "EarlyStopping",
    "StopAtTarget",
    "ProgressBar",
    "DivergenceCheck",
]


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, loop):
        """After the optimizer is built, before the first epoch."""

    def on_after_backward(self, loop):
        """Between a step's ``backward`` and the optimizer's update."""

    def on_step_end(self, loop):
        """After each optimizer step."""

    def on_epoch_end(self, loop, log):
        """After the epoch's log (a dict, already in ``loop.history``) is made."""

    def on_train_end(self, loop):
        """After the last epoch of a training that did not raise."""

    def teardown(self, loop):
        """Always, last, even when training raised: release resources."""


class LRSchedule(Callback):
    """Drive the learning rate with a torch scheduler.

    Parameters
    ----------
    make_scheduler : callable
        ``make_scheduler(optimizer)`` returns a
        :mod:`torch.optim.lr_scheduler` scheduler.
    every : {"step", "epoch"}, default="epoch"
        Advance the scheduler after every optimizer step or after every
        epoch (after the epoch's learning rate is logged).
    """

    def __init__(self, make_scheduler, every="epoch"):
        if every not in ("step", "epoch"):
            raise ValueError(f"every must be 'step' or 'epoch', got {every!r}.")
        self.make_scheduler = make_scheduler
        self.every = every

    def on_train_begin(self, loop):
        self.scheduler_ = self.make_scheduler(loop.optimizer)

    def on_step_end(self, loop):
        if self.every == "step":
            self.scheduler_.step()

    def on_epoch_end(self, loop, log):
        if self.every == "epoch":
            self.scheduler_.step()


class GradientClipping(Callback):
    """Clip the total gradient norm of the trained parameters to ``max_norm``."""

    def __init__(self, max_norm):
        self.max_norm = max_norm

    def on_after_backward(self, loop):
        torch.nn.utils.clip_grad_norm_(loop.params, self.max_norm)


class EarlyStopping(Callback):
    """Keep the weights with the lowest ``monitor`` and stop when it stalls.

    Parameters
    ----------
    monitor : str
        Key of the epoch log to minimise (``"train_loss"``, ``"eval_loss"``).
    patience : int or None
        Stop once the monitored loss has not improved by more than
        ``min_delta`` for this many epochs; None never stops (the best
        weights are still kept).
    min_delta : float, default=0.0
    restore_best : bool, default=True
        Load the best weights into the module when training ends.
    """

    def __init__(self, monitor, patience=None, min_delta=0.0, restore_best=True):
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best = restore_best

    def on_train_begin(self, loop):
        self.best_ = math.inf
        self.best_state_ = None
        self.since_best_ = 0

    def on_epoch_end(self, loop, log):
        value = log[self.monitor]
        if value < self.best_ - self.min_delta:
            self.since_best_ = 0
        else:
            self.since_best_ += 1
        if value < self.best_:
            self.best_ = value
            self.best_state_ = copy.deepcopy(loop.module.state_dict())
        if self.patience is not None and self.since_best_ >= self.patience:
            loop.stop_training = True

    def on_train_end(self, loop):
        if self.restore_best and self.best_state_ is not None:
            loop.module.load_state_dict(self.best_state_)


class StopAtTarget(Callback):
    """Stop as soon as ``monitor`` falls to ``target`` or below.

    For a loss whose noise floor is known (a discrepancy principle: fitting
    below the expected error of the targets fits their noise).
    """

    def __init__(self, monitor, target):
        self.monitor = monitor
        self.target = target

    def on_epoch_end(self, loop, log):
        if log[self.monitor] <= self.target:
            loop.stop_training = True


class ProgressBar(Callback):
    """A tqdm bar over the epochs showing the monitored loss and learning rate."""

    def __init__(self, desc, monitor="train_loss"):
        self.desc = desc
        self.monitor = monitor

    def on_train_begin(self, loop):
        self.bar_ = progress_bar(loop.max_epochs, self.desc)

    def on_epoch_end(self, loop, log):
        self.bar_.set_postfix(
            loss=f"{log[self.monitor]:.4g}", lr=f"{log['lr']:.2e}", refresh=False
        )
        self.bar_.update(1)

    def teardown(self, loop):
        bar = getattr(self, "bar_", None)
        if bar is not None:
            bar.close()


class DivergenceCheck(Callback):
    r"""Raise :class:`~skrom.exceptions.TrainingDivergedError` on a diverged training.

    Training has diverged when, at the end of an epoch, the training loss,
    an accumulated metric or the monitored loss is NaN or infinite (raised
    at once), or when, at the end of training, the monitored loss of the
    last epoch exceeds the loss of the very first step (the initial
    weights on the first batch), :math:`L_0`, by more than
    ``factor`` times :math:`\max(|L_0|, \text{floor})`:

    .. math::

        L_\text{final} > L_0 + \text{factor}\,\max(|L_0|, \text{floor}).

    The floor keeps a tiny or zero initial loss from making any rise look
    like a blow-up; the absolute value keeps the rule meaningful for losses
    that may be negative (negative log-likelihoods, negative ELBOs).

    Parameters
    ----------
    name : str
        The estimator, named in the message.
    monitor : str, default="train_loss"
    factor : float, default=1e3
    floor : float, default=1.0
    hint : str or None
        Advice added after "lower learning_rate" (e.g. "or window").
    """

    def __init__(self, name, monitor="train_loss", factor=1e3, floor=1.0, hint=None):
        self.name = name
        self.monitor = monitor
        self.factor = factor
        self.floor = floor
        self.hint = hint

    _LABELS = {"train_loss": "training loss", "eval_loss": "evaluated loss"}

    def _label(self, key):
        return self._LABELS.get(key, key)

    def _raise(self, loop, epoch, what, value):
        advice = "lower learning_rate" + (f" {self.hint}" if self.hint else "")
        raise TrainingDivergedError(
            f"{self.name}: training diverged in epoch {epoch + 1} of "
            f"{loop.max_epochs}: the {what} is {value:.4g}; {advice}."
        )

    def on_epoch_end(self, loop, log):
        for key in ("train_loss", *loop.metric_names, self.monitor):
            if not math.isfinite(log[key]):
                self._raise(loop, log["epoch"], self._label(key), log[key])

    def on_train_end(self, loop):
        if not loop.history:
            return
        first, log = loop.initial_loss, loop.history[-1]
        last = log[self.monitor]
        if last > first + self.factor * max(abs(first), self.floor):
            self._raise(
                loop,
                log["epoch"],
                f"{self._label(self.monitor)} (it started at {first:.4g})",
                last,
            )
