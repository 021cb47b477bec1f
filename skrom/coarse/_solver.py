"""The prediction-time SDE solver (never used in training).

Euler-Maruyama on the latent state with ``n_substeps`` steps per output
interval; Brownian increments come from a NumPy Generator so that a given
``random_state`` reproduces a prediction exactly on any machine.
"""

import numpy as np
import torch

__all__ = ["euler_maruyama"]


@torch.no_grad()
def euler_maruyama(drift, diffusion, z0, n_steps, n_substeps, rng):
    """Integrate ``dz = drift(z) dt + diag(diffusion) dW`` with unit output interval.

    Parameters
    ----------
    drift : callable
        Tensor (n_paths, d) -> Tensor (n_paths, d).
    diffusion : Tensor of shape (d,)
    z0 : Tensor of shape (n_paths, d)
    n_steps : int
        Number of output times including ``z0``.
    n_substeps : int
    rng : numpy.random.Generator

    Returns
    -------
    Z : Tensor of shape (n_paths, n_steps, d)
    """
    n_paths, d = z0.shape
    h = 1.0 / n_substeps
    out = torch.empty(n_paths, n_steps, d, dtype=z0.dtype)
    z = z0.clone()
    out[:, 0] = z
    scale = diffusion * np.sqrt(h)
    for k in range(1, n_steps):
        noise = torch.as_tensor(
            rng.standard_normal((n_substeps, n_paths, d)), dtype=z0.dtype
        )
        for j in range(n_substeps):
            z = z + h * drift(z) + scale * noise[j]
        out[:, k] = z
    return out
