"""The one training loop of skrom's torch estimators.

An estimator supplies what is its own -- the loss of one batch (``step``),
the batches of an epoch (``batches``) and optionally a loss evaluated after
each epoch (``evaluate``, a held-out loss for instance) -- and the loop
supplies the rest: the optimizer, the device, the thread count, the
accumulation of the epoch's losses, the divergence check, a progress bar and
the optional parts (learning-rate schedule, gradient clipping, early
stopping; see :mod:`skrom._torch._callbacks`).

Seeding is left to the caller: the seed must cover the module's
initialisation as well, which happens before training, so the estimator
wraps both in :func:`~skrom._torch.torch_seed`.

Cost per step: the step losses are kept on the device, detached, and read
back once per epoch; there is no host synchronisation inside an epoch. The
epoch's mean loss is then summed in float64 on the host in step order, which
is exactly what a running ``total += float(loss) * weight`` gave.
"""

import torch

from ._callbacks import Callback, DivergenceCheck, ProgressBar
from ._device import torch_threads

__all__ = ["TrainingLoop", "train"]


def _overrides(callback, hook):
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class TrainingLoop:
    """State of one training, as the callbacks see it.

    Attributes
    ----------
    module : torch.nn.Module
    params : list of torch.nn.Parameter
        What the optimizer updates: ``module``'s parameters.
    optimizer : torch.optim.Optimizer
    max_epochs : int
    metric_names : tuple of str
    history : list of dict
        One log per finished epoch (see :func:`train`).
    initial_loss : float or None
        Loss of the very first step (in ``loss_unit``), once known.
    stop_training : bool
        Set by a callback to end training after the current epoch.

    Parameters are those of :func:`train`, which builds the loop.
    """

    def __init__(
        self,
        module,
        step,
        batches,
        *,
        optimizer,
        learning_rate,
        callbacks,
        max_epochs,
        evaluate,
        loss_unit,
        metric_names,
    ):
        self.module = module
        self.step = step
        self.batches = batches
        self.params = list(module.parameters())
        self.optimizer = optimizer(self.params, lr=learning_rate)
        self.callbacks = list(callbacks)
        self.max_epochs = int(max_epochs)
        self.evaluate = evaluate
        self.loss_unit = loss_unit
        self.metric_names = tuple(metric_names)
        self.history = []
        self.initial_loss = None
        self.stop_training = False
        self._batch = None
        self._metrics = None
        self._after_backward = [
            cb for cb in self.callbacks if _overrides(cb, "on_after_backward")
        ]
        self._step_end = [cb for cb in self.callbacks if _overrides(cb, "on_step_end")]
        # L-BFGS evaluates the loss itself, as often as its line search needs;
        # the others take one evaluation, made here (cheaper than their
        # closure path, which enters a grad-mode context per step)
        self._needs_closure = isinstance(self.optimizer, torch.optim.LBFGS)

    def _closure(self):
        self.optimizer.zero_grad()
        out = self.step(self._batch)
        if isinstance(out, tuple):
            loss, self._metrics = out
        else:
            loss = out
        loss.backward()
        for cb in self._after_backward:
            cb.on_after_backward(self)
        return loss

    def _run_epoch(self, epoch):
        losses, weights, metrics = [], [], []
        for batch, weight in self.batches(epoch):
            self._batch = batch
            if self._needs_closure:
                loss = self.optimizer.step(self._closure)
            else:
                loss = self._closure()
                self.optimizer.step()
            losses.append(loss.detach())
            weights.append(weight)
            if self.metric_names:
                metrics.append(self._metrics.detach())
            for cb in self._step_end:
                cb.on_step_end(self)
        if not losses:
            raise ValueError("the training loop got an epoch without batches.")
        # the one host synchronisation of the epoch
        values = torch.stack(losses).tolist()
        count = sum(weights)
        mean = _weighted_mean(values, weights, count)
        log = {"epoch": epoch, "train_loss": mean * self.loss_unit}
        if self.initial_loss is None:
            self.initial_loss = values[0] * self.loss_unit
        if self.metric_names:
            columns = torch.stack(metrics).T.tolist()
            for name, column in zip(self.metric_names, columns, strict=True):
                log[name] = _weighted_mean(column, weights, count)
        if self.evaluate is not None:
            self.module.eval()
            with torch.no_grad():
                log["eval_loss"] = float(self.evaluate())
            self.module.train()
        log["lr"] = self.optimizer.param_groups[0]["lr"]
        return log

    def run(self):
        try:
            for cb in self.callbacks:
                cb.on_train_begin(self)
            self.module.train()
            for epoch in range(self.max_epochs):
                log = self._run_epoch(epoch)
                self.history.append(log)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, log)
                if self.stop_training:
                    break
            for cb in self.callbacks:
                cb.on_train_end(self)
        finally:
            for cb in self.callbacks:
                cb.teardown(self)
        return self.history


