"""Cross-validation over trajectories cut from one long run."""

import numpy as np

from .._validation import check_int, check_trajectories

__all__ = ["segment_trajectory", "TrajectorySegmentSplit"]


def segment_trajectory(X, n_segments):
    """Cut one long trajectory into contiguous segments of equal length.

    The segments form a trajectory set whose first axis is time-ordered, so
    :class:`TrajectorySegmentSplit` (or any scikit-learn splitter) can
    cross-validate a model fitted on a single run. The last
    ``n_steps % n_segments`` steps are dropped.

    Parameters
    ----------
    X : array-like of shape (n_steps, n_features) or (1, n_steps, n_features)
        One trajectory.
    n_segments : int
        Number of segments, at least 2; each gets ``n_steps // n_segments``
        steps, which must be at least 2.

    Returns
    -------
    segments : ndarray of shape (n_segments, n_steps // n_segments, n_features)
        ``segments[i]`` is ``X[i * L:(i + 1) * L]`` with ``L = n_steps // n_segments``
        (a copy).

    See Also
    --------
    TrajectorySegmentSplit : Splitter over the segments with a gap.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.model_selection import segment_trajectory
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> segment_trajectory(X, 3).shape
    (3, 3, 2)
    """
    X = check_trajectories(X, min_steps=2, name="X")
    if X.shape[0] != 1:
        raise ValueError(
            f"segment_trajectory cuts one trajectory; X holds {X.shape[0]}. Pass "
            "X[i] for one of them, or concatenate runs only if they are continuous."
        )
    n_segments = check_int(n_segments, "n_segments", min_value=2)
    n_steps = X.shape[1]
    length = n_steps // n_segments
    if length < 2:
        raise ValueError(
            f"n_segments={n_segments} leaves segments of {length} step(s) from "
            f"{n_steps} steps; at least 2 steps per segment are needed."
        )
    return X[0, : n_segments * length].reshape(n_segments, length, X.shape[2]).copy()


class TrajectorySegmentSplit:
    """Contiguous K-fold over time-ordered trajectory segments, with a gap.

    The samples (first axis of ``X``) are segments of one long run in time
    order, e.g. from :func:`segment_trajectory`, so ``X`` is a 3-D trajectory
    set ``(n_segments, n_steps, n_features)``; a 2-D array (the rows of one
    trajectory, which would be split step by step and glued into training
    sets that jump in time) is refused: cut it with
    :func:`segment_trajectory` first. Fold ``k`` tests on the ``k``-th
    contiguous block of segments (blocks as in :func:`numpy.array_split`, so
    their sizes differ by at most one) and trains on all the others except
    ``gap`` segments on each side of the test block, which are dropped so
    that autocorrelation does not leak test information into training. Unlike
    :class:`sklearn.model_selection.TimeSeriesSplit`, training data may lie
    after the test block: a stationary model's statistics do not depend on
    the direction of time.

    Usable as ``cv=`` in :class:`~sklearn.model_selection.GridSearchCV` and
    :func:`~sklearn.model_selection.cross_val_score`.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    gap : int, default=0
        Number of whole segments, not time steps, dropped from training on
        each side of the test block; pick ``gap * segment_duration`` longer
        than the decorrelation time.

    See Also
    --------
    segment_trajectory : Cut one run into segments.
    sklearn.model_selection.KFold : The same without the gap.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.model_selection import TrajectorySegmentSplit
    >>> cv = TrajectorySegmentSplit(n_splits=3, gap=1)
    >>> for train, test in cv.split(np.zeros((6, 10, 1))):
    ...     print(train, test)
    [3 4 5] [0 1]
    [0 5] [2 3]
    [0 1 2] [4 5]
    """

    def __init__(self, n_splits=5, *, gap=0):
        self.n_splits = n_splits
        self.gap = gap

    def _check(self, n_samples):
        n_splits = check_int(self.n_splits, "n_splits", min_value=2)
        gap = check_int(self.gap, "gap", min_value=0)
        if n_splits > n_samples:
            raise ValueError(
                f"n_splits={n_splits} exceeds the {n_samples} segments; cut the run "
                "into more segments or use fewer splits."
            )
        blocks = np.array_split(np.arange(n_samples), n_splits)
        for k, test in enumerate(blocks):
            lo, hi = max(test[0] - gap, 0), min(test[-1] + gap + 1, n_samples)
            if lo == 0 and hi == n_samples:
                raise ValueError(
                    f"gap={gap} leaves no training segment for fold {k} "
                    f"(test segments {test[0]}..{test[-1]} of {n_samples})."
                )
        return blocks, gap

    def split(self, X, y=None, groups=None):
        """Generate train and test indices along the first axis of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_segments, n_steps, n_features)
            Time-ordered segments (see :func:`segment_trajectory`).
        y : None
            Ignored.
        groups : None
            Ignored.

        Yields
        ------
        train : ndarray of int
            Indices of the training segments.
        test : ndarray of int
            Indices of the test segments (contiguous).
        """
        if np.ndim(X) != 3:
            raise ValueError(
                "TrajectorySegmentSplit splits a trajectory set of time-ordered "
                "segments, shape (n_segments, n_steps, n_features); got an array "
                f"of shape {np.shape(X)}. Cut one long trajectory into segments "
                "with skrom.model_selection.segment_trajectory(X, n_segments) "
                "first, so that every training set is made of whole, contiguous "
                "segments (gap counts segments)."
            )
        n_samples = len(X)
        blocks, gap = self._check(n_samples)
        index = np.arange(n_samples)
        for test in blocks:
            keep = (index < test[0] - gap) | (index > test[-1] + gap)
            yield index[keep], test

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of folds.

        Parameters
        ----------
        X, y, groups : object
            Ignored.

        Returns
        -------
        n_splits : int
        """
        return check_int(self.n_splits, "n_splits", min_value=2)

    def __repr__(self):
        return f"TrajectorySegmentSplit(n_splits={self.n_splits}, gap={self.gap})"
