"""The estimator base: parameter constraints, x0 checks, score, tags, pickles."""

import numbers
import pickle

import numpy as np
import pytest

from skrom._ensemble import check_n_jobs
from skrom._param_validation import (
    N_JOBS,
    RANDOM_STATE,
    Boolean,
    InstanceOf,
    Interval,
    InvalidParameterError,
    Options,
    SequenceOf,
    validate_parameter_constraints,
)
from skrom._persistence import IncompatibleModelError, VersionedStateMixin
from skrom._validation import check_member_status
from skrom.base import SkromEstimator, TrajectoryModel, state_bound
from skrom.coarse import CoarseSDE
from skrom.flows import SFMLFlow
from skrom.forcing import DelayNODEForcing
from skrom.hybrid import HybridLangevinROM
from skrom.metrics import acf_error_scorer, pdf_kl_scorer
from skrom.score import KGMMScore, LangevinROM

ESTIMATORS = [
    KGMMScore,
    LangevinROM,
    DelayNODEForcing,
    HybridLangevinROM,
    SFMLFlow,
    CoarseSDE,
]


class _Walk(TrajectoryModel):
    """A fitted-by-hand trajectory model: paths stay where they start."""

    _parameter_constraints = {
        "dt": [Interval(numbers.Real, 0, None, closed="neither")],
        "random_state": RANDOM_STATE,
        "blow_up": [Boolean()],
    }

    def __init__(self, *, dt=0.1, random_state=None, blow_up=False):
        self.dt = dt
        self.random_state = random_state
        self.blow_up = blow_up

    def fit(self, X, y=None):
        self._validate_params()
        X = np.asarray(X, dtype=float)
        self._set_fit_context(X)
        self.n_features_in_ = X.shape[-1]
        return self

    def sample(self, n_steps, x0=None, n_paths=1, random_state=None):
        n_steps, x0, n_paths = self._check_sample_args(n_steps, x0, n_paths)
        if self.blow_up:
            check_member_status([-1, 3], what="_Walk simulation", bound=1.0)
        x0 = np.zeros((n_paths, self.n_features_in_)) if x0 is None else x0
        return np.repeat(x0[:, None], n_steps, axis=1)

    def score(self, X, y=None):
        return self._statistical_score(X, seed_slots=("score_eval",), columns=[0])


def _data():
    return np.random.default_rng(0).normal(size=(2, 50, 2))


# ----------------------------------------------------------- constraints
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_parameter_has_a_constraint(Estimator):
    est = Estimator()
    assert issubclass(Estimator, SkromEstimator)
    assert set(Estimator._parameter_constraints) == set(est.get_params(deep=False))
    est._validate_params()  # the defaults are valid


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_constraint_error_names_parameter_estimator_and_value(Estimator):
    est = Estimator(dt=-1.0) if "dt" in Estimator().get_params() else None
    if est is None:
        est = Estimator(sigma=-1.0)
        name, given = "sigma", "-1.0"
    else:
        name, given = "dt", "-1.0"
    with pytest.raises(InvalidParameterError) as info:
        est._validate_params()
    msg = str(info.value)
    assert f"'{name}' parameter of {Estimator.__name__}" in msg
    assert "a finite float in the range (0, inf)" in msg
    assert f"Got {given} instead" in msg


def test_invalid_parameter_error_is_value_and_type_error():
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)


@pytest.mark.parametrize(
    "constraint, good, bad",
    [
        (Interval(numbers.Integral, 1, None), [1, np.int64(7)], [0, 1.0, True, "1"]),
        (
            Interval(numbers.Real, 0, 1, closed="left"),
            [0, 0.5, np.float32(0.2)],
            [1.0, -0.1, np.nan, np.inf, False],
        ),
        (Interval(numbers.Real, 0, None, closed="neither"), [1e-9, 5], [0.0, np.inf]),
        (Options(("a", True)), ["a", True], ["b", 1, np.array([1, 2])]),
        (Boolean(), [True, np.False_], [0, 1, "yes", None]),
        (
            SequenceOf(Interval(numbers.Integral, 1, None)),
            [(4,), [3, 2]],
            [(), 4, (4, "a"), (4, 0), "44"],
        ),
        (InstanceOf(np.random.Generator), [np.random.default_rng(0)], [0, None]),
    ],
)
def test_constraint_types(constraint, good, bad):
    for value in good:
        assert constraint.is_satisfied_by(value), value
    for value in bad:
        assert not constraint.is_satisfied_by(value), value


def test_shared_constraints():
    for value in (None, -1, -2, 1, 8):
        validate_parameter_constraints({"n_jobs": N_JOBS}, {"n_jobs": value}, "M")
    for value in (0, "abc", 1.5, True):
        with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of M"):
            validate_parameter_constraints({"n_jobs": N_JOBS}, {"n_jobs": value}, "M")
    for value in (None, 0, np.random.SeedSequence(1), np.random.default_rng(1)):
        validate_parameter_constraints(
            {"random_state": RANDOM_STATE}, {"random_state": value}, "M"
        )
    with pytest.raises(InvalidParameterError, match="SeedSequence"):
        validate_parameter_constraints(
            {"random_state": RANDOM_STATE}, {"random_state": -1}, "M"
        )


