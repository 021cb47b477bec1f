"""Simulators of the benchmark systems (numba kernels, joblib ensembles).

Every ``make_*`` function returns a trajectory set of shape
``(n_trajectories, n_steps, n_features)`` holding the observed (slow)
variables, or with ``return_bunch=True`` a :class:`sklearn.utils.Bunch` with
the full state, the slow indices and the parameters used.
"""

# --- L63-driven slow-fast systems (owner: _lorenz.py) ---

# --- multiscale SDEs and the general SDE entry point (owner: _sde.py, _multiscale_sde.py) ---

# --- PDE fields on a grid (owner: _fields.py) ---

__all__ = []
