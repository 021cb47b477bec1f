import copy
import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrom.flows import SFMLFlow
from skrom.flows._drift import drift_design

TINY = dict(max_epochs=3, batch_size=256, hidden_layers=(8,), n_transforms=2)

EXPECTED_FAILED = {}


@parametrize_with_checks(
    [
        SFMLFlow(
            max_epochs=2,
            batch_size=16,
            hidden_layers=(4,),
            n_transforms=1,
            random_state=0,
        ),
        SFMLFlow(
            max_epochs=2,
            batch_size=16,
            hidden_layers=(4,),
            n_transforms=1,
            mean_calibration=True,
            random_state=0,
        ),
        SFMLFlow(
            max_epochs=2,
            batch_size=16,
            hidden_layers=(4,),
            n_transforms=1,
            noise_scale="state",
            random_state=0,
        ),
    ],
    expected_failed_checks=lambda e: EXPECTED_FAILED,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ---------------------------------------------------------------- OU truth
OU = dict(theta=1.0, mu=0.5, sigma=0.8, dt=0.01)


def _ou_moments(x):
    """Exact mean and variance of x_{n+1} given x_n = x for the OU process."""
    a = np.exp(-OU["theta"] * OU["dt"])
    var = OU["sigma"] ** 2 * (1 - a * a) / (2 * OU["theta"])
    return OU["mu"] + (x - OU["mu"]) * a, var


def _simulate_ou(n_traj, n_steps, rng, low=-1.5, high=2.5):
    """Exact OU paths (no discretisation error) from uniform initial states."""
    X = np.empty((n_traj, n_steps, 1))
    X[:, 0, 0] = rng.uniform(low, high, n_traj)
    for k in range(1, n_steps):
        mean, var = _ou_moments(X[:, k - 1, 0])
        X[:, k, 0] = mean + np.sqrt(var) * rng.standard_normal(n_traj)
    return X


def _check_ou_moments(model, states, mean_tol, var_tol, n_draws=200_000):
    mean_true, var_true = _ou_moments(states)
    mean_model = model.predict(states[:, None])[:, 0]
    # one step of the generator from each state gives draws of x_{n+1} | x_n
    x0 = np.repeat(states[:, None], n_draws, axis=0)
    draws = model.sample(2, x0=x0, n_paths=x0.shape[0], random_state=3)[:, 1, 0]
    var_model = draws.reshape(states.size, n_draws).var(axis=1)
    mean_err = np.abs(mean_model - mean_true) / np.sqrt(var_true)
    var_err = np.abs(var_model / var_true - 1)
    assert mean_err.max() < mean_tol, (mean_err, var_err)
    assert var_err.max() < var_tol, (mean_err, var_err)
    return mean_err, var_err


def _ou_log_likelihood(X):
    mean, var = _ou_moments(X[:, :-1, 0])
    resid = X[:, 1:, 0] - mean
    return np.mean(-0.5 * np.log(2 * np.pi * var) - resid**2 / (2 * var))


@pytest.fixture(scope="module")
def ou_model():
    rng = np.random.default_rng(0)
    X = _simulate_ou(500, 101, rng)
    return SFMLFlow(
        hidden_layers=(16, 16),
        n_transforms=2,
        max_epochs=20,
        batch_size=2048,
        random_state=0,
    ).fit(X)


def test_ou_one_step_moments_small(ou_model):
    # a small, fast version of the slow test below: 50,000 pairs, a smaller
    # flow, states in the bulk of the data; looser tolerances (mean within 3%
    # of the conditional std, variance within 5%; measured 1.5% and 2.5%)
    # because 50,000 pairs pin the local variance down only to about 2%
    _check_ou_moments(
        ou_model, np.array([-0.5, 0.0, 0.5, 1.0, 1.5]), mean_tol=0.03, var_tol=0.05
    )


def test_ou_score_matches_exact_log_likelihood(ou_model):
    X_test = _simulate_ou(300, 101, np.random.default_rng(7))
    exact = _ou_log_likelihood(X_test)
    assert abs(ou_model.score(X_test) - exact) < 0.01
    # held-out data cannot be explained much better than by the truth
    assert ou_model.score(X_test) < exact + 0.002


def test_mean_calibration_gives_the_least_squares_mean():
    # after the calibration the generated one-step mean has the data's
    # projection on the prior's design functions, i.e. the least-squares fit.
    # A 1-D MAF is a conditional Gaussian, so the antithetic mean of predict
    # is exact and only rounding is left (measured 4e-10 of the residual
    # scale); the flow's own mean had a projection of 0.011 of it.
    X = _simulate_ou(100, 51, np.random.default_rng(2))
    x_now, x_next = X[:, :-1].reshape(-1, 1), X[:, 1:].reshape(-1, 1)
    params = dict(
        hidden_layers=(16, 16),
        n_transforms=2,
        max_epochs=10,
        batch_size=512,
        random_state=0,
    )
    model = SFMLFlow(mean_calibration=True, **params).fit(X)
    raw = SFMLFlow(**params).fit(X)
    cond = (x_now - model.state_mean_) / model.state_scale_
    design = drift_design(cond, model.drift_powers_, model.state_range_)
    least_squares = np.linalg.lstsq(design, x_next - x_now, rcond=None)[0]

    def gap(m):
        """RMS of the generated mean's projection minus the fit, in units of s."""
        coef = np.linalg.lstsq(design, m.predict(x_now) - x_now, rcond=None)[0]
        return (
            np.sqrt(np.mean((design @ (coef - least_squares)) ** 2))
            / m.increment_scale_[0]
        )

    assert gap(model) < 1e-6
    assert gap(raw) > 1e-3
    assert gap(raw) == pytest.approx(model.mean_correction_rms_[0], rel=1e-3)
    np.testing.assert_allclose(
        model.increment_coef_ + model.mean_correction_,
        raw.increment_coef_,
        rtol=1e-10,
        atol=1e-14,
    )
    np.testing.assert_array_equal(raw.mean_correction_, 0.0)
    np.testing.assert_array_equal(raw.mean_correction_rms_, 0.0)


def test_mean_calibration_reproducible_pickles_and_leaves_input(walk):
    X = walk.copy()
    a = SFMLFlow(**TINY, mean_calibration=True, random_state=0).fit(X)
    np.testing.assert_array_equal(X, walk)
    b = SFMLFlow(**TINY, mean_calibration=True, random_state=0).fit(X)
    np.testing.assert_array_equal(a.mean_correction_, b.mean_correction_)
    c = SFMLFlow(**TINY, mean_calibration=True, random_state=1).fit(X)
    assert not np.allclose(a.mean_correction_, c.mean_correction_)
    # the 2-D flow is not affine, so the correction is a Monte-Carlo estimate
    assert np.all(a.mean_correction_rms_ > 0)
    ref = a.sample(6, x0=walk[0, 0], n_paths=3, random_state=2)
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(loaded.increment_coef_, a.increment_coef_)
    np.testing.assert_array_equal(
        loaded.sample(6, x0=walk[0, 0], n_paths=3, random_state=2), ref
    )


# ------------------------------------------------ state-dependent noise scale
ANISO_FLOOR = 1e-3
ANISO_RADIAL = 0.02


def _aniso_cov(x):
    """Covariance (n, 2, 2) of the step from ``x``: a floor plus radial noise."""
    return ANISO_FLOOR * np.eye(2) + ANISO_RADIAL * x[:, :, None] * x[:, None, :]


def _aniso_pairs(n, rng):
    """Pairs of a linear map with Gaussian noise of covariance ``_aniso_cov``."""
    x = rng.uniform(-1.5, 1.5, (n, 2))
    factor = np.linalg.cholesky(_aniso_cov(x))
    x_next = 0.9 * x + np.einsum("nij,nj->ni", factor, rng.standard_normal((n, 2)))
    return np.stack([x, x_next], axis=1)


@pytest.fixture(scope="module")
def aniso():
    pairs = _aniso_pairs(50_000, np.random.default_rng(0))
    params = dict(
        drift_degree=1, max_epochs=1, hidden_layers=(8,), n_transforms=1, random_state=0
    )
    return (
        pairs,
        SFMLFlow(noise_scale="state", **params).fit(pairs),
        SFMLFlow(**params).fit(pairs),
    )


def _fitted_cov(model, states):
    factor, log_det = model._noise_factor(
        (states - model.state_mean_) / model.state_scale_
    )
    return factor @ factor.transpose(0, 2, 1), factor, log_det


def test_state_noise_scale_matches_true_covariance(aniso):
    # the covariance is quadratic in the state, so the degree-2 fit holds it;
    # what is left is the least-squares error, of order 1/sqrt(n) of the
    # large corners' covariance (40 times the floor at |x| = 1). Measured on
    # the grid: covariance within 16% (Frobenius), the variance across the
    # radius within 0.56-1.31 of the truth. The global scale is off by more
    # than 100% in both.
    _, model, global_model = aniso
    grid = np.linspace(-1.0, 1.0, 5)
    states = np.array([(a, b) for a in grid for b in grid])
    truth = _aniso_cov(states)
    eigval, eigvec = np.linalg.eigh(truth)
    quiet = eigvec[:, :, 0]

    def errors(m):
        cov, factor, log_det = _fitted_cov(m, states)
        rel = np.linalg.norm(cov - truth, axis=(1, 2)) / np.linalg.norm(
            truth, axis=(1, 2)
        )
        ratio = np.einsum("ni,nij,nj->n", quiet, cov, quiet) / eigval[:, 0]
        return rel, ratio, cov, factor, log_det

    rel, ratio, cov, factor, log_det = errors(model)
    assert rel.max() < 0.25, rel
    assert np.all((ratio > 0.5) & (ratio < 2.0)), ratio
    np.testing.assert_array_equal(np.triu(factor, 1), 0.0)
    np.testing.assert_allclose(log_det, 0.5 * np.log(np.linalg.det(cov)), rtol=1e-9)
    assert model.noise_coef_.shape == (6, 2, 2)
    rel, ratio, *_ = errors(global_model)
    assert rel.max() > 1.0 and ratio.max() > 2.0


def test_state_noise_scale_in_likelihood_and_sample(aniso):
    # the flow models L(x)^{-1} (residual) after one epoch; the likelihood
    # carries -log|det L(x)|, so on this process it beats one global scale.
    # Measured, held out: 2.34 against 1.22 nats per pair; exact 2.49
    pairs, model, global_model = aniso
    test = _aniso_pairs(20_000, np.random.default_rng(1))
    assert model.score(test) > global_model.score(test) + 0.5
    x, x_next = test[:, 0], test[:, 1]
    truth = _aniso_cov(x)
    resid = x_next - 0.9 * x
    exact = np.mean(
        -np.log(2 * np.pi)
        - 0.5 * np.log(np.linalg.det(truth))
        - 0.5 * np.einsum("ni,nij,nj->n", resid, np.linalg.inv(truth), resid)
    )
    assert exact - 0.3 < model.score(test) < exact + 0.02
    # a generated step is x + a(x) + L(x) T^{-1}(z): its likelihood is the
    # flow's density of T^{-1}(z) less log|det L(x)|
    x0 = test[:5, 0]
    z = np.random.default_rng(2).standard_normal((5, 2))
    x1 = model._step(x0, z)
    cond = (x0 - model.state_mean_) / model.state_scale_
    with torch.no_grad():
        dist = model.flow_(torch.as_tensor(cond, dtype=torch.float32))
        u = dist.transform.inv(torch.as_tensor(z, dtype=torch.float32))
        flow_ll = dist.log_prob(u).numpy().astype(np.float64)
    _, _, log_det = _fitted_cov(model, x0)
    np.testing.assert_allclose(
        model._log_likelihood(x0, x1), flow_ll - log_det, rtol=1e-4, atol=1e-4
    )


def test_state_noise_scale_reproducible_and_pickles(walk):
    a = SFMLFlow(**TINY, noise_scale="state", random_state=0).fit(walk)
    b = SFMLFlow(**TINY, noise_scale="state", random_state=0).fit(walk)
    ref = a.sample(6, x0=walk[0, 0], n_paths=3, random_state=2)
    np.testing.assert_array_equal(
        b.sample(6, x0=walk[0, 0], n_paths=3, random_state=2), ref
    )
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(
        loaded.sample(6, x0=walk[0, 0], n_paths=3, random_state=2), ref
    )
    assert loaded.score(walk) == a.score(walk)
    # the scale is equivariant: fits on X and on c * X differ by d log c
    c = SFMLFlow(**TINY, noise_scale="state", random_state=0).fit(10.0 * walk)
    assert c.score(10.0 * walk) == pytest.approx(
        a.score(walk) - 2 * np.log(10.0), abs=1e-3
    )


@pytest.mark.slow
def test_ou_one_step_moments():
    # the paper's data budget: 10,000 bursts of T = 1 (10^6 pairs)
    X = _simulate_ou(10_000, 101, np.random.default_rng(0))
    # measured: mean within 0.6% of the conditional std, variance within 0.9%
    model = SFMLFlow(random_state=0).fit(X)
    _check_ou_moments(model, np.linspace(-1.0, 2.0, 7), mean_tol=0.02, var_tol=0.02)


# ------------------------------------------------------------ contract
@pytest.fixture(scope="module")
def walk():
    rng = np.random.default_rng(1)
    return np.cumsum(0.1 * rng.standard_normal((40, 25, 2)), axis=1)


@pytest.fixture(scope="module")
def fitted(walk):
    return SFMLFlow(**TINY, random_state=0).fit(walk)


def test_fitted_attributes(fitted, walk):
    m = fitted
    assert m.n_features_in_ == 2
    assert m.n_pairs_ == 40 * 24
    assert m.state_mean_.shape == m.state_scale_.shape == (2,)
    assert m.increment_scale_.shape == (2,)
    # cubic prior in two features: 1 + 2 + 3 + 4 terms
    assert m.drift_powers_.shape == m.increment_coef_.shape == (10, 2)
    # no mean calibration by default
    np.testing.assert_array_equal(m.mean_correction_, np.zeros((10, 2)))
    np.testing.assert_array_equal(m.mean_correction_rms_, np.zeros(2))
    assert m.state_range_.shape == (2, 2)
    # the global noise scale as a covariance model: constant and diagonal
    assert m.noise_powers_.shape == (1, 2)
    np.testing.assert_array_equal(m.noise_coef_[0], np.diag(m.increment_scale_**2))
    assert m.noise_min_eigenvalue_ > 0
    assert m.time_step_ == pytest.approx(0.01)
    assert m.n_epochs_ == len(m.history_["epoch"]) <= TINY["max_epochs"]
    for key in ("train_loss", "val_loss", "val_log_likelihood", "learning_rate"):
        assert len(m.history_[key]) == m.n_epochs_
    assert all(p.device.type == "cpu" for p in m.flow_.parameters())
    assert not m.flow_.training


def test_sample_shapes_and_first_point(fitted, walk):
    S = fitted.sample(7, x0=walk[0, 0], n_paths=3, random_state=1)
    assert S.shape == (3, 7, 2)
    np.testing.assert_array_equal(S[:, 0], np.broadcast_to(walk[0, 0], (3, 2)))
    S2 = fitted.sample(5, x0=walk[:4, 0], n_paths=4, random_state=1)
    np.testing.assert_array_equal(S2[:, 0], walk[:4, 0])
    S3 = fitted.sample(2, n_paths=2, random_state=1)
    np.testing.assert_array_equal(S3[:, 0], np.tile(fitted.state_mean_, (2, 1)))
    assert fitted.sample(1, x0=walk[0, 0]).shape == (1, 1, 2)


def test_sample_is_batched_over_paths(fitted, walk):
    # path i of a batch does not depend on the other paths' states
    x0 = walk[:3, 0]
    S = fitted.sample(4, x0=x0, n_paths=3, random_state=5)
    z_paths = fitted.sample(
        4, x0=np.vstack([x0[:1], x0[:1], x0[:1]]), n_paths=3, random_state=5
    )
    np.testing.assert_allclose(S[0], z_paths[0])


def test_sample_reproducible_and_seed_dependent(fitted, walk):
    a = fitted.sample(10, x0=walk[0, 0], n_paths=5, random_state=3)
    b = fitted.sample(10, x0=walk[0, 0], n_paths=5, random_state=3)
    c = fitted.sample(10, x0=walk[0, 0], n_paths=5, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_sample_independent_of_n_jobs(walk):
    m1 = SFMLFlow(**TINY, random_state=0, n_jobs=1).fit(walk)
    m2 = SFMLFlow(**TINY, random_state=0, n_jobs=2).fit(walk)
    np.testing.assert_allclose(
        m1.sample(6, x0=walk[0, 0], n_paths=4, random_state=2),
        m2.sample(6, x0=walk[0, 0], n_paths=4, random_state=2),
        rtol=1e-5,
        atol=1e-6,
    )


def test_fit_reproducible_with_random_state(walk, fitted):
    again = SFMLFlow(**TINY, random_state=0).fit(walk)
    assert again.history_["train_loss"] == fitted.history_["train_loss"]
    np.testing.assert_array_equal(
        again.sample(5, x0=walk[0, 0], n_paths=3, random_state=1),
        fitted.sample(5, x0=walk[0, 0], n_paths=3, random_state=1),
    )
    other = SFMLFlow(**TINY, random_state=1).fit(walk)
    assert other.history_["train_loss"] != fitted.history_["train_loss"]


def test_fit_leaves_torch_rng_alone(walk):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    SFMLFlow(**TINY, random_state=0).fit(walk)
    torch.testing.assert_close(torch.rand(3), expected)


def test_pickle_joblib_clone_round_trip(fitted, walk, tmp_path):
    ref = fitted.sample(8, x0=walk[0, 0], n_paths=4, random_state=9)
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        loaded.sample(8, x0=walk[0, 0], n_paths=4, random_state=9), ref
    )
    joblib.dump(fitted, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(
        loaded.sample(8, x0=walk[0, 0], n_paths=4, random_state=9), ref
    )
    assert loaded.score(walk) == fitted.score(walk)
    cloned = clone(fitted)
    assert cloned.get_params() == fitted.get_params()
    assert not hasattr(cloned, "flow_")


def test_pairs_given_directly_equal_trajectories(walk):
    # a set of two-step trajectories is a set of pairs
    pairs = np.stack([walk[:, :-1].reshape(-1, 2), walk[:, 1:].reshape(-1, 2)], axis=1)
    a = SFMLFlow(**TINY, random_state=0).fit(walk)
    b = SFMLFlow(**TINY, random_state=0).fit(pairs)
    assert a.n_pairs_ == b.n_pairs_
    np.testing.assert_allclose(a.predict(walk[0]), b.predict(walk[0]), rtol=1e-6)


def test_random_pairs_per_trajectory(walk):
    m = SFMLFlow(**TINY, n_pairs_per_trajectory=4, random_state=0).fit(walk)
    assert m.n_pairs_ == 40 * 4
    m = SFMLFlow(**TINY, n_pairs_per_trajectory=1000, random_state=0).fit(walk)
    assert m.n_pairs_ == 40 * 24


def test_lag(walk):
    m = SFMLFlow(**TINY, lag=3, dt=0.5, random_state=0).fit(walk)
    assert m.n_pairs_ == 40 * 22
    assert m.time_step_ == pytest.approx(1.5)
    assert np.isfinite(m.score(walk))


def test_predict_shapes(fitted, walk):
    assert fitted.predict(walk[:3, :4]).shape == (3, 4, 2)
    P = fitted.predict(walk[0])
    assert P.shape == (25, 2)
    np.testing.assert_array_equal(P, fitted.predict(walk[0]))  # fixed seed
    np.testing.assert_allclose(P[3], fitted.predict(walk[0, 3:4])[0], rtol=1e-5)


def test_score_in_data_units(walk):
    # standardisation makes fits on X and on c * X the same model, so the
    # log-likelihoods differ by the log-Jacobian d * log(c)
    a = SFMLFlow(**TINY, random_state=0).fit(walk)
    b = SFMLFlow(**TINY, random_state=0).fit(10.0 * walk)
    assert b.score(10.0 * walk) == pytest.approx(
        a.score(walk) - 2 * np.log(10.0), abs=1e-3
    )


def test_nsf_flow_and_verbose(walk, capsys):
    m = SFMLFlow(**TINY, flow="nsf", n_bins=4, verbose=1, random_state=0).fit(walk)
    assert np.isfinite(m.score(walk))
    assert np.all(np.isfinite(m.sample(5, x0=walk[0, 0], n_paths=3, random_state=0)))


def test_no_validation_split_runs_all_epochs(walk):
    m = SFMLFlow(**TINY, validation_fraction=0.0, random_state=0).fit(walk)
    assert m.n_epochs_ == TINY["max_epochs"]
    assert np.all(np.isnan(m.history_["val_loss"]))


# ------------------------------------------------------------------ errors
def test_unfitted_raises():
    m = SFMLFlow()
    with pytest.raises(NotFittedError):
        m.sample(3)
    with pytest.raises(NotFittedError):
        m.predict(np.zeros((3, 1)))
    with pytest.raises(NotFittedError):
        m.score(np.zeros((1, 3, 1)))


def test_trajectories_shorter_than_lag_plus_one():
    X = np.zeros((5, 3, 1))
    with pytest.raises(ValueError, match="3 steps; at least 4"):
        SFMLFlow(lag=3).fit(X)


def test_bad_data_rejected(fitted, walk):
    bad = walk.copy()
    bad[2, 3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SFMLFlow(**TINY).fit(bad)
    assert np.isnan(bad[2, 3, 1])  # caller's array untouched
    with pytest.raises(ValueError, match="reshape"):
        SFMLFlow(**TINY).fit(np.zeros(10))
    with pytest.raises(ValueError, match="features"):
        fitted.score(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="features"):
        fitted.predict(np.zeros((4, 1)))
    with pytest.raises(ValueError, match="x0"):
        fitted.sample(3, x0=np.zeros(3))
    with pytest.raises(ValueError, match="x0"):
        fitted.sample(3, x0=[np.nan, 0.0])
    with pytest.raises(ValueError, match="n_steps"):
        fitted.sample(0)


def test_caller_array_not_mutated(walk):
    X = walk.copy()
    m = SFMLFlow(**TINY, random_state=0).fit(X)
    m.predict(X[:2, :3])
    m.score(X)
    m.sample(3, x0=X[:2, 0], n_paths=2)
    np.testing.assert_array_equal(X, walk)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(flow="realnvp"), "flow"),
        (dict(n_transforms=0), "n_transforms"),
        (dict(hidden_layers=()), "hidden_layers"),
        (dict(hidden_layers=(8, 0)), "hidden_layers"),
        (dict(drift_degree=0), "drift_degree"),
        (dict(noise_scale="local"), "noise_scale"),
        (dict(noise_degree=0), "noise_degree"),
        (dict(mean_calibration="yes"), "mean_calibration"),
        (dict(lag=0), "lag"),
        (dict(dt=-0.1), "dt"),
        (dict(n_pairs_per_trajectory=0), "n_pairs_per_trajectory"),
        (dict(max_epochs=0), "max_epochs"),
        (dict(batch_size=0), "batch_size"),
        (dict(learning_rate=0.0), "learning_rate"),
        (dict(validation_fraction=1.0), "validation_fraction"),
        (dict(patience=0), "patience"),
        (dict(n_jobs=0), "n_jobs"),
        (dict(device="nonsense"), "device"),
    ],
)
def test_invalid_hyperparameters(params, match, walk):
    with pytest.raises(ValueError, match=match):
        SFMLFlow(**params).fit(walk)


