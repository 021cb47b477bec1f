"""KGMMScore: known scores, sklearn conventions, reproducibility, errors."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrom.score import KGMMScore

FAST = dict(max_epochs=30, max_passes=3, hidden_layers=(16,), prob=0.05)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _double_well(n, seed=0):
    """Samples of p(x) ~ exp(-(x^2 - 1)^2) by inverse-CDF on a fine grid."""
    grid = np.linspace(-3.0, 3.0, 60001)
    cdf = np.cumsum(np.exp(-((grid**2 - 1.0) ** 2)))
    cdf /= cdf[-1]
    u = np.random.default_rng(seed).random(n)
    return np.interp(u, cdf, grid)[:, None]


def _bulk_grid_double_well():
    grid = np.linspace(-3.0, 3.0, 1201)
    dens = np.exp(-((grid**2 - 1.0) ** 2))
    return grid[dens > 0.01 * dens.max()]


MIX_MEANS = np.array([[-1.5, 0.0], [1.5, 0.5], [0.0, -1.5]])
MIX_COVS = np.array(
    [[[0.5, 0.2], [0.2, 0.4]], [[0.4, -0.1], [-0.1, 0.6]], [[0.6, 0.0], [0.0, 0.3]]]
)
MIX_WEIGHTS = np.array([0.4, 0.35, 0.25])


def _mixture_samples(n, seed=0):
    rng = np.random.default_rng(seed)
    comp = rng.choice(3, n, p=MIX_WEIGHTS)
    X = np.empty((n, 2))
    for k in range(3):
        m = comp == k
        X[m] = rng.multivariate_normal(MIX_MEANS[k], MIX_COVS[k], m.sum())
    return X


def _mixture_truth(x):
    """Density, score and divergence of the score of the Gaussian mixture."""
    dens = np.zeros(len(x))
    grad = np.zeros((len(x), 2))
    lap = np.zeros(len(x))
    for w, m, C in zip(MIX_WEIGHTS, MIX_MEANS, MIX_COVS, strict=True):
        Ci = np.linalg.inv(C)
        d = x - m
        v = d @ Ci
        phi = (
            w
            * np.exp(-0.5 * np.sum(v * d, 1))
            / (2 * np.pi * np.sqrt(np.linalg.det(C)))
        )
        dens += phi
        grad -= phi[:, None] * v
        lap += phi * (np.sum(v * v, 1) - np.trace(Ci))
    score = grad / dens[:, None]
    return dens, score, lap / dens - np.sum(score**2, 1)


def _rel(a, b):
    return float(np.sqrt(np.sum((a - b) ** 2) / np.sum(b**2)))


def test_double_well_score_and_divergence():
    X = _double_well(100_000)
    est = KGMMScore(max_epochs=1500, random_state=0).fit(X)
    x = _bulk_grid_double_well()[:, None]
    true_score = -4.0 * x[:, 0] * (x[:, 0] ** 2 - 1.0)
    true_div = -(12.0 * x[:, 0] ** 2 - 4.0)
    assert est.predict(x).shape == (len(x), 1)
    assert _rel(est.predict(x)[:, 0], true_score) < 0.1
    assert _rel(est.predict_divergence(x), true_div) < 0.3
    # the per-cluster estimates are unbiased but noisy (one cell each)
    c = est.cluster_centers_[:, 0]
    inside = np.exp(-((c**2 - 1.0) ** 2)) > 0.05
    assert (
        _rel(est.cluster_scores_[inside, 0], -4.0 * c[inside] * (c[inside] ** 2 - 1))
        < 0.3
    )
    assert est.cluster_counts_.sum() == est.n_passes_ * len(X)


def test_gaussian_mixture_score_and_divergence():
    X = _mixture_samples(100_000)
    est = KGMMScore(random_state=0).fit(X)
    g = np.linspace(-4.0, 4.0, 61)
    pts = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    dens, score, div = _mixture_truth(pts)
    bulk = dens > 0.01 * dens.max()
    assert _rel(est.predict(pts[bulk]), score[bulk]) < 0.1
    assert _rel(est.predict_divergence(pts[bulk]), div[bulk]) < 0.3


def test_original_units_and_kmeans_option():
    # a Gaussian of std 3 around 10: score -(x - 10) / 9 in original units
    X = np.random.default_rng(1).normal(10.0, 3.0, size=(20_000, 1))
    for clustering in ("bisecting", "kmeans"):
        est = KGMMScore(
            sigma=0.1, prob=5e-3, clustering=clustering, random_state=0
        ).fit(X)
        x = np.linspace(5.0, 15.0, 21)[:, None]
        assert _rel(est.predict(x), -(x - 10.0) / 9.0) < 0.1
        assert _rel(est.predict_divergence(x), np.full(21, -1.0 / 9.0)) < 0.3
        assert np.all(np.abs(est.cluster_centers_ - 10.0) < 20.0)
    assert est.n_clusters_ == 200


def test_trajectory_set_flattened_and_sample():
    X = _double_well(40_000, seed=3).reshape(4, 10_000, 1)
    est = KGMMScore(prob=5e-3, random_state=0).fit(X)
    assert est.n_features_in_ == 1
    assert est.predict(X[:2]).shape == (20_000, 1)
    draws = est.sample(4000, random_state=0)
    assert draws.shape == (4000, 1)
    # the learned density is symmetric with wells at +-1: half the mass each side
    assert abs(np.mean(draws > 0) - 0.5) < 0.04
    assert abs(np.mean(np.abs(draws)) - np.mean(np.abs(X))) < 0.05
    np.testing.assert_array_equal(draws, est.sample(4000, random_state=0))
    starts = est.sample(10, x0=[1.0], n_steps=0, random_state=1)
    np.testing.assert_array_equal(starts, np.ones((10, 1)))


def test_reproducible_and_independent_of_n_jobs():
    X = _mixture_samples(3000, seed=2)
    a = KGMMScore(**FAST, random_state=7).fit(X)
    b = KGMMScore(**FAST, random_state=7, n_jobs=2).fit(X)
    assert a.score(X) == b.score(X)
    np.testing.assert_array_equal(a.predict(X[:50]), b.predict(X[:50]))
    np.testing.assert_array_equal(
        a.sample(600, random_state=3), b.sample(600, random_state=3)
    )
    c = KGMMScore(**FAST, random_state=8).fit(X)
    assert a.score(X) != c.score(X)


def test_clone_pickle_joblib_round_trip(tmp_path):
    X = _mixture_samples(3000, seed=4)
    est = KGMMScore(**FAST, random_state=0).fit(X)
    ref = est.sample(50, random_state=5)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.sample(50, random_state=5), ref)
    np.testing.assert_array_equal(again.predict(X[:20]), est.predict(X[:20]))
    joblib.dump(est, tmp_path / "kgmm.joblib")
    loaded = joblib.load(tmp_path / "kgmm.joblib")
    np.testing.assert_array_equal(loaded.sample(50, random_state=5), ref)
    refit = clone(est).fit(X)
    np.testing.assert_array_equal(refit.sample(50, random_state=5), ref)


def test_score_prefers_the_accurate_model():
    X = _double_well(40_000, seed=5)
    held_out = _double_well(20_000, seed=6)
    good = KGMMScore(prob=5e-3, random_state=0).fit(X)
    blurred = KGMMScore(sigma=0.6, prob=5e-3, random_state=0).fit(X)
    assert good.score(held_out) > blurred.score(held_out)
    assert good.score(held_out) == good.score(held_out)


def test_bad_inputs_get_clear_errors():
    X = _mixture_samples(500)
    with pytest.raises(NotFittedError):
        KGMMScore().predict(X)
    with pytest.raises(ValueError, match="reshape"):
        KGMMScore(**FAST).fit(X[:, 0])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KGMMScore(**FAST).fit(bad)
    with pytest.raises(ValueError, match="at least 2 samples"):
        KGMMScore(**FAST).fit(X[:1])
    for params, err in [
        (dict(sigma=-1.0), ValueError),
        (dict(sigma="a"), TypeError),
        (dict(prob=0.9), ValueError),
        (dict(clustering="dbscan"), ValueError),
        (dict(max_passes=0), ValueError),
        (dict(hidden_layers=(16, 0)), ValueError),
        (dict(activation="sigmoid"), ValueError),
        (dict(n_clusters=0), ValueError),
    ]:
        with pytest.raises(err):
            KGMMScore(**{**FAST, **params}).fit(X)
    est = KGMMScore(**FAST, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        est.predict(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="x0"):
        est.sample(5, x0=[np.nan, 0.0])
    kept = X.copy()
    est.predict(X)
    KGMMScore(**FAST, random_state=0).fit(X)
    np.testing.assert_array_equal(X, kept)


@parametrize_with_checks([KGMMScore(**FAST, random_state=0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_score_is_confined_beyond_the_clusters():
    # few samples: the network has nothing to go on far from the data, so the
    # score there must be the restoring Gaussian tail, whatever it extrapolates
    x = np.random.default_rng(0).gamma(2.0, 1.0, size=(600, 1))
    est = KGMMScore(sigma=0.1, prob=0.02, max_epochs=100, random_state=0).fit(x)
    far = np.array([[x.max() + 30 * x.std()], [x.min() - 30 * x.std()]])
    s = est.predict(far)[:, 0]
    assert s[0] < 0 < s[1]
    # slope of the tail: that of a unit Gaussian in standardised units
    div = est.predict_divergence(far)
    np.testing.assert_allclose(div, -1.0 / est.scale_[0] ** 2)
    # chains started far outside come back to the data
    out = est.sample(
        200,
        x0=np.full(1, x.max() + 20 * x.std()),
        random_state=1,
        n_steps=3000,
        dt=0.01,
    )
    assert np.all(np.isfinite(out))
    assert np.median(out) < x.max()
