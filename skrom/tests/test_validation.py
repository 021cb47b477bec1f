import numpy as np
import pytest

from skrom._validation import (
    SimulationBlowUpError,
    check_finite_result,
    check_int,
    check_option,
    check_positive_float,
    check_trajectories,
)


def test_2d_is_one_trajectory_and_copy():
    X = np.arange(12.0).reshape(6, 2)
    out = check_trajectories(X)
    assert out.shape == (1, 6, 2)
    out[0, 0, 0] = 99.0
    assert X[0, 0] == 0.0  # the caller's array is never touched


def test_1d_rejected_with_reshape_hint():
    with pytest.raises(ValueError, match=r"reshape\(1, -1, 1\)"):
        check_trajectories(np.zeros(5))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_located(bad):
    X = np.zeros((2, 5, 1))
    X[1, 3, 0] = bad
    with pytest.raises(ValueError, match="trajectory 1, step 3"):
        check_trajectories(X)


def test_too_short_and_wrong_features():
    with pytest.raises(ValueError, match="at least 3"):
        check_trajectories(np.zeros((2, 2, 1)), min_steps=3)
    with pytest.raises(ValueError, match="2 features"):
        check_trajectories(np.zeros((1, 4, 2)), n_features=3)
    with pytest.raises(ValueError, match="4-D"):
        check_trajectories(np.zeros((1, 2, 3, 4)))
    with pytest.raises(TypeError):
        check_trajectories(np.array([["a", "b"]], dtype=object))


def test_scalar_checks():
    assert check_positive_float(2, "dt") == 2.0
    with pytest.raises(ValueError, match="dt must be finite and > 0"):
        check_positive_float(-1.0, "dt")
    with pytest.raises(ValueError):
        check_positive_float(np.nan, "dt")
    with pytest.raises(TypeError):
        check_positive_float("1", "dt")
    assert check_int(np.int64(3), "n") == 3
    with pytest.raises(TypeError):
        check_int(2.5, "n")
    with pytest.raises(TypeError):
        check_int(True, "n")
    with pytest.raises(ValueError, match="n must be >= 1"):
        check_int(0, "n")
    with pytest.raises(ValueError, match="method must be one of"):
        check_option("rk5", "method", {"euler", "rk4"})


def test_blow_up_names_step_and_member():
    paths = np.zeros((3, 10, 2))
    paths[2, 4, 1] = np.nan
    paths[1, 7, 0] = np.inf
    with pytest.raises(SimulationBlowUpError, match="step 4 of member 2"):
        check_finite_result(paths)
    paths = np.zeros((2, 5, 1))
    paths[0, 3, 0] = 1e9
    with pytest.raises(SimulationBlowUpError, match="step 3 of member 0"):
        check_finite_result(paths, bound=1e6)
    assert check_finite_result(np.ones((1, 2, 1))) is not None
