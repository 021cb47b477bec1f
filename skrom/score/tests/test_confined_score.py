"""The one confined score: numba kernels, KGMMScore's numpy path and torch agree."""

import numpy as np
import pytest
import torch

from skrom.score import KGMMScore, LangevinROM
from skrom.score._confined_score import (
    NO_SCORE_TABLE,
    confined_scores,
    torch_confined_score,
)

FAST_SCORE = dict(max_epochs=30, max_passes=3, hidden_layers=(16,), prob=0.05)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(0)
    X1 = rng.normal(size=(4000, 1))
    X2 = rng.normal(size=(4000, 2)) * [1.0, 3.0] + [0.0, 5.0]
    return tuple(KGMMScore(**FAST_SCORE, random_state=0).fit(X) for X in (X1, X2))


def _points(est, n=200):
    # inside the box of the clusters and well beyond it on both sides
    rng = np.random.default_rng(1)
    d = est.n_features_in_
    return est.mean_ + est.scale_ * rng.uniform(-6.0, 6.0, size=(n, d))


def _standardised(est, X):
    return (X - est.mean_) / est.scale_


def test_predict_is_the_confined_score(scores):
    for est in scores:
        X = _points(est)
        net_only = est.score_kernel_._replace(table=NO_SCORE_TABLE)
        want = confined_scores(_standardised(est, X), net_only) / est.scale_
        np.testing.assert_allclose(est.predict(X), want, rtol=1e-12, atol=1e-13)
        # beyond the box: the network at the edge plus a unit-Gaussian tail
        Y = _standardised(est, X)
        out = np.any(
            (Y < est.score_kernel_.box_lo) | (Y > est.score_kernel_.box_hi), axis=1
        )
        assert out.sum() > 20


def test_table_stands_in_for_the_network_in_one_dimension(scores):
    est = scores[0]
    sk = est.score_kernel_
    assert sk.table.values.shape[0] > 1
    Y = _standardised(est, _points(est))
    with_table = confined_scores(Y, sk)
    net_only = confined_scores(Y, sk._replace(table=NO_SCORE_TABLE))
    np.testing.assert_allclose(with_table, net_only, rtol=1e-6, atol=1e-7)
    assert not np.array_equal(with_table, net_only)


def test_divergence_and_score_are_those_of_the_confined_score(scores):
    for est in scores:
        X = _points(est, 50)
        Y = _standardised(est, X)
        net_only = est.score_kernel_._replace(table=NO_SCORE_TABLE)
        eps = 1e-6
        div = np.zeros(X.shape[0])
        for k in range(est.n_features_in_):
            step = np.zeros(est.n_features_in_)
            step[k] = eps
            plus = confined_scores(Y + step, net_only)[:, k]
            minus = confined_scores(Y - step, net_only)[:, k]
            div += (plus - minus) / (2 * eps) / est.scale_[k] ** 2
        np.testing.assert_allclose(est.predict_divergence(X), div, atol=1e-5)
        s = confined_scores(Y, net_only) / est.scale_
        want = -np.mean(0.5 * np.sum(s**2, axis=1) + est.predict_divergence(X))
        assert est.score(X) == pytest.approx(want, rel=1e-12)


def test_torch_confined_score_matches_the_kernel(scores):
    for est in scores:
        Y = _standardised(est, _points(est))
        sk = est.score_kernel_
        with torch.no_grad():
            got = torch_confined_score(
                est.interpolator_, torch.as_tensor(Y), sk.box_lo, sk.box_hi
            ).numpy()
        want = confined_scores(Y, sk._replace(table=NO_SCORE_TABLE))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("which", [0, 1])
def test_langevin_kernels_step_with_the_confined_score(scores, which):
    # one noiseless Euler step of each Langevin kernel (1-D: the scalar
    # kernel with the table; 2-D: the general one) is x + h Phi s(x)
    est = scores[which]
    d = est.n_features_in_
    X = _points(est, 6)
    # the score is learned anew (a clone): any samples of the density will do
    data = est.sample(2000, random_state=0).reshape(1, -1, d)
    rom = LangevinROM(score_estimator=est, diffusion=np.eye(d), random_state=0)
    rom.fit(data)
    model = rom.langevin_kernel_
    rom.langevin_kernel_ = model._replace(
        substeps=1, h=0.01, noise=np.zeros_like(model.noise)
    )
    step = rom.sample(2, x0=X, n_paths=X.shape[0], random_state=0)[:, 1]
    fitted = rom.score_estimator_
    s = confined_scores(_standardised(fitted, X), fitted.score_kernel_) / fitted.scale_
    np.testing.assert_allclose(step, X + 0.01 * s @ model.phi.T, rtol=1e-13)
