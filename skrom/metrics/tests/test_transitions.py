"""Transition events and their forecast skill on paths with known crossings."""

import numpy as np
import pytest

from skrom.metrics import transition_events, transition_forecast_skill


def _known_path():
    t = np.arange(600)
    x = np.where(t < 150, -1.0, 1.0)
    x[140:160] = np.linspace(-1, 1, 20)  # crosses 0 between 149 and 150
    x[400:420] = np.linspace(1, -1, 20)  # crosses 0 between 409 and 410
    x[420:] = -1.0
    x[300:305] = 0.2  # a dip that never leaves the upper well
    return x


def test_events_on_a_known_path():
    x = _known_path()
    events = transition_events(x[None, :, None], (-0.5, 0.5), settle=30)
    np.testing.assert_array_equal(events, [[0, 150, 1], [0, 410, -1]])
    assert events.dtype == np.int64
    # 1-D and 2-D inputs are one trajectory
    np.testing.assert_array_equal(transition_events(x, settle=30), events)
    np.testing.assert_array_equal(transition_events(x[:, None], settle=30), events)
    # min_history drops the crossing at step 150
    np.testing.assert_array_equal(
        transition_events(x, settle=30, min_history=200), [[0, 410, -1]]
    )
    # the crossing at 410 has 190 steps after it: settle=200 cannot verify it
    np.testing.assert_array_equal(transition_events(x, settle=200), [[0, 150, 1]])


def test_events_need_the_new_well_after_settle_steps():
    # enters the upper core, then falls back across the midpoint within 30 steps
    x = np.full(400, -1.0)
    x[100:120] = 1.0
    x[120:] = -1.0
    # the entry at 100 is not kept; the return at 120 is a transition itself
    assert transition_events(x, settle=30).tolist() == [[0, 120, -1]]
    assert transition_events(x, settle=10).tolist() == [[0, 100, 1], [0, 120, -1]]


def test_events_of_several_trajectories_and_a_feature_column():
    x = _known_path()
    X = np.stack([np.stack([x, -x], axis=1), np.stack([-x, x], axis=1)])
    events = transition_events(X, settle=30, feature=0)
    np.testing.assert_array_equal(
        events, [[0, 150, 1], [0, 410, -1], [1, 150, -1], [1, 410, 1]]
    )
    with pytest.raises(ValueError, match="feature"):
        transition_events(X, settle=30)


def test_events_use_the_midpoint_of_asymmetric_thresholds():
    x = np.concatenate(
        [np.full(100, 0.0), np.linspace(0.0, 2.0, 21), np.full(100, 2.0)]
    )
    # thresholds (0.5, 1.5): midpoint 1.0 is first exceeded at x[111] = 1.1
    assert transition_events(x, (0.5, 1.5), settle=30).tolist() == [[0, 111, 1]]


def test_skill_of_constant_and_ensemble_forecasts():
    x = _known_path()
    X = x[None, :, None]
    events = transition_events(X, settle=30)
    # "always up" is right for the first event only
    skill = transition_forecast_skill(X, events, [5, 10], lambda i, t0, n, e: 1.0)
    np.testing.assert_allclose(skill, [0.5, 0.5])
    # the forecast asked for ends where transition_events checked the new well
    calls = []

    def truth(i, t0, n, e):
        calls.append((i, t0, n, e))
        return x[t0 + n]

    np.testing.assert_allclose(transition_forecast_skill(X, events, [7], truth), 1.0)
    assert calls == [(0, 143, 37, 0), (0, 403, 37, 1)]
    # ensembles vote: 2 of 3 members up -> up; a tie counts as the lower well
    up = transition_forecast_skill(X, events, [5], lambda *a: [1.0, 1.0, -1.0])
    tie = transition_forecast_skill(X, events, [5], lambda *a: [1.0, -1.0])
    np.testing.assert_allclose([up[0], tie[0]], [0.5, 0.5])
    tie_first = transition_forecast_skill(X, events[:1], [5], lambda *a: [1.0, -1.0])
    np.testing.assert_allclose(tie_first, [0.0])
    # the midpoint moves the boundary between the wells
    shifted = transition_forecast_skill(X, events, [5], lambda *a: 0.5, midpoint=1.0)
    np.testing.assert_allclose(shifted, [0.5])


def test_skill_without_events_is_zero():
    x = np.full(200, -1.0)
    events = transition_events(x)
    assert events.shape == (0, 3)
    np.testing.assert_array_equal(
        transition_forecast_skill(x, events, [1, 2], lambda *a: 1.0), [0.0, 0.0]
    )


def test_bad_input_is_named():
    x = _known_path()
    events = transition_events(x, settle=30)
    with pytest.raises(ValueError, match="two wells"):
        transition_events(x, [(-1.5, -1.2), (1.2, 1.5)])
    with pytest.raises(ValueError, match="settle"):
        transition_events(x, settle=-1)
    with pytest.raises(ValueError, match="starts before the data"):
        transition_forecast_skill(x, events, [151], lambda *a: 1.0)
    with pytest.raises(ValueError, match="does not fit X"):
        transition_forecast_skill(x[:420], events, [5], lambda *a: 1.0)
    with pytest.raises(ValueError, match="shape"):
        transition_forecast_skill(x, events[:, :2], [5], lambda *a: 1.0)
    with pytest.raises(ValueError, match="lead"):
        transition_forecast_skill(x, events, [-1], lambda *a: 1.0)
    with pytest.raises(TypeError, match="forecast_end"):
        transition_forecast_skill(x, events, [5], 1.0)
    with pytest.raises(ValueError, match="midpoint"):
        transition_forecast_skill(x, events, [5], lambda *a: 1.0, midpoint=np.nan)


def test_inputs_are_not_mutated():
    x = _known_path()
    before = x.copy()
    events = transition_events(x, settle=30)
    events_before = events.copy()
    transition_forecast_skill(x, events, [5], lambda i, t0, n, e: x[t0 + n])
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(events, events_before)
