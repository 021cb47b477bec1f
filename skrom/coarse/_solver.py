"""The prediction-time SDE solver (never used in training).

Euler-Maruyama on the latent state with ``n_substeps`` steps per output
interval; Brownian increments come from a NumPy Generator so that a given
``random_state`` reproduces a prediction exactly on any machine. Known
inputs, given at the output times, are interpolated linearly to the start of
each sub-step.
"""

import numpy as np
import torch

__all__ = ["euler_maruyama"]


@torch.no_grad()
def euler_maruyama(drift, diffusion, z0, n_steps, n_substeps, rng, inputs=None):
    """Integrate ``dz = drift(z, u) dt + diag(diffusion) dW`` with unit output interval.

    Parameters
    ----------
    drift : callable
        Tensor (n_paths, d) -> Tensor (n_paths, d); with inputs, called as
        ``drift(z, u)`` with ``u`` of shape (n_paths, n_inputs).
    diffusion : Tensor of shape (d,)
    z0 : Tensor of shape (n_paths, d)
    n_steps : int
        Number of output times including ``z0``.
    n_substeps : int
    rng : numpy.random.Generator
    inputs : Tensor of shape (n_paths, n_steps, n_inputs), optional
        The inputs at the output times.

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
        if inputs is None:
            for j in range(n_substeps):
                z = z + h * drift(z) + scale * noise[j]
        else:
            u0, du = inputs[:, k - 1], inputs[:, k] - inputs[:, k - 1]
            for j in range(n_substeps):
                z = z + h * drift(z, u0 + (j * h) * du) + scale * noise[j]
        out[:, k] = z
    return out
