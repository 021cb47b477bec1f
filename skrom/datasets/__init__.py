"""Simulators of the benchmark systems (numba kernels, joblib ensembles).

Every ``make_*`` function returns a trajectory set of shape
``(n_trajectories, n_steps, n_features)`` holding the observed (slow)
variables, or with ``return_bunch=True`` a :class:`sklearn.utils.Bunch` with
the full state, the slow indices and the parameters used. Fields on a 2-D
grid keep the grid axes, rows along y: ``(n_trajectories, n_steps, ny, nx)``
for one channel (:func:`make_burgers_2d`) and ``(n_trajectories, n_steps,
n_channels, ny, nx)`` for several (:func:`make_cylinder_wake`).
"""

# --- L63-driven slow-fast systems (owner: _lorenz.py) ---
# --- multiscale SDEs and the general SDE entry point (owner: _sde.py, _multiscale_sde.py) ---
from .._validation import SimulationBlowUpError  # noqa: E402

# --- 2-D fields: Burgers (owner: _burgers_2d.py) ---
from ._burgers_2d import (  # noqa: E402
    make_burgers_2d,
    prolong_blocks,
    restrict_blocks,
    simulate_coarse_burgers_2d,
    solve_burgers_2d,
)

# --- flow past a cylinder, lattice Boltzmann (owner: _cylinder.py) ---
from ._cylinder import cylinder_benchmark, make_cylinder_wake  # noqa: E402

# --- PDE fields on a grid (owner: _fields.py) ---
from ._fields import (  # noqa: E402
    make_burgers_1d,
    make_kdv,
    prolong_periodic,
    restrict_periodic,
    simulate_coarse_burgers_1d,
    simulate_coarse_kdv,
    solve_burgers_1d,
    solve_kdv,
)

# --- SDEs driven by known inputs (owner: _forced_sde.py) ---
from ._forced_sde import (  # noqa: E402
    disturbed_ou_excitation,
    make_disturbed_ou,
    make_stochastic_resonance,
)
from ._lorenz import (  # noqa: E402
    lorenz63_max_lyapunov,
    make_bistable_additive,
    make_bistable_multiplicative,
    make_tristable,
)

# --- Lorenz-96 (owner: _lorenz96.py) ---
from ._lorenz96 import make_lorenz96  # noqa: E402
from ._multiscale_sde import (  # noqa: E402
    exp_ou_averaged_path,
    make_duan,
    make_exp_ou,
    make_multiscale_oscillator,
    make_skew_product,
    make_triad,
)
from ._sde import simulate_sde  # noqa: E402

__all__ = [
    "simulate_sde",
    "SimulationBlowUpError",
    "make_skew_product",
    "make_exp_ou",
    "make_triad",
    "make_duan",
    "make_multiscale_oscillator",
    "exp_ou_averaged_path",
]
__all__ += [
    "make_burgers_1d",
    "make_kdv",
    "solve_burgers_1d",
    "solve_kdv",
    "simulate_coarse_burgers_1d",
    "simulate_coarse_kdv",
    "restrict_periodic",
    "prolong_periodic",
]
__all__ += [
    "make_burgers_2d",
    "solve_burgers_2d",
    "simulate_coarse_burgers_2d",
    "restrict_blocks",
    "prolong_blocks",
    "make_cylinder_wake",
    "cylinder_benchmark",
]
__all__ += [
    "make_bistable_additive",
    "make_bistable_multiplicative",
    "make_tristable",
    "lorenz63_max_lyapunov",
]
__all__ += ["make_lorenz96"]
__all__ += ["make_disturbed_ou", "disturbed_ou_excitation", "make_stochastic_resonance"]
