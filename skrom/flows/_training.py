"""Maximum-likelihood training of a conditional flow on standardised pairs.

Adam on large shuffled mini-batches, with the learning rate decayed along a
cosine from its initial value to a thousandth of it over ``max_epochs``; the
weights with the lowest validation loss are kept, and training stops early
once the validation loss has not improved for ``patience`` epochs. The small
late steps average out the mini-batch noise in the learned conditional mean,
to which long-horizon statistics are far more sensitive than to the last
digits of the loss.
"""

import copy

import numpy as np
import torch
from tqdm.auto import tqdm

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
        A tqdm bar with the validation log-likelihood when > 0.
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

    flow.to(device)
    flow.train()
    optimizer = torch.optim.Adam(flow.parameters(), lr=learning_rate)
    # cosine decay to a thousandth of the initial rate over max_epochs: the
    # late small-step epochs average out mini-batch noise in the conditional
    # mean, which long-horizon statistics are most sensitive to
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=max_epochs, eta_min=learning_rate * _FINAL_LR_FRACTION
    )
    history = {
        "epoch": [],
        "train_loss": [],
        "val_loss": [],
        "val_log_likelihood": [],
        "learning_rate": [],
    }
    best_loss, best_state, since_best = np.inf, None, 0
    bar = tqdm(range(max_epochs), desc="SFMLFlow", disable=verbose <= 0, leave=False)
    for epoch in bar:
        perm = torch.as_tensor(rng.permutation(n_train), device=device)
        running, seen = 0.0, 0
        for start in range(0, n_train, batch_size):
            idx = perm[start : start + batch_size]
            loss = -flow(c_train[idx]).log_prob(y_train[idx]).mean()
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"SFMLFlow: the training loss became {float(loss)} at epoch "
                    f"{epoch}; lower learning_rate or check the data scale."
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            running += float(loss.detach()) * idx.shape[0]
            seen += idx.shape[0]
        train_loss = running / seen
        flow.eval()
        val_loss = _mean_nll(flow, c_val, y_val, 65536) if n_val else np.nan
        flow.train()
        monitored = val_loss if n_val else train_loss
        history["epoch"].append(epoch)
        history["train_loss"].append(train_loss)
        history["val_loss"].append(val_loss)
        history["val_log_likelihood"].append(-val_loss - log_scale)
        history["learning_rate"].append(optimizer.param_groups[0]["lr"])
        if verbose > 0:
            bar.set_postfix(
                val_loglik=f"{-val_loss - log_scale:.4f}",
                lr=f"{optimizer.param_groups[0]['lr']:.1e}",
            )
        if monitored < best_loss - _MIN_DELTA:
            since_best = 0
        else:
            since_best += 1
        if monitored < best_loss:
            best_loss = monitored
            best_state = copy.deepcopy(flow.state_dict())
        scheduler.step()
        if n_val and since_best >= patience:
            break
    bar.close()
    if best_state is not None:
        flow.load_state_dict(best_state)
    flow.to("cpu")
    flow.eval()
    return history
