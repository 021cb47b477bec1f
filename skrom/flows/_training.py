"""Maximum-likelihood training of a conditional flow on standardised pairs.

Adam on large shuffled mini-batches, with the learning rate decayed along a
cosine from its initial value to a thousandth of it over ``max_epochs``; the
weights with the lowest validation loss are kept, and training stops early
once the validation loss has not improved for ``patience`` epochs. The small
late steps average out the mini-batch noise in the learned conditional mean,
to which long-horizon statistics are far more sensitive than to the last
digits of the loss.
"""

import numpy as np
import torch

from .._torch import EarlyStopping, LRSchedule, train

__all__ = ["train_conditional_flow"]

_FINAL_LR_FRACTION = 1e-3
# any improvement of the validation loss resets the patience counter: late in
# the cosine schedule gains are small but real
_MIN_DELTA = 0.0


def _mean_nll(flow, cond, target, batch_size):
    """Mean negative log-likelihood over all rows, evaluated in chunks."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, cond.shape[0], batch_size):
            c = cond[start : start + batch_size]
            y = target[start : start + batch_size]
            total += float(-flow(c).log_prob(y).sum())
    return total / cond.shape[0]


def train_conditional_flow(
    flow,
    cond,
    target,
    *,
    max_epochs,
    batch_size,
    learning_rate,
    validation_fraction,
    patience,
    rng,
    device,
    verbose=0,
    log_scale=0.0,
):
    """Fit ``flow`` so that ``flow(cond).log_prob(target)`` is maximal.

    Parameters
    ----------
    flow : zuko.flows.Flow
        Conditional flow, built on the CPU; trained on ``device`` and returned
        on the CPU with the best weights (lowest validation loss).
    cond, target : ndarray of shape (n_pairs, n_features)
        Standardised conditioning states and targets.
    max_epochs, batch_size, patience : int
    learning_rate, validation_fraction : float
    rng : numpy.random.Generator
        Draws the validation split and the mini-batch order.
    device : torch.device
    verbose : int
        A progress bar over the epochs when > 0.
    log_scale : float or ndarray of shape (n_pairs,)
        Log-Jacobian of the standardisation (``log |det|`` of the map from
        target to data units), subtracted from the log-likelihoods reported
        in the history so they are in data units; per pair when the scale
        depends on the state, then averaged over the monitored pairs.

    Returns
    -------
    history : dict of lists
        Per epoch: ``epoch``, ``train_loss`` and ``val_loss`` (mean negative
        log-likelihood of the standardised targets; ``val_loss`` is NaN
        without a validation split), ``val_log_likelihood`` (mean conditional
        log-likelihood in data units) and ``learning_rate``.

    Raises
    ------
    skrom.exceptions.TrainingDivergedError
        When the monitored loss becomes non-finite or blows up.
    """
    dtype = next(flow.parameters()).dtype
    n_pairs = cond.shape[0]
    order = rng.permutation(n_pairs)
    n_val = 0
    if validation_fraction > 0:
        n_val = min(max(1, int(round(validation_fraction * n_pairs))), n_pairs - 1)
    val_idx, train_idx = order[:n_val], order[n_val:]
    if np.ndim(log_scale):
        # the monitored loss is a mean over the validation pairs (or the
        # training pairs without a split), so is its log-Jacobian
        log_scale = float(np.mean(log_scale[val_idx if n_val else train_idx]))

    def put(a):
        return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype, device=device)

    c_train, y_train = put(cond[train_idx]), put(target[train_idx])
    c_val, y_val = put(cond[val_idx]), put(target[val_idx])
    n_train = c_train.shape[0]
    batch_size = min(batch_size, n_train)

    def batches(epoch):
        perm = torch.as_tensor(rng.permutation(n_train), device=device)
        for start in range(0, n_train, batch_size):
            idx = perm[start : start + batch_size]
            yield idx, idx.shape[0]

    def batch_nll(idx):
        return -flow(c_train[idx]).log_prob(y_train[idx]).mean()

    monitor = "eval_loss" if n_val else "train_loss"
    callbacks = [
        # the weights with the lowest monitored loss are kept; without a
        # validation split there is nothing to stop on
        EarlyStopping(
            monitor, patience=patience if n_val else None, min_delta=_MIN_DELTA
        ),
        # cosine decay to a thousandth of the initial rate over max_epochs:
        # the late small-step epochs average out mini-batch noise in the
        # conditional mean, which long-horizon statistics are most sensitive to
        LRSchedule(
            lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(
                opt, T_max=max_epochs, eta_min=learning_rate * _FINAL_LR_FRACTION
            ),
            every="epoch",
        ),
    ]
    log = train(
        flow,
        batch_nll,
        batches,
        max_epochs=max_epochs,
        learning_rate=learning_rate,
        callbacks=callbacks,
        evaluate=(lambda: _mean_nll(flow, c_val, y_val, 65536)) if n_val else None,
        monitor=monitor,
        name="SFMLFlow",
        divergence_hint="or check the data scale",
        verbose=verbose,
        device=device,
    )
    flow.eval()
    val_loss = [e["eval_loss"] if n_val else np.nan for e in log]
    return {
        "epoch": [e["epoch"] for e in log],
        "train_loss": [e["train_loss"] for e in log],
        "val_loss": val_loss,
        "val_log_likelihood": [-v - log_scale for v in val_loss],
        "learning_rate": [e["lr"] for e in log],
    }
