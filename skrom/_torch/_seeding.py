"""Seeding torch's global generators from a skrom ``random_state``."""

import contextlib

import torch

from .._random import int_seed

__all__ = ["torch_seed"]


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
