"""Residence times and transition counts on telegraph signals with known dwells."""

import numpy as np
import pytest

from skrom.metrics import (
    mean_residence_times,
    residence_time_error,
    residence_times,
    transition_counts,
)


def telegraph(states, dwells, levels, rng, noise=0.3):
    """Piecewise-constant signal at ``levels[state]`` plus bounded noise."""
    x = np.repeat(np.asarray(levels, dtype=float)[states], dwells)
    return x + rng.uniform(-noise, noise, x.size)


def test_double_well_telegraph_recovers_every_dwell():
    rng = np.random.default_rng(0)
    dwells = rng.integers(5, 60, size=40)
    states = np.arange(40) % 2
    x = telegraph(states, dwells, [-1.0, 1.0], rng)
    # Excursions into the transition zone that return to the same well must
    # not count as transitions.
    starts = np.cumsum(dwells)[:-1] - dwells[:-1] // 2
    x[starts] = np.where(states[:-1] == 0, 0.3, -0.3)
    times = residence_times(x, [(-0.5, 0.5)], dt=0.01)
    # The first visit (started before the record) and the last are censored.
    inner_states, inner_dwells = states[1:-1], dwells[1:-1]
    for i in range(2):
        np.testing.assert_allclose(times[i], 0.01 * inner_dwells[inner_states == i])
    np.testing.assert_allclose(
        mean_residence_times(x, [(-0.5, 0.5)], dt=0.01),
        [0.01 * inner_dwells[inner_states == i].mean() for i in range(2)],
    )
    np.testing.assert_array_equal(
        transition_counts(x, [(-0.5, 0.5)]), [[0, 20], [19, 0]]
    )
    # Without hysteresis each excursion across 0 is a (spurious) round trip.
    assert transition_counts(x, 0.0).sum() == 39 + 2 * 39


def test_three_states_with_slow_crossings_and_several_trajectories():
    rng = np.random.default_rng(1)
    levels = np.array([-2.0, 0.0, 2.0])
    thresholds = [(-1.5, -0.5), (0.5, 1.5)]
    zone_mid = np.array([-1.0, 1.0])
    n_steps = 1200
    expected_counts = np.zeros((3, 3), dtype=int)
    expected_times = [[], [], []]
    runs = []
    for _ in range(3):
        states = [rng.integers(3)]
        while len(states) < 30:
            nxt = rng.integers(3)
            if nxt != states[-1]:
                states.append(nxt)
        states = np.array(states)
        dwells = rng.integers(10, 40, size=states.size)
        dwells[-1] += n_steps - dwells.sum()  # the last visit is censored anyway
        x = telegraph(states, dwells, levels, rng, noise=0.2)
        # Each crossing spends 2 steps in the zone next to the destination
        # core (a 0 -> 2 jump skips core 1), so the visit clock starts 2 steps
        # after the switch and every inner visit lasts exactly its dwell.
        entry = np.concatenate([[0], np.cumsum(dwells)[:-1]])
        for k in range(1, states.size):
            zone = states[k] - 1 if states[k] > states[k - 1] else states[k]
            x[entry[k] : entry[k] + 2] = zone_mid[zone]
        runs.append(x)
        np.add.at(expected_counts, (states[:-1], states[1:]), 1)
        for k in range(1, states.size - 1):
            expected_times[states[k]].append(dwells[k])
    X = np.stack(runs)[:, :, None]
    np.testing.assert_array_equal(transition_counts(X, thresholds), expected_counts)
    times = residence_times(X, thresholds, dt=0.5)
    for i in range(3):
        np.testing.assert_allclose(times[i], 0.5 * np.array(expected_times[i]))
    np.testing.assert_allclose(
        mean_residence_times(X, thresholds, dt=0.5),
        [0.5 * np.mean(t) for t in expected_times],
    )


def test_known_crossing_time_is_counted_from_core_entry():
    # 0 -> zone -> 1 -> 0: a crossing of 3 zone steps.
    x = np.array([-1, -1, 0, 0, 0, 1, 1, 1, -1, -1.0])
    times = residence_times(x, [(-0.5, 0.5)])
    np.testing.assert_array_equal(times[1], [3.0])  # steps 5, 6, 7
    assert times[0].size == 0
    np.testing.assert_array_equal(transition_counts(x, [(-0.5, 0.5)]), [[0, 1], [1, 0]])
    # A trajectory that never reaches a core has no visits.
    assert all(t.size == 0 for t in residence_times(np.zeros(10), [(-0.5, 0.5)]))


