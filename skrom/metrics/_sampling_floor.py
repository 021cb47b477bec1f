"""The two-sample sampling floor of an ensemble statistic.

An ensemble statistic estimated from finitely many members is noisy, so the
error between a model's ensemble and the truth's can never be zero: even a
perfect model is off by what two independent truth ensembles of the same
size are off from each other. That truth-vs-truth error is the *floor*, and
a model is judged by its own error in units of the floor rather than
against a fixed tolerance that is too strict for small ensembles and too
loose for large ones.

The floor from one pair of truths is itself a noisy draw: the largest
deviation over time of a sample mean is dominated by a few steps, and two
pairs of independent truths of the same size can give floors a factor two or
more apart. Given three or more independent truths, the floor is the median
over their pairings and the model's error the median of its errors against
each truth, which removes that luck of the draw from the verdict.
"""

import numbers
from collections.abc import Mapping

import numpy as np
from sklearn.utils import Bunch

from ._ensemble_statistics import mean_std_error
from ._inputs import as_trajectories, select_features

__all__ = ["sampling_floor", "compare_with_sampling_floor"]

_STATISTICS = ("mean_std", "mean_std_amplitude")


def _mean_std_errors(X_true, X_other, relative_to):
    """The largest mean and std errors over time, relative to ``relative_to``."""
    res = mean_std_error(X_true, X_other)
    if relative_to == "spread":
        return {"mean": res.mean_error, "std": res.std_error}
    amplitude = np.sqrt(np.mean(X_true**2, axis=(0, 1)))
    if np.any(amplitude <= 1e-300):
        raise ValueError(
            "X_true is zero in some feature: errors relative to its RMS amplitude "
            "are undefined."
        )
    return {
        "mean": float(np.max(np.abs(res.mean_model - res.mean_true) / amplitude)),
        "std": float(np.max(np.abs(res.std_model - res.std_true) / amplitude)),
    }


def _evaluate(statistic, X_true, X_other):
    """Named errors (a dict of floats) of ``X_other`` against ``X_true``."""
    if callable(statistic):
        value = statistic(X_true, X_other)
        if isinstance(value, Mapping):
            return {str(k): float(v) for k, v in value.items()}
        if isinstance(value, numbers.Real):
            return {"error": float(value)}
        raise TypeError(
            "statistic must return a float or a mapping of names to floats; got "
            f"{type(value).__name__}."
        )
    if statistic not in _STATISTICS:
        raise ValueError(
            f"statistic must be one of {_STATISTICS} or a callable; got {statistic!r}."
        )
    relative_to = "spread" if statistic == "mean_std" else "amplitude"
    return _mean_std_errors(X_true, X_other, relative_to)


def _as_truth_list(X_true, X_true_other):
    """The truths as a named mapping, and whether several others were given.

    ``X_true_other`` is one ensemble, or a list or tuple of 3-D ensembles
    (several further truths); a list of 2-D trajectories is one ensemble.
    """
    several = isinstance(X_true_other, (list, tuple)) and (
        len(X_true_other) == 0 or all(np.ndim(X) == 3 for X in X_true_other)
    )
    if not several:
        return {"X_true": X_true, "X_true_other": X_true_other}, False
    if len(X_true_other) == 0:
        raise ValueError(
            "X_true_other is an empty sequence: give one further truth ensemble "
            "or a list of them (two or more make the floor a median)."
        )
    named = {"X_true": X_true}
    named.update({f"X_true_other[{i}]": X for i, X in enumerate(X_true_other)})
    return named, True


def _median(values):
    """The median of each named statistic over a list of dicts."""
    return {k: float(np.median([v[k] for v in values])) for k in values[0]}


def _check_ensembles(feature, **named):
    """Validated ensembles (in the order given), all of one shape."""
    arrays = [
        select_features(as_trajectories(X, name), feature, name)
        for name, X in named.items()
    ]
    shapes = {name: X.shape for name, X in zip(named, arrays, strict=True)}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(
            f"The ensembles differ in shape ({listed}): the floor is only the right "
            "yardstick for ensembles of the same size, length and features."
        )
    return arrays


def sampling_floor(X_true, X_true_other, *, statistic="mean_std", feature=None):
    r"""The error of an ensemble statistic between two independent truths.

    Two ensembles of the same size drawn independently from the true system
    differ only by sampling noise; their error is the smallest a model's
    ensemble of that size can be expected to reach (a perfect model's error
    against one truth is of the same size). It is the yardstick
    :func:`compare_with_sampling_floor` judges a model by.

    Parameters
    ----------
    X_true : array-like of shape (n_trajectories, n_steps, n_features)
        An ensemble of the true system.
    X_true_other : array-like of shape (n_trajectories, n_steps, n_features) or list of them
        An independent ensemble of the true system of the same shape,
        usually started from the same initial condition; or a list (or
        tuple) of such ensembles, all independent of ``X_true`` and of each
        other. With a list the floor is the median of the error over every
        pair among ``X_true`` and the others: the floor of one pair is a
        noisy draw (pairs of independent truths can differ by a factor two),
        and three or more truths make it a stable yardstick.
    statistic : {"mean_std", "mean_std_amplitude"} or callable, default="mean_std"
        ``"mean_std"``: the largest errors over time of the ensemble mean and
        standard deviation relative to the truth's time-averaged spread
        (:func:`mean_std_error`), named ``"mean"`` and ``"std"``.
        ``"mean_std_amplitude"``: the same errors relative to the truth's
        root-mean-square amplitude :math:`\sqrt{E[x_j^2]}` over members and
        time, for systems whose spread is tiny against the state. A callable
        ``statistic(X_true, X_other)`` returns a float (named ``"error"``)
        or a mapping of names to floats, lower is better.
    feature : int, sequence of int or None, default=None
        Column(s) to compare; None compares every feature.

    Returns
    -------
    floor : dict of str to float
        The truth-vs-truth error of each named statistic (the median over
        the pairings when several truths are given).

    Raises
    ------
    ValueError
        If the ensembles differ in shape, or a pair gives a floor of zero
        (the same ensemble passed twice: they must be independent draws).

    See Also
    --------
    compare_with_sampling_floor : judge a model's ensemble against k times
        this floor.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import sampling_floor
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 400, 5, 1))
    >>> floor = sampling_floor(a, b)
    >>> sorted(floor), bool(0 < floor["mean"] < 0.3)
    (['mean', 'std'], True)

    Three truths: the median over their three pairings.

    >>> c = rng.normal(size=(400, 5, 1))
    >>> pairs = [sampling_floor(a, b), sampling_floor(a, c), sampling_floor(b, c)]
    >>> median = sorted(p["mean"] for p in pairs)[1]
    >>> sampling_floor(a, [b, c])["mean"] == median
    True
    """
    named, _ = _as_truth_list(X_true, X_true_other)
    truths = _check_ensembles(feature, **named)
    return _median(_pair_floors(statistic, truths))


