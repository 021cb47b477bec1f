"""Weighted least-squares fit of a small torch MLP to per-cluster score estimates.

KGMM gives a noisy score estimate at each cluster centre; a smooth network
through them (weighted by how many samples each centre averages) turns the
cloud of estimates into a score function defined everywhere.
"""

import contextlib

import numpy as np
import torch

from .._torch import make_mlp, to_tensor, torch_seed

__all__ = ["fit_weighted_mlp", "mlp_predict", "mlp_diagonal_jacobian", "mlp_divergence"]


@contextlib.contextmanager
def single_thread():
    """Run torch on one thread for the block.

    The networks here are small, so one thread costs little, and it makes
    fits and predictions bit-identical whatever torch's thread count (a
    multi-threaded reduction may round differently).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


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
    progress=None,
):
    """Fit ``module(inputs) ~ targets`` minimising the weighted mean squared error.

    Two stages: ``max_epochs`` epochs of Adam (learning rate decayed by a
    cosine to 1/100 of its start), which finds the region of a good fit, then
    up to ``lbfgs_iter`` full-batch L-BFGS iterations (strong Wolfe line
    search), which converge much faster than Adam on such small, smooth
    least-squares problems (a few hundred points): on the score of a
    tristable density the polish reaches the noise level of the cluster
    estimates where 3000 Adam epochs stay above it. Either stage stops as
    soon as the weighted mean squared error falls to ``noise_mse``, the
    expected squared error of the targets themselves (Morozov's discrepancy
    principle): fitting further would fit their noise. Targets are rescaled to
    unit root-mean-square during training and the output layer absorbs the
    scale, so the returned module predicts ``targets`` directly.

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
    progress : callable or None
        Called with ``(stage, loss)`` after every Adam epoch and at the end.

    Returns
    -------
    module : torch.nn.Sequential
        float64 module on the CPU, in eval mode.
    history : list of float
        Weighted mean squared error (in target units) after every Adam
        epoch, then after the L-BFGS stage.
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

    with torch_seed(random_state), single_thread():
        module = make_mlp(
            n_in,
            tuple(hidden_layers),
            n_out,
            activation=activation,
            dtype=torch.float32,
        )
        if max_epochs > 0:
            optimiser = torch.optim.Adam(module.parameters(), lr=learning_rate)
            full = batch_size is None or batch_size >= n
            steps_per_epoch = 1 if full else -(-n // batch_size)
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                optimiser,
                T_max=max(1, max_epochs * steps_per_epoch),
                eta_min=learning_rate / 100.0,
            )
            generator = torch.Generator().manual_seed(int(torch.initial_seed() % 2**63))
            for _ in range(max_epochs):
                if full:
                    batches = [slice(None)]
                else:
                    perm = torch.randperm(n, generator=generator)
                    batches = [
                        perm[i : i + batch_size] for i in range(0, n, batch_size)
                    ]
                total = 0.0
                for b in batches:
                    optimiser.zero_grad()
                    loss = loss_on(b)
                    loss.backward()
                    optimiser.step()
                    scheduler.step()
                    total += float(loss.detach()) * (n if full else len(b))
                history.append(total / n * to_units)
                if progress is not None:
                    progress("adam", history[-1])
                if history[-1] <= noise_mse:
                    break
        module = module.to(torch.float64)
        if lbfgs_iter > 0 and not (history and history[-1] <= noise_mse):
            chunk = min(lbfgs_iter, 25)
            lbfgs = torch.optim.LBFGS(
                module.parameters(),
                lr=1.0,
                max_iter=chunk,
                history_size=50,
                line_search_fn="strong_wolfe",
                tolerance_grad=1e-12,
                tolerance_change=1e-15,
            )

            def closure():
                lbfgs.zero_grad()
                loss = loss_on(slice(None))
                loss.backward()
                return loss

            # in chunks (L-BFGS keeps its curvature history between calls)
            # so that the discrepancy principle can stop it
            for _ in range(-(-lbfgs_iter // chunk)):
                lbfgs.step(closure)
                with torch.no_grad():
                    current = float(loss_on(slice(None))) * to_units
                if current <= noise_mse:
                    break
            history.append(current)
            if progress is not None:
                progress("lbfgs", history[-1])
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
    with torch.no_grad(), single_thread():
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
