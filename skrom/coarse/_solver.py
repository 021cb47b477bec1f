"""The prediction-time SDE solvers (never used in training).

Fixed steps on the latent state, ``n_substeps`` per output interval: explicit
Euler-Maruyama, or the stochastic Heun scheme (the trapezoidal predictor-
corrector). The latent noise of the model is additive (a constant diagonal
diffusion), for which Heun is of weak order two and Euler of one (both of
strong order one). What matters more here is how they treat oscillations:
Euler multiplies the amplitude of a mode of frequency w by
(1 + w^2 h^2)^(1/2) per step, Heun by (1 + w^4 h^4 / 4)^(1/2), so shed
vortices and advected fronts do not gain energy at a few sub-steps per
snapshot.

Brownian increments come from a NumPy Generator, drawn the same way by both
schemes, so that a given ``random_state`` reproduces a prediction exactly on any
machine and drives the same noise through either scheme. Known inputs, given at
the output times, are interpolated linearly to each drift evaluation's time.
"""

import numpy as np
import torch

__all__ = ["SCHEMES", "integrate"]

SCHEMES = ("euler", "heun")


@torch.no_grad()
def integrate(
    drift, diffusion, z0, n_steps, n_substeps, rng, inputs=None, scheme="euler"
):
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
    scheme : {"euler", "heun"}
        Euler-Maruyama (one drift evaluation per sub-step) or stochastic Heun
        (two).

    Returns
    -------
    Z : Tensor of shape (n_paths, n_steps, d)
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}.")
    n_paths, d = z0.shape
    h = 1.0 / n_substeps
    out = torch.empty(n_paths, n_steps, d, dtype=z0.dtype)
    z = z0.clone()
    out[:, 0] = z
    scale = diffusion * np.sqrt(h)
    heun = scheme == "heun"

    def f(z, u):
        return drift(z) if u is None else drift(z, u)

    u0 = du = None
    for k in range(1, n_steps):
        noise = torch.as_tensor(
            rng.standard_normal((n_substeps, n_paths, d)), dtype=z0.dtype
        )
        if inputs is not None:
            u0, du = inputs[:, k - 1], inputs[:, k] - inputs[:, k - 1]
        for j in range(n_substeps):
            kick = scale * noise[j]
            start = end = None
            if inputs is not None:
                start, end = u0 + (j * h) * du, u0 + ((j + 1) * h) * du
            k1 = f(z, start)
            if not heun:
                z = z + h * k1 + kick
                continue
            k2 = f(z + h * k1 + kick, end)
            z = z + (0.5 * h) * (k1 + k2) + kick
        out[:, k] = z
    return out
