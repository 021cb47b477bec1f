"""Statistics-aware scorers on a tiny AR(1) model defined here."""

import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LinearRegression
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV

from skrom._random import as_seed_sequence
from skrom._validation import SimulationBlowUpError, check_int, check_trajectories
from skrom.metrics import (
    acf_error,
    acf_error_scorer,
    forecast_crps,
    forecast_crps_scorer,
    forecast_rmse_scorer,
    forecast_skill_scorer,
    make_forecast_scorer,
    make_statistics_scorer,
    mean_std_scorer,
    pdf_hellinger_distance,
    pdf_hellinger_scorer,
    pdf_kl_divergence,
    pdf_kl_scorer,
    residence_time_error,
    residence_time_scorer,
)


class AR1Model(BaseEstimator):
    """Per-feature AR(1) fitted by least squares; ``phi_scale`` mis-specifies it."""

    def __init__(self, *, phi_scale=1.0):
        self.phi_scale = phi_scale

    def fit(self, X, y=None):
        X = check_trajectories(X, min_steps=3)
        self.mean_ = X.mean(axis=(0, 1))
        prev, nxt = X[:, :-1] - self.mean_, X[:, 1:] - self.mean_
        phi = np.sum(prev * nxt, axis=(0, 1)) / np.sum(prev * prev, axis=(0, 1))
        self.phi_ = np.clip(self.phi_scale * phi, -0.999, 0.999)
        self.sigma_ = np.std(nxt - self.phi_ * prev, axis=(0, 1))
        self.n_features_in_ = X.shape[2]
        return self

    def sample(self, n_steps, x0=None, n_paths=1, random_state=None):
        n_steps, n_paths = check_int(n_steps, "n_steps"), check_int(n_paths, "n_paths")
        rng = np.random.default_rng(as_seed_sequence(random_state))
        x = np.broadcast_to(
            self.mean_ if x0 is None else np.asarray(x0, float),
            (n_paths, self.n_features_in_),
        ).copy()
        paths = np.empty((n_paths, n_steps, self.n_features_in_))
        paths[:, 0] = x
        noise = rng.standard_normal((n_paths, n_steps, self.n_features_in_))
        for t in range(1, n_steps):
            x = self.mean_ + self.phi_ * (x - self.mean_) + self.sigma_ * noise[:, t]
            paths[:, t] = x
        return paths


def ou_paths(n_traj, n_steps, seed, theta=1.0, dt=0.1):
    rng = np.random.default_rng(seed)
    a = np.exp(-theta * dt)
    x = np.empty((n_traj, n_steps, 1))
    x[:, 0, 0] = rng.standard_normal(n_traj)
    for t in range(1, n_steps):
        x[:, t, 0] = a * x[:, t - 1, 0] + np.sqrt(1 - a * a) * rng.standard_normal(
            n_traj
        )
    return x


@pytest.fixture(scope="module")
def data():
    return ou_paths(8, 600, seed=0), ou_paths(8, 600, seed=1)


ALL_SCORERS = {
    "kl": pdf_kl_scorer,
    "hellinger": pdf_hellinger_scorer,
    "acf": acf_error_scorer,
    "residence": residence_time_scorer,
    "mean_std": mean_std_scorer,
    "forecast": forecast_skill_scorer,
    "forecast_rmse": forecast_rmse_scorer,
    "forecast_crps": forecast_crps_scorer,
}


@pytest.mark.parametrize("name", [n for n in ALL_SCORERS if n != "mean_std"])
def test_correct_model_scores_higher(name, data):
    train, test = data
    scorer = ALL_SCORERS[name]
    good = AR1Model().fit(train)
    bad = AR1Model(phi_scale=0.5).fit(train)  # decorrelates ~7x too fast
    s_good, s_bad = scorer(good, test), scorer(bad, test)
    assert np.isfinite(s_good) and np.isfinite(s_bad)
    assert s_good > s_bad
    # Lower-is-better metrics become negative scores; skill is a fraction.
    if name == "forecast":
        assert 0.5 < s_good <= 1.0
    else:
        assert s_good <= 0.0


def test_mean_std_scorer_on_an_ensemble_from_one_start(data):
    train, _ = data
    rng = np.random.default_rng(2)
    a = np.exp(-0.1)
    ensemble = np.empty((300, 40, 1))
    ensemble[:, 0] = 2.0
    for t in range(1, 40):
        ensemble[:, t] = a * ensemble[:, t - 1] + np.sqrt(1 - a * a) * rng.normal(
            size=(300, 1)
        )
    good = AR1Model().fit(train)
    bad = AR1Model(phi_scale=0.5).fit(train)
    s_good, s_bad = mean_std_scorer(good, ensemble), mean_std_scorer(bad, ensemble)
    # Two 300-member ensembles: the maxima over 40 times of the sampling
    # errors of the mean and std are ~0.25 of the spread each.
    assert -0.7 < s_good <= 0.0
    assert s_bad < s_good - 0.5


