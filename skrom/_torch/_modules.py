"""Building blocks of the torch models: MLPs and NumPy-to-tensor copies."""

import numpy as np
import torch
from torch import nn

__all__ = ["ACTIVATIONS", "make_mlp", "to_tensor"]

ACTIVATIONS = {
    "swish": nn.SiLU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "softplus": nn.Softplus,
}


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