def test_rate_estimator_on_geometric_dwells_with_censoring():
    # Memoryless switching: dwells are geometric with mean 1 / p steps. Short
    # trajectories cut most visits; the rate estimator uses the cut parts.
    rng = np.random.default_rng(5)
    p, n_traj, n_steps = 0.02, 2000, 120
    switches = rng.random((n_traj, n_steps)) < p
    signal = np.where(np.cumsum(switches, axis=1) % 2 == 0, -1.0, 1.0)
    signal *= np.where(rng.random((n_traj, 1)) < 0.5, 1.0, -1.0)
    signal = signal[:, :, None]
    rate = mean_residence_times(signal, 0.0, method="rate")
    complete = mean_residence_times(signal, 0.0)
    np.testing.assert_allclose(rate, 1 / p, rtol=0.08)  # sampling error ~2 %
    assert np.all(complete < 0.6 / p)  # censoring drops the long visits
    with pytest.raises(ValueError, match="method"):
        mean_residence_times(signal, 0.0, method="mle")


def test_residence_time_error():
    rng = np.random.default_rng(2)
    states = np.arange(30) % 2
    dwells = np.full(30, 20)
    x = telegraph(states, dwells, [-1.0, 1.0], rng)
    y = telegraph(states, np.where(states == 1, 30, 20), [-1.0, 1.0], rng)
    assert residence_time_error(x, x, [(-0.5, 0.5)]) == 0.0
    assert residence_time_error(x, y, [(-0.5, 0.5)]) == pytest.approx(0.5)
    # A model stuck in one well has no completed visit: infinite error.
    assert residence_time_error(x, -np.ones(100), [(-0.5, 0.5)]) == np.inf
    with pytest.raises(ValueError, match="no completed visit"):
        residence_time_error(-np.ones(100), x, [(-0.5, 0.5)])


def test_feature_selection():
    rng = np.random.default_rng(3)
    x = telegraph(np.arange(10) % 2, np.full(10, 7), [-1.0, 1.0], rng)
    X = np.stack([rng.normal(size=x.size), x], axis=1)
    with pytest.raises(ValueError, match="feature="):
        residence_times(X, 0.0)
    np.testing.assert_array_equal(
        transition_counts(X, 0.0, feature=1), transition_counts(x, 0.0)
    )


@pytest.mark.parametrize(
    "thresholds",
    [
        [0.5, -0.5],
        [(0.5, -0.5)],
        [(-1.0, 0.5), (0.0, 1.0)],
        [(-1.0, 0.0), (0.0, 1.0)],
        [np.nan],
        [[(0.0, 1.0)]],
        [],
    ],
)
def test_bad_thresholds_raise(thresholds):
    with pytest.raises(ValueError, match="thresholds"):
        residence_times(np.zeros(10), thresholds)


def test_one_zone_may_be_given_flat():
    rng = np.random.default_rng(4)
    x = telegraph(np.arange(12) % 2, rng.integers(3, 9, size=12), [-1.0, 1.0], rng)
    np.testing.assert_array_equal(
        transition_counts(x, (-0.5, 0.5)), transition_counts(x, [(-0.5, 0.5)])
    )
    # Three numbers are ambiguous (boundaries or zones?): the error says how.
    with pytest.raises(ValueError, match=r"\[\(a, a\), \(b, b\)\]"):
        residence_times(x, [-1.0, 0.0, 1.0])


def test_bad_data_raise():
    with pytest.raises(ValueError, match="NaN"):
        residence_times(np.array([0.0, np.nan, 1.0]), 0.0)
    with pytest.raises(ValueError, match="3-D"):
        transition_counts(np.zeros((1, 1, 5, 1)), 0.0)
    with pytest.raises(ValueError, match="dt"):
        residence_times(np.zeros(5), 0.0, dt=0.0)
    with pytest.raises(TypeError, match="thresholds"):
        residence_times(np.zeros(5), "low")
