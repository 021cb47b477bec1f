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


def test_named_seeds_slot_i_is_child_i():
    from skrom._random import named_seeds

    names = ("score", "forcing", "bank", "score_eval", "calibration")
    seeds = named_seeds(11, names)
    children = spawn_seeds(11, 5)
    assert seeds._fields == names
    for name, child in zip(names, children, strict=True):
        got = getattr(seeds, name).generate_state(4)
        np.testing.assert_array_equal(got, child.generate_state(4))
    # a name appended later leaves the earlier slots as they were
    more = named_seeds(11, names + ("extra",))
    np.testing.assert_array_equal(
        more.bank.generate_state(4), seeds.bank.generate_state(4)
    )
    # one parent for all slots, also when the parent is fresh entropy
    fresh = named_seeds(None, ("a", "b"))
    assert fresh.a.entropy == fresh.b.entropy
    for bad in (("a", "a"), ("a", "not a name"), ()):
        with pytest.raises(ValueError, match="named_seeds"):
            named_seeds(0, bad)
