"""Neural-ODE vector field on delay vectors, and its training by trajectory matching.

The field is ``dz/dt = (g_theta(q(z)) - (z - q(z))) / T`` with ``g_theta`` an
MLP, ``T`` the decorrelation time of the series (so that the network works
with O(1) outputs whatever the time units of the data) and
``q(z) = R tanh(z / R)`` a squashing of the input beyond the training range
(``R`` is 1.5 times the largest standardised value seen in training): inside
that range ``q(z) ~ z`` and the field is the network's, outside it the network
sees bounded inputs and the linear term ``-(z - q(z))/T`` pulls the state back,
so no rollout can run away however the network extrapolates. In the coupled
variant only the newest block is learned, ``g_1 = g_theta(q(z))``, and every
older block follows the one before it, ``g_i = z_{i-1}`` (Del Felice &
Giorgini 2025).

Training follows the authors: short windows of the embedded series are cut at
random places, each is integrated from its first delay vector with a fixed-step
RK4 (``torchdiffeq.odeint``, one step per sampling interval) and compared with
the data along the window, with weights decaying along it so that the first
steps, which a chaotic signal can be expected to follow, count most. Adam's
learning rate decays along a cosine to 1/100 of its initial value.
"""

import numpy as np
import torch
from torch import nn
from torchdiffeq import odeint

from .._torch import LRSchedule, make_mlp, train

__all__ = [
    "DelayVectorField",
    "window_weights",
    "train_trajectory_matching",
    "torch_rollout",
]


class DelayVectorField(nn.Module):
    """``dz/dt`` for a delay vector of ``n_delays`` blocks of ``n_block`` values."""

    def __init__(
        self,
        n_block,
        n_delays,
        hidden_layers,
        activation,
        coupled,
        time_scale,
        radius,
        symmetric=False,
    ):
        super().__init__()
        self.n_block = int(n_block)
        self.n_state = int(n_block) * int(n_delays)
        self.coupled = bool(coupled)
        self.symmetric = bool(symmetric)
        self.time_scale = float(time_scale)
        self.radius = float(radius)
        n_out = self.n_block if self.coupled else self.n_state
        self.mlp = make_mlp(self.n_state, hidden_layers, n_out, activation=activation)

    def forward(self, t, z):
        squashed = self.radius * torch.tanh(z / self.radius)
        g = self.mlp(squashed)
        if self.symmetric:
            g = 0.5 * (g - self.mlp(-squashed))
        if self.coupled:
            g = torch.cat([g, z[..., : self.n_state - self.n_block]], dim=-1)
        return (g - (z - squashed)) / self.time_scale


def window_weights(window, decay):
    """Weights ``exp(-decay * k / window)``, ``k = 1..window``, summing to one."""
    k = np.arange(1, window + 1, dtype=np.float64)
    w = np.exp(-decay * k / window)
    return w / w.sum()


def torch_rollout(field, z0, n_steps, dt):
    """Fixed-step RK4 (torchdiffeq's 3/8 rule) rollout: ``(n_steps, n, n_state)``."""
    t = torch.arange(n_steps, dtype=z0.dtype, device=z0.device) * dt
    return odeint(field, z0, t, method="rk4")


def train_trajectory_matching(
    field,
    Z,
    *,
    window,
    weights,
    n_windows,
    max_epochs,
    batch_size,
    learning_rate,
    dt,
    rng,
    device,
    verbose=0,
    name="DelayNODEForcing",
    dtype=torch.float64,
):
    """Fit ``field`` to the embedded series ``Z`` and return the per-epoch history.

    Parameters
    ----------
    field : DelayVectorField
    Z : ndarray of shape (n_trajectories, n_valid, n_state)
        Standardised delay vectors.
    window : int
        Steps per training window.
    weights : ndarray of shape (window,)
        Loss weight of each step along the window.
    n_windows : int
        Windows drawn (once) per fit; each epoch visits all of them.
    rng : numpy.random.Generator
        Draws the windows and the order in which they are visited.
    verbose : int, default=0
        A progress bar over the epochs when > 0.
    name : str, default="DelayNODEForcing"
        The estimator, for the progress bar and error messages.
    dtype : torch.dtype, default=torch.float64
        Precision of the training; ``field`` is cast to it, and back to
        float64 afterwards (the numba export is float64).

    Returns
    -------
    history : list of dict
        One entry per epoch: ``{"epoch", "loss"}`` (weighted MSE, standardised units).

    Raises
    ------
    skrom.exceptions.TrainingDivergedError
        When the loss becomes non-finite or blows up.
    """
    n_traj, n_valid, _ = Z.shape
    n_starts = n_valid - window
    traj = rng.integers(0, n_traj, size=n_windows)
    start = rng.integers(0, n_starts, size=n_windows)
    offsets = np.arange(window + 1)
    n_fit = field.n_block if field.coupled else field.n_state

    Z_t = torch.as_tensor(Z, dtype=dtype, device=device)
    w_t = torch.as_tensor(weights, dtype=dtype, device=device)[:, None, None]
    t_grid = torch.arange(window + 1, dtype=dtype, device=device) * dt
    n_batches = -(-n_windows // batch_size)

    def batches(epoch):
        order = rng.permutation(n_windows)
        for b in range(0, n_windows, batch_size):
            sel = order[b : b + batch_size]
            yield sel, len(sel)

    def window_loss(sel):
        rows = torch.as_tensor(traj[sel], device=device)[:, None]
        cols = torch.as_tensor(start[sel][:, None] + offsets, device=device)
        seg = Z_t[rows, cols]  # (B, window + 1, n_state)
        target = seg[:, 1:, :n_fit].transpose(0, 1)  # (window, B, n_fit)
        pred = odeint(field, seg[:, 0], t_grid, method="rk4")[1:, :, :n_fit]
        return (w_t * (pred - target) ** 2).sum(dim=0).mean()

    # cosine decay to 1/100 of the rate: the late, small steps settle the
    # field near a minimum instead of rattling around it
    schedule = LRSchedule(
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(
            opt, T_max=max_epochs * n_batches, eta_min=learning_rate / 100.0
        ),
        every="step",
    )
    log = train(
        field,
        window_loss,
        batches,
        max_epochs=max_epochs,
        learning_rate=learning_rate,
        callbacks=[schedule],
        name=name,
        divergence_hint="or window",
        verbose=verbose,
        device=device,
        dtype=dtype,
    )
    field.to(torch.float64)
    return [{"epoch": e["epoch"] + 1, "loss": e["train_loss"]} for e in log]