def test_scores_equal_minus_the_metric_on_the_same_draw(data):
    train, test = data
    model = AR1Model().fit(train)
    paths = model.sample(600, x0=test[:, 0], n_paths=8, random_state=0)
    assert pdf_kl_scorer(model, test) == -pdf_kl_divergence(test, paths)
    assert acf_error_scorer(model, test) == -acf_error(test, paths, 150)
    scorer = make_statistics_scorer(
        "pdf_hellinger", n_steps=300, n_paths=16, random_state=5
    )
    paths = model.sample(300, x0=test[np.arange(16) % 8, 0], n_paths=16, random_state=5)
    assert scorer(model, test) == -pdf_hellinger_distance(test, paths)


def test_scorers_are_deterministic_and_picklable(data):
    train, test = data
    model = AR1Model().fit(train)
    for scorer in ALL_SCORERS.values():
        clone_scorer = pickle.loads(pickle.dumps(scorer))
        assert clone_scorer(model, test) == scorer(model, test)


def variance_ratio(X_true, X_model):
    return float(np.var(X_model) / np.var(X_true))


def test_custom_metric_and_greater_is_better(data):
    train, test = data
    model = AR1Model().fit(train)
    paths = model.sample(600, x0=test[:, 0], n_paths=8, random_state=0)
    higher = make_statistics_scorer(variance_ratio, greater_is_better=True)
    lower = make_statistics_scorer(variance_ratio)
    assert higher(model, test) == variance_ratio(test, paths) > 0
    assert lower(model, test) == -variance_ratio(test, paths)
    assert repr(higher) == "StatisticsScorer(variance_ratio, sign=1)"
    assert pickle.loads(pickle.dumps(higher))(model, test) == higher(model, test)
    score = make_statistics_scorer(
        residence_time_error, thresholds=[(-0.5, 0.5)], feature=0, method="rate"
    )(model, test)
    assert score == residence_time_scorer(model, test)


def test_forecast_scorer_of_a_perfect_model_beats_persistence_of_noise(data):
    train, test = data
    perfect = AR1Model().fit(train)
    memoryless = AR1Model(phi_scale=0.0).fit(train)
    scorer = make_forecast_scorer(
        n_leads=5, n_members=20, start_stride=7, thresholds=0.0
    )
    # Over 0.4 time units an OU(theta=1) stays in its half-line ~80 % of the time.
    assert scorer(perfect, test) > 0.7
    assert scorer(memoryless, test) == pytest.approx(0.5, abs=0.1)
    rmse = make_forecast_scorer("rmse", n_leads=5, n_members=20)
    assert rmse(perfect, test) > rmse(memoryless, test)


def test_grid_search_multi_metric_refit(data):
    train, _ = data
    search = GridSearchCV(
        AR1Model(),
        {"phi_scale": [0.5, 1.0]},
        scoring={
            "kl": pdf_kl_scorer,
            "acf": acf_error_scorer,
            "skill": forecast_skill_scorer,
        },
        refit="kl",
        cv=4,
    ).fit(train)
    assert search.best_params_ == {"phi_scale": 1.0}
    for key in ("mean_test_kl", "mean_test_acf", "mean_test_skill"):
        assert np.all(np.isfinite(search.cv_results_[key]))
    assert list(search.cv_results_["rank_test_acf"]) == [2, 1]
    assert search.score(train) == pdf_kl_scorer(search.best_estimator_, train)
    assert isinstance(clone(search.best_estimator_), AR1Model)


def test_pairwise_metrics_work_with_make_scorer():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 1))
    y = 2.0 * x[:, 0] + 0.1 * rng.normal(size=2000)
    model = LinearRegression().fit(x, y)
    for metric in (pdf_kl_divergence, pdf_hellinger_distance):
        scorer = make_scorer(metric, greater_is_better=False)
        assert -0.05 < scorer(model, x, y) <= 0.0
    acf_scorer = make_scorer(acf_error, greater_is_better=False, max_lag=5)
    assert acf_scorer(model, x, y) <= 0.0


def test_bad_scorer_arguments_raise(data):
    with pytest.raises(ValueError, match="metric"):
        make_statistics_scorer("pdf_tv")
    with pytest.raises(TypeError, match="metric"):
        make_statistics_scorer(3)
    with pytest.raises(ValueError, match="n_steps"):
        make_statistics_scorer("pdf_kl", n_steps=1)
    with pytest.raises(ValueError, match="metric"):
        make_forecast_scorer("energy")
    with pytest.raises(ValueError, match="n_members must be >= 2"):
        make_forecast_scorer("crps", n_members=1)
    train, test = data
    model = AR1Model().fit(train)
    with pytest.raises(ValueError, match="n_leads"):
        make_forecast_scorer(n_leads=1000)(model, test)
    with pytest.raises(ValueError, match="NaN"):
        pdf_kl_scorer(model, np.full((2, 10, 1), np.nan))


