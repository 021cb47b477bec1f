"""Weighted least-squares fit of a small torch MLP to per-cluster score estimates.

KGMM gives a noisy score estimate at each cluster centre; a smooth network
through them (weighted by how many samples each centre averages) turns the
cloud of estimates into a score function defined everywhere.
"""

import functools

import numpy as np
import torch

from .._torch import (
    LRSchedule,
    StopAtTarget,
    make_mlp,
    to_tensor,
    torch_seed,
    torch_threads,
    train,
)

__all__ = ["fit_weighted_mlp", "mlp_predict", "mlp_diagonal_jacobian", "mlp_divergence"]

# L-BFGS iterations between two checks of the discrepancy principle (it
# keeps its curvature history from one call to the next)
_LBFGS_CHUNK = 25


def fit_weighted_mlp(
    inputs,
    targets,
    weights,
    *,
    hidden_layers,
    activation,
    max_epochs,
    batch_size,
    learning_rate,
    lbfgs_iter,
    random_state,
    noise_mse=0.0,
    verbose=0,
    name="KGMMScore",
):
    """Fit ``module(inputs) ~ targets`` minimising the weighted mean squared error.

    Two stages, two runs of the training loop (:func:`skrom._torch.train`):
    ``max_epochs`` epochs of Adam (learning rate decayed by a cosine, step
    by step, to 1/100 of its start), which finds the region of a good fit,
    then up to ``lbfgs_iter`` full-batch L-BFGS iterations (strong Wolfe
    line search, in epochs of 25 iterations), which converge much faster
    than Adam on such small, smooth least-squares problems (a few hundred
    points): on the score of a tristable density the polish reaches the
    noise level of the cluster estimates where 3000 Adam epochs stay above
    it. Either stage stops as soon as the weighted mean squared error falls
    to ``noise_mse``, the expected squared error of the targets themselves
    (Morozov's discrepancy principle): fitting further would fit their
    noise. Targets are rescaled to unit root-mean-square during training
    and the output layer absorbs the scale, so the returned module predicts
    ``targets`` directly.

    Parameters
    ----------
    inputs : ndarray of shape (n_points, n_in)
    targets : ndarray of shape (n_points, n_out)
    weights : ndarray of shape (n_points,)
        Non-negative weights (cluster counts); normalised internally.
    hidden_layers : tuple of int
    activation : str
    max_epochs : int
        Adam passes over the points (0: none).
    batch_size : int or None
        Points per Adam step; None means all points (full batch).
    learning_rate : float
    lbfgs_iter : int
        Most L-BFGS iterations after Adam (0: none).
    random_state : None, int or SeedSequence
        Seeds the initial weights and the batch order.
    noise_mse : float, default=0.0
        Expected weighted mean squared error of the targets (per output).
    verbose : int, default=0
        A progress bar per stage when > 0.
    name : str, default="KGMMScore"
        The estimator, for the progress bars and error messages.

    Returns
    -------
    module : torch.nn.Sequential
        float64 module on the CPU, in eval mode.
    history : list of float
        Weighted mean squared error (in target units) after every Adam
        epoch, then after the L-BFGS stage.

    Raises
    ------
    skrom.exceptions.TrainingDivergedError
        When a stage's loss becomes non-finite or blows up.
    """
    n, n_in = inputs.shape
    n_out = targets.shape[1]
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    y_scale = float(np.sqrt(np.sum(w[:, None] * targets**2) / n_out))
    if not y_scale > 0.0:
        y_scale = 1.0
    # Adam runs in float32 (about twice as fast on a CPU, and its noisy steps
    # gain nothing from float64); L-BFGS and the returned module are float64
    data = {
        dtype: (
            to_tensor(inputs, dtype=dtype),
            to_tensor(targets / y_scale, dtype=dtype),
            to_tensor(w * n, dtype=dtype),
        )
        for dtype in (torch.float32, torch.float64)
    }
    to_units = y_scale**2 / n_out
    history = []

    def loss_on(b):
        X, Y, W = data[module[0].weight.dtype]
        err = ((module(X[b]) - Y[b]) ** 2).sum(dim=1)
        return (W[b] * err).mean()

    def reached_noise_level():
        return bool(history) and history[-1] <= noise_mse

    with torch_seed(random_state), torch_threads(1):
        module = make_mlp(
            n_in,
            tuple(hidden_layers),
            n_out,
            activation=activation,
            dtype=torch.float32,
        )
        if max_epochs > 0:
            full = batch_size is None or batch_size >= n
            steps_per_epoch = 1 if full else -(-n // batch_size)
            generator = torch.Generator().manual_seed(int(torch.initial_seed() % 2**63))

            def batches(epoch):
                if full:
                    return [(slice(None), n)]
                perm = torch.randperm(n, generator=generator)
                return [
                    (b, len(b))
                    for b in (perm[i : i + batch_size] for i in range(0, n, batch_size))
                ]

            schedule = LRSchedule(
                lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(
                    opt,
                    T_max=max(1, max_epochs * steps_per_epoch),
                    eta_min=learning_rate / 100.0,
                ),
                every="step",
            )
            log = train(
                module,
                loss_on,
                batches,
                max_epochs=max_epochs,
                learning_rate=learning_rate,
                callbacks=[schedule, StopAtTarget("train_loss", noise_mse)],
                loss_unit=to_units,
                name=f"{name} interpolator (Adam)",
                verbose=verbose,
            )
            history += [entry["train_loss"] for entry in log]
        module = module.to(torch.float64)
        if lbfgs_iter > 0 and not reached_noise_level():
            chunk = min(lbfgs_iter, _LBFGS_CHUNK)
            lbfgs = functools.partial(
                torch.optim.LBFGS,
                max_iter=chunk,
                history_size=50,
                line_search_fn="strong_wolfe",
                tolerance_grad=1e-12,
                tolerance_change=1e-15,
            )
            log = train(
                module,
                loss_on,
                lambda epoch: [(slice(None), n)],
                max_epochs=-(-lbfgs_iter // chunk),
                learning_rate=1.0,
                optimizer=lbfgs,
                callbacks=[StopAtTarget("eval_loss", noise_mse)],
                evaluate=lambda: float(loss_on(slice(None))) * to_units,
                monitor="eval_loss",
                loss_unit=to_units,
                name=f"{name} interpolator (L-BFGS)",
                verbose=verbose,
            )
            history.append(log[-1]["eval_loss"])
    with torch.no_grad():
        last = module[-1]
        last.weight.mul_(y_scale)
        last.bias.mul_(y_scale)
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module, history


def mlp_predict(module, inputs, chunk=65536):
    """Module output at the rows of ``inputs`` as a float64 ndarray."""
    out = np.empty((inputs.shape[0], module[-1].out_features))
    with torch.no_grad(), torch_threads(1):
        for i in range(0, inputs.shape[0], chunk):
            out[i : i + chunk] = module(to_tensor(inputs[i : i + chunk])).numpy()
    return out


def mlp_diagonal_jacobian(module, inputs, chunk=65536):
    """Diagonal ``d out_k / d in_k`` of the module's Jacobian at every row.

    The module maps n features to n outputs; each diagonal entry is one
    backward pass of output ``k`` (rows are independent, so the gradient of
    the summed output ``k`` is row ``i``'s derivative).
    """
    n, d = inputs.shape
    diag = np.empty((n, d))
    for i in range(0, n, chunk):
        x = to_tensor(inputs[i : i + chunk]).requires_grad_(True)
        with torch.enable_grad():
            y = module(x)
            for k in range(d):
                (g,) = torch.autograd.grad(y[:, k].sum(), x, retain_graph=k < d - 1)
                diag[i : i + chunk, k] = g[:, k].detach().numpy()
    return diag


def mlp_divergence(module, inputs, chunk=65536):
    """Divergence (trace of the Jacobian) of the module at every row."""
    return mlp_diagonal_jacobian(module, inputs, chunk).sum(axis=1)