def _weighted_mean(values, weights, count):
    # in step order, in float64, as a running total on the host would
    total = 0.0
    for value, weight in zip(values, weights, strict=True):
        total += value * weight
    return total / count


def train(
    module,
    step,
    batches,
    *,
    max_epochs,
    learning_rate,
    optimizer=torch.optim.Adam,
    callbacks=(),
    evaluate=None,
    monitor="train_loss",
    metric_names=(),
    loss_unit=1.0,
    name="model",
    divergence_hint=None,
    verbose=0,
    device=None,
    dtype=None,
    n_threads=None,
):
    """Train ``module`` by minimising ``step``'s loss over ``batches``.

    Per epoch: for each ``(batch, weight)`` of ``batches(epoch)``, one
    optimizer step on ``step(batch)``; then the epoch's log, the callbacks'
    ``on_epoch_end`` and, if one of them asked, the end of training.

    Parameters
    ----------
    module : torch.nn.Module
        Trained in place (in train mode during training).
    step : callable
        ``step(batch)`` returns the scalar loss tensor of one batch, or
        ``(loss, metrics)`` with ``metrics`` a 1-D tensor of further
        quantities to average over the epoch (named by ``metric_names``).
        With L-BFGS it is evaluated several times per step; the metrics are
        those of the last evaluation.
    batches : callable
        ``batches(epoch)`` returns an iterable of ``(batch, weight)``; the
        epoch's loss is the ``weight``-weighted mean of the step losses
        (weight: the rows in the batch, or 1). It is called at the start of
        each epoch, so it may draw the epoch's shuffle then.
    max_epochs : int
    learning_rate : float
    optimizer : callable, default=torch.optim.Adam
        ``optimizer(params, lr=learning_rate)`` returns the optimizer; a
        :func:`functools.partial` of a torch optimizer class sets the rest.
    callbacks : sequence of Callback
        Schedules, clipping, stopping rules, in the order their hooks run.
    evaluate : callable or None
        Called with no argument after each epoch's steps, with the module
        in eval mode and gradients off; its float is logged as
        ``eval_loss`` (a validation loss, or the loss at the epoch's final
        weights).
    monitor : str, default="train_loss"
        The log key the divergence check and the progress bar watch.
    metric_names : tuple of str
    loss_unit : float, default=1.0
        Factor from the step loss to the units of the logged
        ``train_loss`` (e.g. undoing a rescaling of the targets).
    name : str
        The estimator, for the progress bar and the divergence message.
    divergence_hint : str or None
        Advice after "lower learning_rate" in the divergence message.
    verbose : int, default=0
        A progress bar over the epochs when > 0.
    device : torch.device or None
        Move the module there for training and back to the CPU after; None
        leaves it where it is. ``step`` and ``evaluate`` must use tensors
        on the same device (build them once, before training: they stay
        resident across epochs).
    dtype : torch.dtype or None
        Cast the module to it before training (float32 is about twice as
        fast as float64 on a CPU); None leaves it as built. The step's
        tensors must match.
    n_threads : int or None
        Torch intra-op threads during training (joblib convention); None
        leaves torch's setting as it is.

    Returns
    -------
    history : list of dict
        One dict per epoch run: ``epoch`` (from 0), ``train_loss``, each
        metric, ``eval_loss`` (with ``evaluate``) and ``lr`` (the learning
        rate at the epoch's end, before an epoch-wise schedule moves it).

    Raises
    ------
    skrom.exceptions.TrainingDivergedError
        When the loss becomes non-finite or blows up; the criterion is
        :class:`~skrom._torch._callbacks.DivergenceCheck`'s.
    """
    if device is not None:
        module.to(device)
    if dtype is not None:
        module.to(dtype)
    parts = [DivergenceCheck(name, monitor=monitor, hint=divergence_hint)]
    parts += list(callbacks)
    if verbose > 0:
        parts.append(ProgressBar(name, monitor=monitor))
    loop = TrainingLoop(
        module,
        step,
        batches,
        optimizer=optimizer,
        learning_rate=learning_rate,
        callbacks=parts,
        max_epochs=max_epochs,
        evaluate=evaluate,
        loss_unit=loss_unit,
        metric_names=metric_names,
    )
    with torch_threads(n_threads):
        history = loop.run()
    if device is not None:
        module.to("cpu")
    return history
