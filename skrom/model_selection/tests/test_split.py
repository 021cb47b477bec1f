"""Segmenting one run and cross-validating over the segments."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score

from skrom.metrics import acf_error_scorer, pdf_kl_scorer
from skrom.metrics.tests.test_scorers import AR1Model, ou_paths
from skrom.model_selection import TrajectorySegmentSplit, segment_trajectory


def test_segment_trajectory_cuts_contiguous_pieces():
    X = np.arange(46.0).reshape(23, 2)
    segments = segment_trajectory(X, 4)
    assert segments.shape == (4, 5, 2)
    np.testing.assert_array_equal(segments.reshape(-1, 2), X[:20])  # 3 steps dropped
    np.testing.assert_array_equal(segment_trajectory(X[None], 4), segments)
    segments[0, 0, 0] = -1.0
    assert X[0, 0] == 0.0  # a copy, not a view


def test_segment_trajectory_rejects_bad_input():
    X = np.zeros((10, 1))
    with pytest.raises(ValueError, match="n_segments"):
        segment_trajectory(X, 1)
    with pytest.raises(ValueError, match="2 steps per segment"):
        segment_trajectory(X, 6)
    with pytest.raises(TypeError, match="n_segments"):
        segment_trajectory(X, 2.0)
    with pytest.raises(ValueError, match="one trajectory"):
        segment_trajectory(np.zeros((2, 10, 1)), 2)
    with pytest.raises(ValueError, match="reshape"):
        segment_trajectory(np.zeros(10), 2)
    with pytest.raises(ValueError, match="NaN"):
        segment_trajectory(np.full((10, 1), np.nan), 2)


@pytest.mark.parametrize(
    "n_segments, n_splits, gap", [(10, 5, 0), (11, 3, 1), (12, 4, 2)]
)
def test_folds_partition_the_segments_and_respect_the_gap(n_segments, n_splits, gap):
    X = np.zeros((n_segments, 4, 1))
    cv = TrajectorySegmentSplit(n_splits, gap=gap)
    assert cv.get_n_splits(X) == n_splits
    folds = list(cv.split(X))
    assert len(folds) == n_splits
    tests = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(tests, np.arange(n_segments))  # each once, in order
    for train, test in folds:
        assert np.all(np.diff(test) == 1)  # contiguous
        assert np.intersect1d(train, test).size == 0
        distance = np.min(np.abs(train[:, None] - test[None, :]))
        assert distance == gap + 1
        # Everything outside the test block and its gaps is used for training.
        assert train.size == n_segments - test.size - np.sum(
            (np.arange(n_segments) >= test[0] - gap) & (np.arange(n_segments) < test[0])
        ) - np.sum(
            (np.arange(n_segments) > test[-1])
            & (np.arange(n_segments) <= test[-1] + gap)
        )


def test_splitter_rejects_bad_settings():
    X = np.zeros((4, 3, 1))
    with pytest.raises(ValueError, match="n_splits"):
        list(TrajectorySegmentSplit(1).split(X))
    with pytest.raises(ValueError, match="exceeds"):
        list(TrajectorySegmentSplit(5).split(X))
    with pytest.raises(ValueError, match="gap"):
        list(TrajectorySegmentSplit(2, gap=-1).split(X))
    with pytest.raises(ValueError, match="no training segment"):
        list(TrajectorySegmentSplit(2, gap=2).split(X))
    assert (
        repr(TrajectorySegmentSplit(3, gap=1))
        == "TrajectorySegmentSplit(n_splits=3, gap=1)"
    )


def test_cross_validation_and_grid_search_over_segments():
    run = ou_paths(1, 6000, seed=4)
    X = segment_trajectory(run, 12)
    cv = TrajectorySegmentSplit(4, gap=1)
    scores = cross_val_score(AR1Model(), X, cv=cv, scoring=pdf_kl_scorer)
    assert scores.shape == (4,) and np.all(np.isfinite(scores)) and np.all(scores <= 0)
    search = GridSearchCV(
        AR1Model(),
        {"phi_scale": [0.5, 1.0, 1.05]},
        scoring={"kl": pdf_kl_scorer, "acf": acf_error_scorer},
        refit="acf",
        cv=cv,
    ).fit(X)
    assert search.best_params_ == {"phi_scale": 1.0}
    assert search.cv_results_["rank_test_kl"][0] == 3
    assert search.n_splits_ == 4
