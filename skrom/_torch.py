"""What the torch estimators share: device choice, seeding and MLP building.

Estimators store their constructor arguments as given and build modules in
``fit`` (as skorch does), so ``clone`` works. After fitting, modules are kept
on the CPU: a model fitted on a GPU pickles and loads on a machine without one.
"""

import contextlib

import numpy as np
import torch
from torch import nn

from ._random import int_seed

__all__ = ["resolve_device", "torch_seed", "make_mlp", "ACTIVATIONS", "to_tensor"]

ACTIVATIONS = {
    "swish": nn.SiLU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "softplus": nn.Softplus,
}


def resolve_device(device):
    """Return a :class:`torch.device`, refusing CUDA where none is available."""
    if device is None:
        device = "cpu"
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device {device!r} is not a valid torch device: {exc}"
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for but CUDA is not available.")
    return dev


@contextlib.contextmanager
def torch_seed(random_state):
    """Seed torch's global generators from ``random_state`` for the block's duration.

    The previous CPU RNG state is restored afterwards so that fitting a skrom
    model does not perturb the user's own torch randomness.
    """
    seed = int_seed(random_state)
    cpu_state = torch.random.get_rng_state()
    cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    torch.manual_seed(seed)
    try:
        yield seed
    finally:
        torch.random.set_rng_state(cpu_state)
        if cuda_states is not None:
            torch.cuda.set_rng_state_all(cuda_states)


def make_mlp(n_in, hidden_layers, n_out, activation="swish", dtype=torch.float64):
    """A plain MLP ``n_in -> hidden_layers... -> n_out`` with a linear output."""
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}."
        )
    layers = []
    width = n_in
    for h in hidden_layers:
        layers += [nn.Linear(width, int(h), dtype=dtype), ACTIVATIONS[activation]()]
        width = int(h)
    layers.append(nn.Linear(width, n_out, dtype=dtype))
    return nn.Sequential(*layers)


def to_tensor(a, device="cpu", dtype=torch.float64):
    """Copy a NumPy array into a new tensor on ``device``."""
    return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype, device=device).clone()