class _BlowsUp(AR1Model):
    def sample(self, n_steps, x0=None, n_paths=1, random_state=None):
        if self.phi_scale > 1.0:
            raise SimulationBlowUpError("sample blew up at step 3 of member 0")
        return super().sample(n_steps, x0, n_paths, random_state)


class _WrongShape(AR1Model):
    def sample(self, n_steps, x0=None, n_paths=1, random_state=None):
        return super().sample(n_steps, x0, n_paths, random_state)[0]


def test_failed_simulations_become_error_score_in_a_search(data):
    train, test = data
    with pytest.raises(SimulationBlowUpError):
        pdf_kl_scorer(_BlowsUp(phi_scale=2.0).fit(train), test)
    search = GridSearchCV(
        _BlowsUp(),
        {"phi_scale": [1.0, 2.0]},
        scoring={"kl": pdf_kl_scorer},
        refit="kl",
        cv=2,
        error_score=np.nan,
    )
    with pytest.warns(UserWarning):
        search.fit(train)
    assert np.isnan(search.cv_results_["mean_test_kl"][1])
    assert search.best_params_ == {"phi_scale": 1.0}
    with pytest.raises(ValueError, match="sample returned shape"):
        pdf_kl_scorer(_WrongShape().fit(train), test)


def test_start_and_stride_options(data):
    train, test = data
    model = AR1Model().fit(train)
    scorer = make_statistics_scorer("pdf_kl", x0_from_data=False, data_stride=3)
    paths = model.sample(200, x0=None, n_paths=8, random_state=0)
    assert scorer(model, test) == -pdf_kl_divergence(test[:, ::3], paths)
    assert (
        repr(scorer) == "StatisticsScorer('pdf_kl', x0_from_data=False, data_stride=3)"
    )


class _LaggedAR1(AR1Model):
    """AR(1) fitted on every ``lag``-th step, like a flow map with ``lag > 1``."""

    def __init__(self, *, phi_scale=1.0, lag=2, dt=0.1):
        super().__init__(phi_scale=phi_scale)
        self.lag = lag
        self.dt = dt

    def fit(self, X, y=None):
        super().fit(np.asarray(X)[:, :: self.lag])
        self.time_step_ = self.lag * self.dt
        return self


def test_auto_data_stride_follows_the_model_time_step(data):
    train, test = data
    model = _LaggedAR1(lag=3).fit(train)
    auto = make_statistics_scorer("acf_error", max_lag=20)
    explicit = make_statistics_scorer("acf_error", max_lag=20, data_stride=3)
    assert auto(model, test) == explicit(model, test)
    paths = model.sample(200, x0=test[:, 0], n_paths=8, random_state=0)
    assert auto(model, test) == -acf_error(test[:, ::3], paths, 20)
    # Compared step for step with the data, the lagged model decorrelates
    # three times too fast (exact ACF gap 0.39 at lag 5).
    mismatched = make_statistics_scorer("acf_error", max_lag=20, data_stride=1)
    assert mismatched(model, test) < auto(model, test) - 0.15
    skill = make_forecast_scorer("rmse", n_leads=5)
    skill_3 = make_forecast_scorer("rmse", n_leads=5, data_stride=3)
    skill_1 = make_forecast_scorer("rmse", n_leads=5, data_stride=1)
    assert skill(model, test) == skill_3(model, test) != skill_1(model, test)
    model.time_step_ = 0.25
    with pytest.raises(ValueError, match="whole multiple"):
        auto(model, test)


def test_crps_scorer_is_minus_the_mean_fair_crps_after_lead_0(data):
    train, test = data
    model = AR1Model().fit(train)
    scorer = make_forecast_scorer("crps", n_leads=4, n_members=8, max_starts=5)
    starts = [(r, t) for r in range(test.shape[0]) for t in range(0, 597, 4)]
    keep = np.linspace(0, len(starts) - 1, 5).round().astype(int)
    truth = np.stack(
        [test[starts[i][0], starts[i][1] : starts[i][1] + 4] for i in keep]
    )
    paths = model.sample(
        4, x0=np.repeat(truth[:, 0], 8, axis=0), n_paths=40, random_state=0
    ).reshape(5, 8, 4, 1)
    _, crps = forecast_crps(truth, paths)
    assert scorer(model, test) == pytest.approx(-np.mean(crps[1:]), rel=1e-12)
    standard = make_forecast_scorer(
        "crps", n_leads=4, n_members=8, max_starts=5, fair=False
    )
    # The standard CRPS of a small ensemble is larger: a lower score.
    assert standard(model, test) < scorer(model, test)