def test_invalid_hyperparameter_types(walk):
    with pytest.raises(TypeError, match="n_transforms"):
        SFMLFlow(n_transforms=2.5).fit(walk)
    with pytest.raises(TypeError, match="hidden_layers"):
        SFMLFlow(hidden_layers=8).fit(walk)


# ------------------------------------------- the paper's multiscale systems
# system -> (simulator name, published eps, test horizon, SFMLFlow settings).
# The map's step lag * dt is chosen long against each system's fast time
# scale, so that the slow variables are close to Markovian (at lag = 1 the
# fast memory makes the learned spread several % too small).
COMMON = dict(n_pairs_per_trajectory=20, batch_size=4096, max_epochs=20, patience=20)
PAPER_SYSTEMS = {
    "skew_product": ("make_skew_product", 0.01, 4.0, dict(lag=20, **COMMON)),
    "exp_ou": ("make_exp_ou", 0.001, 4.0, dict(lag=20, **COMMON)),
    "triad": ("make_triad", 0.1, 10.0, dict(lag=20, **COMMON)),
    "duan": ("make_duan", 0.001, 8.0, dict(lag=5, **COMMON)),
    # a degree-7 prior: the least-squares cubic's own mean map, iterated
    # from the test's x0 without noise, is already 2.8 spreads off the truth's
    # mean (degree 7: 0.08-0.12, degree 9: 0.05-0.06), and the flow did not
    # make up for it (errors 2.96 and 1.11 with the cubic, 0.69 and 0.38 with
    # degree 7). A state-dependent noise scale of degree 4 hands the radial
    # direction of the noise to the prior: 0.64 and 0.24 (degree 2: 0.84 and
    # 0.34, degree 6: 0.74 and 0.40); with the flow seeded 1, 0.76 and 0.19
    # against the global scale's 0.64 and 0.38. The std error halves, the
    # mean error moves within the seeds' spread
    "oscillator": (
        "make_multiscale_oscillator",
        0.001,
        20.0,
        dict(lag=5, drift_degree=7, noise_scale="state", noise_degree=4, **COMMON),
    ),
}
# Data and ensemble sizes differ from the paper's, for two measured reasons.
# 1. The published 10,000 bursts of T = 1 fix the drift near each system's
#    stationary state only to about +-0.002 of the spread per step (spread
#    of least-squares polynomial drifts over 4 independent data sets, exp_ou
#    and triad), which the long-run mean amplifies to +-0.03. 40,000 bursts
#    halve that.
# 2. The statistic itself is noisy: two independent 10,000-path truths differ
#    by 0.017 (skew_product), 0.028 (exp_ou), 0.041 (triad), 0.038 (duan) and
#    0.060 (oscillator) in the mean, 0.017-0.034 in the std. The model is
#    therefore judged against that two-sample floor at its own ensemble size
#    (skrom.metrics.compare_with_sampling_floor), not a fixed tolerance.
# The ensembles are the authors' 10,000 paths (their oscillator: 500), and
# there are three independent truths (TRUTH_SEEDS): see the criterion below.
N_TRAIN, N_PATHS = 40_000, 10_000
TRUTH_SEEDS = (1, 2, 3)
# systems trained on more bursts than N_TRAIN (see the measurements below)
N_TRAIN_BY_SYSTEM = {"exp_ou": 160_000}
# largest accepted ratio of the model's error to the truth-vs-truth floor
FLOOR_FACTOR = 1.5
# where the truth's spread is tiny against the state (the oscillator), the
# model's errors relative to the state's RMS amplitude must also be below this
AMPLITUDE_TOL = 0.01
# The criterion (issue 17 item 6, restated; proposal, the lead decides):
# floor = the median of the truth-vs-truth error over the three pairings of
# three independent truths, model error = the median of its errors against
# each truth, at 10,000 paths; bar 1.5. Why not one pair of truths: the floor
# of one pair is itself a noisy draw. exp_ou, 20,000 paths: the pair (1, 2)
# gives a mean floor of 0.0113, seed 3 against either 0.0216 and 0.0222;
# at 10,000 paths 15 pairings of six independent half-ensembles span
# 0.017-0.051. The verdict of the one-pair bar was therefore mostly the luck
# of the truths' draw. Measured under it (2026-12-06, one torch thread, the
# model fitted once per system, data seed 0 unless said; ratio = median error
# / median floor, mean then std; 10,000 paths, [20,000 paths]):
#   skew_product 2.18, 1.20  [2.78, 1.09]   missed (mean)
#                data seeds 1 and 2: 3.08, 0.83 [4.24, 1.04]; 2.37, 0.91
#                [3.15, 0.84]: a mean bias of 0.04 of the spread in every
#                fit, not the fit-to-fit spread
#   exp_ou       0.73, 1.27  [1.12, 0.95]   meets (lag 20, 160,000 bursts)
#   triad        0.75, 1.49  [1.42, 1.10]   meets, the std at the bar
#   duan         1.05, 1.09  [0.86, 1.20]   meets (lag 5)
#   oscillator   10.3, 6.5   [14.3, 8.7]    missed (0.14% and 0.05% of the
#                RMS amplitude, inside 1%)
# The model's 10,000 paths are a draw too: the first 10,000 of its 20,000
# paths (seed 1) give triad 0.92, 1.27 and duan 0.74, 1.17, against the
# test's own 10,000 above; the oscillator's 10,000-path figure is of that
# draw. Triad's std (1.49) passes by 0.01: a change in the fit's numbers can
# turn it red without the model being worse.
# At 20,000 paths the floor is about 1% of the spread and exp_ou and triad
# sit near the bar (1.12-1.42); 10,000 paths is the authors' size.
#
# Earlier, one pair of truths (seeds 1, 2) at 20,000 paths (2026-12-06;
# model error / floor, mean then std; bar 1.5):
#   skew_product 0.0311 / 0.0112 = 2.78, 0.0140 / 0.0108 = 1.29   missed
#   exp_ou       0.0242 / 0.0113 = 2.13, 0.0125 / 0.0116 = 1.07   missed
#                (lag 20, 160,000 bursts; at lag 5, 40,000: 2.62, 2.22)
#   triad        0.0408 / 0.0268 = 1.52, 0.0312 / 0.0180 = 1.73   missed
#   duan         0.0181 / 0.0174 = 1.04, 0.0271 / 0.0172 = 1.58   missed
#   oscillator   0.633 / 0.0446 = 14.2, 0.240 / 0.0273 = 8.8     missed
#                (relative to the RMS amplitude: 0.14% and 0.05%, inside 1%)
# The model errors are those of the earlier 5% criterion (which all but the
# oscillator met); the floors at 20,000 paths are a third to two thirds of
# them, so the learned maps keep a bias of one to two floors (triad and
# duan miss by a few %, skew_product and exp_ou by a factor near 2).
#
# What exp_ou's bias was (issue 17; one torch thread, data seed 0 unless
# said, errors in units of the truth's spread, "end" = the last fifth):
# - std: too small by 0.7-0.9% at the end at lag 5 (two data seeds, 40,000
#   and 160,000 bursts alike), the fast memory a Markov map drops: the slow
#   increments of consecutive steps are correlated through y (time eps), a
#   variance deficit of about eps / (lag dt), 2% at lag 5, 0.5% at lag 20.
#   Lag 20 with 160,000 bursts: std 2.22 -> 1.07 floors.
# - mean: the training data's noise. Its end bias moves with the data seed
#   (+0.016 and +0.0005 at 40,000 bursts) and 160,000 bursts bring the
#   ratio from 2.62 to 1.88 (lag 5). Not the cause: epochs (60: 2.57,
#   2.56), the prior's degree (5: 2.82, 2.50), the flow's capacity (the
#   prior with Gaussian noise instead of the flow is off by 0.18-0.20 with
#   the cubic, 0.04 with degree 5: the flow is what corrects the prior).
# - the floor: the test's two truths (seeds 1, 2) happen to give the lowest
#   mean floor of three; a third truth (seed 3) gives 0.0216 and 0.0222
#   against them. Against the median of the three pairings the model is at
#   1.12 and 0.95 floors; at the authors' 10,000 paths (the six halves,
#   15 pairings; floors 0.017-0.051 in the mean) at 0.88 and 0.96.
# skew_product, the same three-truth check (settings above): 2.78 and 1.09
# floors against the median floor at 20,000 paths, 1.60 and 1.11 at 10,000.
# Its mean error moves by several floors from fit to fit: 160,000 bursts
# 4.71 / 1.71 (test floor), noise_scale="state" (degree 2: the noise is
# linear in x) 0.94 / 1.95, that at lag 40 3.81 / 0.83; one fit each, so no
# setting is shown better, and the fitted map's own variance (data and
# training) is several floors here.


