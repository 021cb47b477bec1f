"""The forward-solver-free ELBO of a window (amortised reparametrisation).

For a Gaussian posterior process ``q`` with mean ``m(t)`` and variance ``v``
(constant in time here: the encoder's variance is a learned constant, so
``d log v / dt = 0``) and the prior SDE ``dz = f(z) dt + sigma dW``, the
path-space KL divergence is (Course & Nair 2023, eq. 9)

    KL = int_window  E_{z ~ q(t)} 1/2 sum_d r_d^2 / sigma_d^2  dt,
    r  = dm/dt - f(z) + A (m - z),     A = 1/2 (sigma^2 / v - d log v / dt),

evaluated by Monte Carlo at random quadrature times: no SDE is ever
integrated. The ELBO of a window of ``W`` snapshots is

    sum_k E_q log p(x_k | z_k)  -  beta * KL,

returned here per snapshot (divided by ``W``), so that it does not depend on
the window length. Known inputs, given at the snapshots, enter the drift at
the quadrature times by linear interpolation between the two snapshots
around each time (the same interpolation ``sample`` uses at its
integrator's drift evaluations). The network parameters are point estimates without a
prior (as in the authors' Burgers experiments), so no parameter-prior term
appears; neither does the KL of the initial state, which has no prior either.
"""

import math

import torch

__all__ = ["window_elbo", "inputs_at"]


def inputs_at(u, tau):
    """Inputs (B, W, n_inputs) at snapshots 0..W-1, linearly interpolated at tau (B, Q)."""
    W = u.shape[1]
    left = tau.detach().floor().long().clamp(0, W - 2)
    frac = (tau - left.to(tau.dtype)).unsqueeze(-1)
    rows = torch.arange(u.shape[0], device=u.device)[:, None]
    u0, u1 = u[rows, left], u[rows, left + 1]
    return u0 + frac * (u1 - u0)


def window_elbo(autoencoder, gp, sde, x, tau_quad, eps_obs, eps_quad, beta=1.0, u=None):
    """ELBO per snapshot of a batch of windows, and its two terms.

    Parameters
    ----------
    autoencoder : FieldAutoencoder
    gp : DeepKernelGP
    sde : LocalDriftSDE
    x : Tensor of shape (B, W, n_grid)
        Normalised fine fields.
    tau_quad : Tensor of shape (B, Q)
        Quadrature times in [0, W - 1].
    eps_obs : Tensor of shape (B, W, n_latent)
        Standard normal draws for the reconstruction samples.
    eps_quad : Tensor of shape (B, Q, n_latent)
        Standard normal draws for the drift-residual samples.
    beta : float
        Weight of the KL term (warm-up).
    u : Tensor of shape (B, W, n_inputs) or None
        Standardised known inputs at the snapshots, for a model with inputs.

    Returns
    -------
    elbo, log_lik, kl : Tensor (scalar)
        Batch means per snapshot; ``elbo = log_lik - beta * kl``.
    """
    B, W, _ = x.shape
    codes = autoencoder.encode(x)
    alpha, phi_nodes = gp.fit_window(codes)
    var = autoencoder.enc_var
    std = var.sqrt()

    # reconstruction at the data times
    tau_obs = torch.arange(W, dtype=x.dtype, device=x.device).expand(B, W)
    z_obs = gp.mean(alpha, phi_nodes, tau_obs) + std * eps_obs
    x_mean, x_var = autoencoder.decode(z_obs)
    log_lik = -0.5 * (
        ((x - x_mean) ** 2) / x_var + torch.log(x_var) + math.log(2 * math.pi)
    ).sum(-1)
    log_lik = log_lik.mean()

    # drift residual at the quadrature times
    m, dm = gp.mean_and_derivative(alpha, phi_nodes, tau_quad)
    z = m + std * eps_quad
    sigma2 = sde.diffusion**2
    A = 0.5 * sigma2 / var
    drift = sde.drift(z) if u is None else sde.drift(z, inputs_at(u, tau_quad))
    r = dm - drift + A * (m - z)
    integrand = 0.5 * (r**2 / sigma2).sum(-1)
    kl = integrand.mean() * (W - 1) / W
    return log_lik - beta * kl, log_lik, kl