def _floor(statistic, X_true, X_true_other):
    floor = _evaluate(statistic, X_true, X_true_other)
    zero = [k for k, v in floor.items() if not v > 0]
    if zero:
        raise ValueError(
            f"Two truth ensembles give a floor of zero for {zero}: they must be "
            "independent draws of the true system, not the same ensemble."
        )
    return floor


def _pair_floors(statistic, truths):
    """The floor of every pair of truths (one pair: just that floor)."""
    return [
        _floor(statistic, truths[i], truths[j])
        for i in range(len(truths))
        for j in range(i + 1, len(truths))
    ]


def compare_with_sampling_floor(
    X_true,
    X_model,
    X_true_other,
    *,
    factor=1.5,
    statistic="mean_std",
    feature=None,
):
    r"""Judge a model's ensemble statistic against k times the sampling floor.

    The model-vs-truth error of each statistic, ``error(X_true, X_model)``,
    is divided by the truth-vs-truth floor ``error(X_true, X_true_other)``
    (:func:`sampling_floor`). A perfect model has a ratio near one (the
    sampling noise of its own ensemble replaces that of the second truth);
    the model passes when every ratio is at most ``factor``.

    One pair of truths gives a noisy floor, and the model's error against
    one truth is as noisy: at a few floors' bias the verdict then depends on
    the draw of the truths. Given a list of further truths (three truths or
    more in all), the floor is the median over every pair of truths and the
    error the median of the model's errors against each truth; both medians
    are robust to one unlucky ensemble, so a verdict at ``factor`` reflects
    the model rather than the draw.

    Parameters
    ----------
    X_true, X_model : array-like of shape (n_trajectories, n_steps, n_features)
        The truth and the model's ensemble, of the same shape (the same
        number of members: the floor of a smaller or larger ensemble is a
        different yardstick).
    X_true_other : array-like of shape (n_trajectories, n_steps, n_features) or list of them
        An independent second truth of the same shape, or a list (or tuple)
        of independent further truths (see :func:`sampling_floor`).
    factor : float, default=1.5
        Largest accepted ratio of the model's error to the floor.
    statistic : {"mean_std", "mean_std_amplitude"} or callable, default="mean_std"
        As in :func:`sampling_floor`.
    feature : int, sequence of int or None, default=None
        Column(s) to compare; None compares every feature.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With keys ``error``, ``floor`` and ``ratio`` (dicts of str to
        float, one entry per named statistic; with several truths the
        median error and median floor), ``factor``, ``passed`` (True when
        every ratio is at most ``factor``) and ``n_truths`` (the number of
        truth ensembles).

    See Also
    --------
    sampling_floor : the truth-vs-truth error alone.
    mean_std_error : the errors of the mean and standard deviation over time.

    Examples
    --------
    >>> import numpy as np
    >>> from skrom.metrics import compare_with_sampling_floor
    >>> rng = np.random.default_rng(0)
    >>> truth, other, model = rng.normal(size=(3, 400, 5, 1))
    >>> compare_with_sampling_floor(truth, model, other, factor=2.0).passed
    True
    >>> compare_with_sampling_floor(truth, model + 0.5, other).passed
    False

    Against three truths (medians over pairings and truths):

    >>> third = rng.normal(size=(400, 5, 1))
    >>> res = compare_with_sampling_floor(truth, model, [other, third], factor=2.0)
    >>> res.n_truths, res.passed
    (3, True)
    """
    if not isinstance(factor, numbers.Real) or not factor > 0:
        raise ValueError(f"factor must be a positive number; got {factor!r}.")
    named, several = _as_truth_list(X_true, X_true_other)
    names = list(named)
    arrays = _check_ensembles(feature, X_model=X_model, **named)
    X_model, truths = arrays[0], arrays[1:]
    if several:
        floor = _median(_pair_floors(statistic, truths))
        error = _median([_evaluate(statistic, X, X_model) for X in truths])
    else:
        # one pair: the error is against X_true alone, as it always was
        floor = _floor(statistic, *truths)
        error = _evaluate(statistic, truths[0], X_model)
    ratio = {k: error[k] / floor[k] for k in floor}
    return Bunch(
        error=error,
        floor=floor,
        ratio=ratio,
        factor=float(factor),
        passed=bool(all(r <= factor for r in ratio.values())),
        n_truths=len(names),
    )