def _fit_paper_system(name):
    """The fitted model, independent truths (one per TRUTH_SEEDS) and the model's ensemble."""
    from skrom import datasets

    make_name, eps, horizon, settings = PAPER_SYSTEMS[name]
    make = getattr(datasets, make_name)
    n_train = N_TRAIN_BY_SYSTEM.get(name, N_TRAIN)
    X_train = make(
        n_train, 101, 0.01, eps=eps, x0_range="paper", random_state=0, n_jobs=2
    )
    model = SFMLFlow(dt=0.01, random_state=0, **settings).fit(X_train)
    n_steps = int(round(horizon / 0.01)) + 1
    truths = [
        make(N_PATHS, n_steps, 0.01, eps=eps, random_state=seed, n_jobs=2)[
            :, :: model.lag
        ]
        for seed in TRUTH_SEEDS
    ]
    truth = truths[0]
    paths = model.sample(
        truth.shape[1], x0=truth[:, 0], n_paths=truth.shape[0], random_state=1
    )
    return model, truths, paths


# The oscillator's transition law is nearly singular: z enters both slow
# equations as -gamma z (x, y), so the one-step noise is radial and the phase
# is deterministic (the truth's phase spread at T = 20 is 2e-7; its radial
# spread 0.0003-0.002 sets the 5% scale, about 8e-5). Per step of the map
# (0.05) the criterion therefore needs a tangential spread below about 4e-6
# and a radial mean bias below about 7e-6 (0.6% and 1% of the residual scale
# s = 6.8e-4; radial offsets are contracted only by a factor 0.9 per step),
# and a phase bias below 2e-7. Measured with a global noise scale
# (noise_scale="global"): the flow's phase spread at T = 20 is 4.7e-4 (a std
# error of about 0.3 by itself) and its mean radius on the cycle is off by up
# to 1.1e-3 (a radial bias of up to about 0.15 s per step, varying with the
# phase: a projection on polynomials does not reach it, mean_calibration=True
# gives mean error 0.74, a projection on degree-9 terms 0.61); 60 epochs:
# 0.66 and 0.24. With these settings (noise scaled by the Cholesky factor of
# a degree-4 fit of the residual's covariance) the phase spread at T = 20 is
# 5.6e-5, eight times less, but the mean radius is still off by 1.3e-3: the
# radial bias, in units of the radial scale, is what it was, and it is most
# of the mean error. The flow replaced by its Gaussian base (the same prior
# and Cholesky factor, z passed through): mean / std error 0.133 / 0.466 at
# drift degree 7, 0.061 / 0.463 at 9, 0.084 / 0.464 at 11; the prior alone,
# noise-free, 0.139, 0.055 and 0.087. The least-squares map's own mean is
# thus at the 5% line at its best degree, the truth's two-sample floor with
# these ensembles is 0.045 (mean) and 0.027 (std), and the flow adds its
# bias on top.
_OSCILLATOR_XFAIL = pytest.mark.xfail(
    reason="the oscillator at eps = 0.001 has a nearly singular transition law "
    "(radial noise, deterministic phase); measured at 10,000 paths against "
    "three truths: mean error 0.64 = 10.3 median floors, std error 0.245 = 6.5 "
    "(the bar is 1.5), though only 0.14% and 0.05% of the state's RMS "
    "amplitude (the bar is 1%)",
    strict=False,
)


