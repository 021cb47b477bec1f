"""Seeding: one ``SeedSequence`` per call, one child per ensemble member.

Children of a ``SeedSequence`` depend only on the parent entropy and the
member's index, so results never depend on how members are scheduled
(``n_jobs``, joblib backend).
"""

import functools
import numbers
from collections import namedtuple

import numpy as np

__all__ = [
    "as_seed_sequence",
    "spawn_seeds",
    "named_seeds",
    "member_generators",
    "int_seed",
]


def as_seed_sequence(random_state):
    """Turn ``random_state`` into a :class:`numpy.random.SeedSequence`.

    Accepts None (fresh OS entropy), an int, a SeedSequence, a Generator or a
    legacy RandomState (an int is drawn from the latter two, so they advance).
    """
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, bool):
        raise TypeError(
            "random_state must be None, an int, a SeedSequence or a Generator."
        )
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state must be non-negative, got {random_state}.")
        return np.random.SeedSequence(int(random_state))
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(2**63)))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(2**31)))
    raise TypeError(
        "random_state must be None, an int, a SeedSequence, a Generator or a "
        f"RandomState; got {type(random_state).__name__}."
    )


def spawn_seeds(random_state, n):
    """Return ``n`` child SeedSequences of ``random_state``.

    Child ``i`` depends only on the parent entropy and ``i`` (never on how
    many siblings were spawned before or how work is scheduled).
    """
    parent = as_seed_sequence(random_state)
    return [
        np.random.SeedSequence(parent.entropy, spawn_key=parent.spawn_key + (i,))
        for i in range(n)
    ]


@functools.lru_cache(maxsize=None)
def _slots(names):
    return namedtuple("SeedSlots", names)


def named_seeds(random_state, names):
    """Children of ``random_state`` by name: slot ``i`` is child ``i``.

    An estimator lists what it seeds once (e.g. ``("score", "forcing",
    "bank", "score_eval", "calibration")``) and reads ``seeds.bank`` instead
    of ``seeds[2]``. Appending a name never moves the others, so seeded
    results stay as they were.

    Parameters
    ----------
    random_state : None, int, SeedSequence, Generator or RandomState
        The parent (see :func:`as_seed_sequence`); drawn from once.
    names : sequence of str
        Slot names, valid Python identifiers, each used once.

    Returns
    -------
    seeds : namedtuple of SeedSequence
        ``seeds[i]`` (also ``getattr(seeds, names[i])``) is
        ``spawn_seeds(random_state, len(names))[i]``.
    """
    names = tuple(names)
    bad = [n for n in names if not (isinstance(n, str) and n.isidentifier())]
    if bad or len(set(names)) != len(names) or not names:
        raise ValueError(
            f"named_seeds needs distinct identifiers as slot names, got {names!r}."
        )
    return _slots(names)(*spawn_seeds(random_state, len(names)))


def member_generators(random_state, n):
    """Return ``n`` independent Generators, one per ensemble member."""
    return [np.random.default_rng(s) for s in spawn_seeds(random_state, n)]


def int_seed(random_state):
    """Return a non-negative 63-bit int seed derived from ``random_state`` (for torch)."""
    state = as_seed_sequence(random_state).generate_state(1, dtype=np.uint64)[0]
    return int(state >> np.uint64(1))