def test_no_validation_is_skipped():
    validate_parameter_constraints({"a": "no_validation"}, {"a": object()}, "M")


def test_check_n_jobs():
    assert check_n_jobs(None) is None and check_n_jobs(-1) == -1
    for bad in (0, "2", 2.0, False):
        with pytest.raises(ValueError, match="nonzero int"):
            check_n_jobs(bad)


# ---------------------------------------------------------------- x0
def test_x0_forms_and_copy():
    X = _data()
    model = _Walk().fit(X)
    x0 = np.array([0.5, -0.5])
    paths = model.sample(3, x0=x0, n_paths=2)
    assert paths.shape == (2, 3, 2) and np.all(paths[:, 0] == x0)
    np.testing.assert_array_equal(
        model.sample(2, x0=x0[None], n_paths=3)[:, 0, 1], -0.5
    )
    one = _Walk().fit(X[..., :1])
    assert one.sample(2, x0=0.25, n_paths=2).shape == (2, 2, 1)
    checked = model._check_x0(x0, 2)
    checked[0, 0] = 9.0
    assert x0[0] == 0.5  # the caller's array is never touched


@pytest.mark.parametrize(
    "x0, error, match",
    [
        (np.zeros(3), ValueError, r"shape \(2,\) for every path or \(n_paths=2, 2\)"),
        (np.zeros((3, 2)), ValueError, "got shape"),
        ([np.nan, 0.0], ValueError, "NaN or infinity"),
        ([1j, 0.0], ValueError, "Complex data not supported in x0"),
        ([[0.0], [1.0, 2.0]], TypeError, "x0 must be a numeric array-like"),
        (["a", "b"], TypeError, "x0 must be a numeric array-like"),
    ],
)
def test_x0_errors(x0, error, match):
    model = _Walk().fit(_data())
    with pytest.raises(error, match=match):
        model.sample(3, x0=x0, n_paths=2)


def test_x0_bound():
    X = _data()
    model = _Walk().fit(X)
    assert model.state_bound_ == state_bound(X)
    assert state_bound(X) == pytest.approx(
        np.max(np.abs(X)) + 100 * np.max(X.std(axis=(0, 1)))
    )
    model.sample(2, x0=[model.state_bound_, 0.0])  # the bound itself is inside
    with pytest.raises(ValueError, match=r"x0\[0, 1\] = -.*state_bound_ = "):
        model.sample(2, x0=[0.0, -1.01 * model.state_bound_])


def test_constant_data_bound_is_finite():
    assert np.isfinite(state_bound(np.ones((1, 5, 1))))


def test_sample_checks_counts():
    model = _Walk().fit(_data())
    with pytest.raises(ValueError, match="n_steps"):
        model.sample(0)
    with pytest.raises(TypeError, match="n_paths"):
        model.sample(2, n_paths=1.5)


# ---------------------------------------------------------------- dt
def test_dt_change_after_fit_refused_and_refit_accepted():
    X = _data()
    model = _Walk(dt=0.1).fit(X)
    model.set_params(dt=0.2)
    with pytest.raises(ValueError, match=r"dt was 0.1 .* now 0.2.*Refit"):
        model.sample(2)
    model.set_params(dt=0.1)
    model.sample(2)
    model.set_params(dt=0.2).fit(X)
    model.sample(2)


def test_old_pickles_without_records_still_sample():
    model = _Walk().fit(_data())
    del model._fit_time_values, model.state_bound_
    model.set_params(dt=1.0)
    assert model.sample(2, x0=[1e300, 0.0]).shape == (1, 2, 2)


# ------------------------------------------------------------ score
def test_statistical_score_perfect_and_blow_up():
    X = np.repeat(_data()[:, :1], 40, axis=1)  # constant paths: reproduced exactly
    model = _Walk().fit(X)
    assert model.score(X) == pytest.approx(0.0, abs=1e-9)
    model.set_params(blow_up=True)
    with pytest.warns(RuntimeWarning, match=r"step 3 of member 1.*-inf"):
        assert model.score(X) == -np.inf


# ------------------------------------------------------------ scorers
class _Density(SkromEstimator):
    _parameter_constraints = {}

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[-1]
        return self

    def sample(self, n_samples, x0=None, random_state=None):
        return np.random.default_rng(random_state).normal(
            size=(n_samples, self.n_features_in_)
        )


def test_scorers_on_a_density_model():
    X = np.random.default_rng(1).normal(size=(2, 500, 1))
    model = _Density().fit(X)
    assert -0.1 < pdf_kl_scorer(model, X) <= 0
    with pytest.raises(ValueError, match="needs time order"):
        acf_error_scorer(model, X)


# ------------------------------------------------------ tags, pickles
def test_tags_and_persistence():
    model = _Walk().fit(_data())
    tags = model.__sklearn_tags__()
    assert not tags.non_deterministic and not tags.input_tags.allow_nan
    assert isinstance(model, VersionedStateMixin)
    back = pickle.loads(pickle.dumps(model))
    assert back.state_bound_ == model.state_bound_
    state = model.__getstate__()
    state["_skrom_version"] = "9.9.0"
    with pytest.raises(IncompatibleModelError, match="_Walk"):
        _Walk().__setstate__(state)