# Systems that miss the three-truth criterion above at 10,000 paths, with
# the measured ratios. Strict, so a map that reaches the bar turns these red
# and the marker goes.
_FLOOR_UNMET = {
    "skew_product": "mean error 2.18 median floors at 10,000 paths (data seeds "
    "1, 2: 3.08, 2.37); std 1.20",
}


def _paper_param(name):
    if name == "oscillator":
        return pytest.param(name, marks=_OSCILLATOR_XFAIL)
    if name not in _FLOOR_UNMET:
        return name
    reason = "issue 17 floor bar (1.5 median floors) unmet: " + _FLOOR_UNMET[name]
    return pytest.param(name, marks=pytest.mark.xfail(reason=reason, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", [_paper_param(n) for n in PAPER_SYSTEMS])
def test_paper_system_mean_and_std_over_time(name):
    from skrom.metrics import compare_with_sampling_floor

    model, truths, paths = _fit_paper_system(name)
    truth, others = truths[0], truths[1:]
    res = compare_with_sampling_floor(truth, paths, others, factor=FLOOR_FACTOR)
    assert res.passed, (name, res)
    if name == "oscillator":
        amplitude = compare_with_sampling_floor(
            truth, paths, others, statistic="mean_std_amplitude"
        )
        assert max(amplitude.error.values()) < AMPLITUDE_TOL, (name, amplitude)
    if name == "exp_ou":
        # as eps -> 0 the slow variable follows dx/dt = 1 - x + exp(-x); at
        # eps = 0.001 the truth's mean is within 0.03 (of its spread) of it,
        # so the model's is within its own accepted error plus that
        from skrom.datasets import exp_ou_averaged_path
        from skrom.metrics import mean_std_error

        err = mean_std_error(truth, paths)
        averaged = exp_ou_averaged_path(1.1, truth.shape[1], model.time_step_)[0]
        scale = np.sqrt(np.mean(err.std_true**2))
        gap_truth = np.max(np.abs(err.mean_true - averaged)) / scale
        gap_model = np.max(np.abs(err.mean_model - averaged)) / scale
        assert gap_truth < 0.04
        assert gap_model < FLOOR_FACTOR * res.floor["mean"] + 0.04, gap_model


def test_runaway_sample_is_refused(fitted, walk):
    # paths that leave the trusted region (finite but far outside the data)
    # raise instead of being returned; here the region is shrunk to just
    # hold the start, and the walk's paths leave it within a few steps
    from skrom.exceptions import SimulationBlowUpError

    model = copy.deepcopy(fitted)
    x0 = walk[0, 0]
    model.state_bound_ = float(np.abs(x0).max()) * 1.0001
    with pytest.raises(SimulationBlowUpError, match="SFMLFlow.sample.*step"):
        model.sample(50, x0=x0, n_paths=20, random_state=0)
