import re

import numpy as np
import pytest
import scipy.sparse as sp

from skrom._validation import (
    SimulationBlowUpError,
    check_finite_result,
    check_int,
    check_member_status,
    check_option,
    check_positive_float,
    check_real_array,
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


class _Named:
    """Stands in for an estimator: only its class name is used."""


@pytest.mark.parametrize("to_sparse", [sp.csr_matrix, sp.csr_array, sp.coo_matrix])
def test_sparse_refused_with_a_dense_hint(to_sparse):
    X = to_sparse(np.eye(4))
    with pytest.raises(TypeError, match=r"_Named: X is a sparse matrix.*X\.toarray"):
        check_trajectories(X, estimator=_Named())
    with pytest.raises(TypeError, match="sparse input is not supported"):
        check_real_array(X)


def test_complex_refused_not_truncated():
    X = np.ones((5, 2)) + 1j
    with pytest.raises(ValueError, match="Complex data not supported in Z"):
        check_trajectories(X, name="Z")
    # a list of complex numbers too, which a plain cast would turn into reals
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_trajectories([[1 + 2j], [3.0]])


def test_numeric_object_array_converted_and_copied():
    X = np.arange(10.0).reshape(5, 2).astype(object)
    out = check_trajectories(X)
    assert out.dtype == np.float64 and out.shape == (1, 5, 2)
    np.testing.assert_array_equal(out[0], np.arange(10.0).reshape(5, 2))
    out[0, 0, 0] = -1.0
    assert X[0, 0] == 0.0


@pytest.mark.parametrize("bad", [{"foo": "bar"}, "a", 1 + 1j])
def test_non_numeric_object_refused_with_numpy_reason(bad):
    X = np.zeros((5, 2)).astype(object)
    X[0, 0] = bad
    # numpy's own reason is kept: scikit-learn's check_dtype_object matches it
    with pytest.raises(TypeError, match="numeric array-like") as info:
        check_trajectories(X)
    assert isinstance(info.value.__cause__, (TypeError, ValueError))
    assert str(info.value.__cause__) in str(info.value)


@pytest.mark.parametrize("shape", [(12, 0), (3, 12, 0)])
def test_zero_features_in_sklearn_wording(shape):
    msg = rf"0 feature\(s\) \(shape={re.escape(str(shape))}\) while a minimum of 1"
    with pytest.raises(ValueError, match=msg):
        check_trajectories(np.empty(shape))


def test_zero_trajectories_and_zero_steps():
    with pytest.raises(ValueError, match=r"0 trajectories \(shape=\(0, 5, 2\)\)"):
        check_trajectories(np.empty((0, 5, 2)))
    with pytest.raises(ValueError, match="0 steps; at least 1"):
        check_trajectories(np.empty((0, 3)), min_steps=1)


def test_feature_count_in_sklearn_wording():
    X = np.zeros((4, 2))
    with pytest.raises(
        ValueError,
        match="^X has 2 features, but _Named is expecting 3 features as input",
    ):
        check_trajectories(X, n_features=3, estimator=_Named())
    with pytest.raises(ValueError, match="^Z has 2 features, but 3 features are"):
        check_trajectories(X, n_features=3, name="Z")
    # a wrong feature count is named before a too-short trajectory
    with pytest.raises(ValueError, match="features"):
        check_trajectories(X[:1], n_features=3, min_steps=2)


def test_too_short_says_what_for_and_counts_samples():
    with pytest.raises(
        ValueError,
        match=r"1 steps; at least 4 are needed for lag=3 "
        r"\(n_samples = 1 per trajectory\)",
    ):
        check_trajectories(np.zeros((1, 2)), min_steps=4, needed_for="lag=3")


def test_1d_message_has_sklearn_phrase():
    # scikit-learn's check_fit2d_predict1d looks for "Reshape your data"
    with pytest.raises(ValueError, match="Reshape your data"):
        check_trajectories([1.0, 2.0, 3.0])


def test_real_array_keeps_shape_and_copies():
    X = np.arange(6.0).reshape(2, 3)
    out = check_real_array(X.astype(object), name="x0")
    assert out.shape == (2, 3) and out.dtype == np.float64
    out2 = check_real_array(X)
    out2[0, 0] = 5.0
    assert X[0, 0] == 0.0
    with pytest.raises(TypeError, match="x0 must be a numeric array-like"):
        check_real_array([[1.0], [2.0, 3.0]], name="x0")


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


def test_blow_up_message_names_step_member_and_bound():
    with pytest.raises(
        SimulationBlowUpError,
        match=r"^M forecast blew up \(NaN/inf or \|x\| > 2\) at step 5 of member 1 "
        r"of history 0\.$",
    ):
        check_member_status(
            [-1, -1, 5],
            what="M forecast",
            bound=2.0,
            member_name=lambda m: f"member {m // 2} of history {m % 2}",
        )
    check_member_status([-1, -1], what="M")  # nothing blew up
