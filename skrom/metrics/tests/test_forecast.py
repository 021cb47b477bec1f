"""Forecast RMSE and state skill on cases with known answers."""

import numpy as np
import pytest

from skrom.metrics import forecast_rmse, forecast_sign_skill


def test_rmse_of_point_forecasts_with_known_errors():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(6, 5, 2))
    err = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    signs = rng.choice([-1.0, 1.0], size=(6, 5, 2))
    lead, rmse = forecast_rmse(truth, truth + signs * err[None, :, None], dt=0.1)
    np.testing.assert_allclose(lead, 0.1 * np.arange(5))
    np.testing.assert_allclose(rmse, err)
    lead, rmse = forecast_rmse(truth[0, :, 0], truth[0, :, 0] + err)
    np.testing.assert_allclose(lead, np.arange(5))
    np.testing.assert_allclose(rmse, err)


def test_rmse_of_ensemble_forecasts_uses_the_ensemble_mean():
    truth = np.zeros((3, 4, 1))
    members = np.array([-1.0, 1.0, 2.0, 2.0])  # mean 1.0
    pred = np.broadcast_to(members[None, :, None, None], (3, 4, 4, 1))
    _, rmse = forecast_rmse(truth, pred)
    np.testing.assert_allclose(rmse, 1.0)


def test_sign_skill_counts_correct_wells_and_majority_votes():
    truth = np.array([[1.0, 1.0, 1.0, -1.0], [-1.0, -1.0, 1.0, 1.0]])[:, :, None]
    members = np.array(
        [
            [[1.0, 1.0, 1.0, 1.0], [1.0, -1.0, -1.0, 1.0], [1.0, 1.0, -1.0, 1.0]],
            [[-1.0, -1.0, -1.0, 1.0], [-1.0, 1.0, -1.0, 1.0], [-1.0, -1.0, 1.0, -1.0]],
        ]
    )[..., None]
    # Majority: forecast 0 -> [+, +, -, +]; forecast 1 -> [-, -, -, +].
    lead, skill = forecast_sign_skill(truth, members, dt=2.0)
    np.testing.assert_allclose(lead, [0.0, 2.0, 4.0, 6.0])
    np.testing.assert_allclose(skill, [1.0, 1.0, 0.0, 0.5])
    # Three wells; the zones are cut at their midpoints -1 and 1.
    t3 = np.array([-2.0, 0.0, 2.0, 2.0])
    p3 = np.array([-2.0, 0.5, 0.9, 1.5])
    np.testing.assert_allclose(
        forecast_sign_skill(t3, p3, thresholds=[(-1.5, -0.5), (0.5, 1.5)])[1],
        [1.0, 1.0, 0.0, 1.0],
    )


def test_random_forecasts_score_one_half():
    rng = np.random.default_rng(1)
    truth, pred = rng.normal(size=(20_000, 3, 1)), rng.normal(size=(20_000, 3, 1))
    _, skill = forecast_sign_skill(truth, pred)
    np.testing.assert_allclose(skill, 0.5, atol=0.02)


def test_bad_input_raises():
    truth = np.zeros((3, 4, 1))
    with pytest.raises(ValueError, match="shape of y_true"):
        forecast_rmse(truth, np.zeros((3, 5, 1)))
    with pytest.raises(ValueError, match="shape of y_true"):
        forecast_rmse(truth, np.zeros((3, 2, 5, 1)))
    with pytest.raises(ValueError, match="NaN"):
        forecast_rmse(truth, np.full((3, 2, 4, 1), np.nan))
    with pytest.raises(ValueError, match="dt"):
        forecast_rmse(truth, truth, dt=0.0)
    with pytest.raises(ValueError, match="thresholds"):
        forecast_sign_skill(truth, truth, thresholds=[1.0, 0.0])
    with pytest.raises(ValueError, match="feature="):
        forecast_sign_skill(np.zeros((3, 4, 2)), np.zeros((3, 4, 2)))
