"""Numba kernel that spreads samples onto an equally spaced grid."""

import numba
import numpy as np

__all__ = ["linear_binning"]


@numba.njit(cache=True)
def linear_binning(samples, start, delta, n_points):
    """Linear-binning weights of ``samples`` on ``start + delta * arange(n_points)``.

    Each sample inside the grid gives weight ``1 - w`` to the grid point on
    its left and ``w`` to the one on its right, ``w`` being its fractional
    position between them; samples outside the grid are ignored. One pass,
    no temporaries.
    """
    weights = np.zeros(n_points)
    last = n_points - 1
    inv = 1.0 / delta
    for k in range(samples.size):
        u = (samples[k] - start) * inv
        if u < 0.0 or u > last:
            continue
        left = int(u)
        if left >= last:
            left = last - 1
        w = u - left
        weights[left] += 1.0 - w
        weights[left + 1] += w
    return weights
