import numpy as np
import pytest

from skrom._random import as_seed_sequence, int_seed, member_generators, spawn_seeds


def test_children_depend_only_on_index():
    a = spawn_seeds(7, 5)
    b = spawn_seeds(7, 2)
    for s, t in zip(a[:2], b, strict=False):
        assert np.array_equal(s.generate_state(4), t.generate_state(4))
    assert not np.array_equal(a[0].generate_state(4), a[1].generate_state(4))


def test_member_generators_reproducible():
    x = [g.standard_normal(3) for g in member_generators(3, 4)]
    y = [g.standard_normal(3) for g in member_generators(3, 4)]
    np.testing.assert_array_equal(x, y)


def test_accepted_types_and_errors():
    assert isinstance(as_seed_sequence(None), np.random.SeedSequence)
    assert isinstance(
        as_seed_sequence(np.random.default_rng(0)), np.random.SeedSequence
    )
    assert isinstance(
        as_seed_sequence(np.random.RandomState(0)), np.random.SeedSequence
    )
    with pytest.raises(ValueError):
        as_seed_sequence(-1)
    with pytest.raises(TypeError):
        as_seed_sequence("seed")
    assert int_seed(5) == int_seed(5)
    assert 0 <= int_seed(5) < 2**63
