"""Tests of the response functions: score-based, quasi-Gaussian, ensembles."""

import numpy as np
import pytest
from joblib import parallel_config
from scipy.signal import lfilter
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrom.datasets import make_lorenz96
from skrom.exceptions import SimulationBlowUpError
from skrom.response import (
    GaussianScore,
    GradientPerturbation,
    Lorenz96Simulator,
    SlowFastSimulator,
    StatePower,
    WellIndicator,
    ensemble_response,
    gaussian_response,
    score_response,
)


@parametrize_with_checks([GaussianScore()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _ou(n_traj=4, n_steps=50_000, dt=0.01, theta=1.0, seed=0):
    """Exact AR(1) samples of dx = -theta x dt + dW (variance 1 / (2 theta))."""
    rng = np.random.default_rng(seed)
    a = np.exp(-theta * dt)
    var = 1.0 / (2.0 * theta)
    x = np.empty((n_traj, n_steps))
    x[:, 0] = rng.normal(scale=np.sqrt(var), size=n_traj)
    kick = np.sqrt(var * (1.0 - a * a))
    noise = rng.standard_normal((n_traj, n_steps))
    for t in range(1, n_steps):
        x[:, t] = a * x[:, t - 1] + kick * noise[:, t]
    return x[:, :, None]


class _ExactOUScore:
    """The exact score -2 theta x of the OU density (an object with predict)."""

    n_features_in_ = 1

    def predict(self, X):
        return -2.0 * np.asarray(X).reshape(-1, 1)

    def predict_divergence(self, X):
        return np.full(np.asarray(X).reshape(-1, 1).shape[0], -2.0)


def test_ou_impulse_and_step_response_are_exact():
    # for OU the linear response of x to a kick is exp(-t), to a step 1 - exp(-t)
    X = _ou()
    t = 0.01 * np.arange(201)
    for score in (_ExactOUScore(), GaussianScore().fit(X)):
        r = score_response(X, score, [1.0], max_lag=200, dt=0.01, kind="impulse")
        np.testing.assert_allclose(r.response[:, 0], np.exp(-t), atol=0.06)
        s = score_response(X, score, [1.0], max_lag=200, dt=0.01)
        np.testing.assert_allclose(s.response[:, 0], 1.0 - np.exp(-t), atol=0.06)
        assert r.kind == "impulse" and s.kind == "step"
    # R(0) = -<x s(x)> = 1 by integration by parts, whatever the data
    assert abs(r.response[0, 0] - 1.0) < 0.02


def _ou_filtered(seed, n_traj=2, n_steps=20_000, dt=0.05):
    """As _ou, by a linear filter (fast for many data sets)."""
    rng = np.random.default_rng(seed)
    a = np.exp(-dt)
    e = rng.standard_normal((n_traj, n_steps)) * np.sqrt(0.5 * (1.0 - a * a))
    e[:, 0] = rng.normal(scale=np.sqrt(0.5), size=n_traj)
    return lfilter([1.0], [1.0, -a], e, axis=1)[:, :, None]


@pytest.mark.parametrize("kind", ["impulse", "step"])
def test_block_stderr_matches_the_spread_over_independent_data_sets(kind):
    # 40 independent OU data sets with the exact score: the batch-means stderr
    # of each must match the spread of the responses over the data sets.
    # Measured (100 sets): mean ratio 1.02 (impulse) and 1.06 (step), z-scores
    # against exp(-t) with standard deviation 0.99 / 0.96, 97% within 2 stderr.
    t = 0.05 * np.arange(61)
    exact = np.exp(-t) if kind == "impulse" else 1.0 - np.exp(-t)
    runs = [
        score_response(
            _ou_filtered(k), _ExactOUScore(), [1.0], max_lag=60, dt=0.05, kind=kind
        )
        for k in range(40)
    ]
    R = np.array([r.response[:, 0] for r in runs])
    S = np.array([r.stderr[:, 0] for r in runs])
    # ten decorrelation times (20 steps each), estimated from the data
    assert 170 < runs[0].block_length < 260 and runs[0].n_blocks > 150
    lags = slice(1, None)  # the step response is 0 at lag 0, exactly
    ratio = S.mean(axis=0)[lags] / R.std(axis=0, ddof=1)[lags]
    assert 0.85 < ratio.mean() < 1.2
    assert np.all((ratio > 0.6) & (ratio < 1.6))
    z = (R - exact)[:, lags] / S[:, lags]
    assert 0.8 < z.std() < 1.2
    # far too short blocks (one step: no batch means) under-estimate the error
    short = score_response(
        _ou_filtered(0), _ExactOUScore(), [1.0], max_lag=60, dt=0.05, block_length=1
    )
    assert np.median(short.stderr[lags, 0] / R.std(axis=0, ddof=1)[lags]) < 0.5


def test_block_stderr_short_data_and_bad_block_length():
    X = _ou(n_traj=1, n_steps=500)
    with pytest.warns(UserWarning, match="only 1 block"):
        r = score_response(X, _ExactOUScore(), [1.0], max_lag=100, block_length=300)
    assert r.n_blocks == 1 and np.all(np.isnan(r.stderr))
    r = score_response(X, _ExactOUScore(), [1.0], max_lag=100, block_length=40)
    assert r.n_blocks == 10 and np.all(np.isfinite(r.stderr))
    for bad in (0, 501, 2.5, True):
        with pytest.raises(ValueError, match="block_length"):
            score_response(X, _ExactOUScore(), [1.0], block_length=bad)
    r2 = score_response(
        X, _ExactOUScore(), [1.0], max_lag=20, kind="impulse", order=2, block_length=40
    )
    assert r2.second_order_stderr.shape == r2.second_order.shape
    # a constant observable: no decorrelation time, a zero response and error
    X = _ou(n_traj=1, n_steps=5000)
    r3 = score_response(X, _ExactOUScore(), [1.0], observable=np.ones_like, max_lag=5)
    assert r3.n_blocks >= 2 and np.all(r3.stderr == 0.0)


def test_second_order_response_of_the_square():
    # kick x0 -> x0 + d: <x(t)^2> gains d^2 exp(-2t), so R2 = 2 exp(-2t)
    X = _ou()
    r = score_response(
        X,
        _ExactOUScore(),
        [1.0],
        observable=StatePower(2),
        max_lag=100,
        dt=0.01,
        kind="impulse",
        order=2,
    )
    t = 0.01 * np.arange(101)
    np.testing.assert_allclose(r.second_order[:, 0], 2.0 * np.exp(-2.0 * t), atol=0.15)
    # and its first-order response vanishes (the density is symmetric)
    assert np.max(np.abs(r.response)) < 0.1


def test_gradient_perturbation_matches_the_constant_one():
    X = _ou(n_traj=2, n_steps=20_000)
    const = score_response(X, _ExactOUScore(), [0.5], max_lag=20, dt=0.01)
    grad = GradientPerturbation(
        lambda Z: np.full_like(Z, 0.5), lambda Z: np.zeros(len(Z))
    )
    as_grad = score_response(X, _ExactOUScore(), grad, max_lag=20, dt=0.01)
    np.testing.assert_allclose(as_grad.response, const.response, rtol=1e-12)
    # u = -x: div u = -1 enters the conjugate variable
    shrink = GradientPerturbation(lambda Z: -Z, lambda Z: -np.ones(len(Z)))
    r = score_response(
        _ou(),
        _ExactOUScore(),
        shrink,
        observable=StatePower(2),
        max_lag=0,
        kind="impulse",
    )
    # a kick x -> (1 - d) x lowers <x^2> = 1/2 by d: R = -2 <x^2> = -1
    # (a fourth moment: -0.95 to -1.03 over seeds 0-3)
    assert abs(r.response[0, 0] + 1.0) < 0.1


class _ShrunkScore(_ExactOUScore):
    def predict(self, X):
        return 0.7 * super().predict(X)


def test_stein_calibration_removes_a_shrunk_score():
    X = _ou()
    exact = score_response(X, _ExactOUScore(), [1.0], max_lag=50, dt=0.01)
    shrunk = score_response(X, _ShrunkScore(), [1.0], max_lag=50, dt=0.01)
    np.testing.assert_allclose(shrunk.response, 0.7 * exact.response, rtol=1e-10)
    fixed = score_response(
        X, _ShrunkScore(), [1.0], max_lag=50, dt=0.01, kind="impulse", calibrate=True
    )
    assert fixed.response[0, 0] == pytest.approx(1.0, abs=1e-12)
    assert fixed.calibration[0, 0] == pytest.approx(
        1.0 / 0.7 / (2.0 * X.var()), rel=1e-6
    )
    with pytest.raises(ValueError, match="Stein"):
        score_response(X, _ZeroScore(), [1.0], calibrate=True)


class _ZeroScore(_ExactOUScore):
    def predict(self, X):
        return 0.0 * super().predict(X)


def test_gaussian_response_is_score_response_with_gaussian_score():
    X = _ou(n_traj=2, n_steps=5000)
    a = gaussian_response(X, [1.0], max_lag=10, dt=0.01)
    b = score_response(X, GaussianScore().fit(X), [1.0], max_lag=10, dt=0.01)
    np.testing.assert_array_equal(a.response, b.response)


def test_observables():
    Z = np.array([[-1.0, 2.0], [0.5, -3.0]])
    np.testing.assert_array_equal(StatePower(3)(Z), Z**3)
    np.testing.assert_array_equal(WellIndicator(0.0, np.inf, feature=1)(Z), [1.0, 0.0])
    with pytest.raises(ValueError, match="low must be below high"):
        WellIndicator(1.0, 0.0)
    with pytest.raises(ValueError, match="power"):
        StatePower(0)
    X = _ou(n_traj=2, n_steps=2000)
    r = score_response(X, _ExactOUScore(), [1.0], observable=WellIndicator(0.0, np.inf))
    assert r.response.shape == (101, 1)
    assert abs(r.observable_mean[0] - 0.5) < 0.1


def test_bad_input_is_named():
    X = _ou(n_traj=1, n_steps=500)
    score = _ExactOUScore()
    with pytest.raises(ValueError, match=r"observable .* returned shape \(3,\)"):
        score_response(X, score, [1.0], observable=lambda Z: np.zeros(3))
    with pytest.raises(ValueError, match="fitted on 2 features but X has 1"):
        score_response(
            X, GaussianScore().fit(np.random.default_rng(0).normal(size=(50, 2))), [1.0]
        )
    with pytest.raises(ValueError, match="perturbation has 2 entries .* 1 features"):
        score_response(X, score, [1.0, 0.0])
    with pytest.raises(TypeError, match="predict method"):
        score_response(X, object(), [1.0])
    with pytest.raises(ValueError, match="max_lag"):
        score_response(X, score, [1.0], max_lag=500)
    with pytest.raises(ValueError, match="kind"):
        score_response(X, score, [1.0], kind="ramp")
    with pytest.raises(ValueError, match="order=2"):
        score_response(X, score, [1.0], order=2)
    with pytest.raises(ValueError, match="1-D|reshape"):
        score_response(X[0, :, 0], score, [1.0])


def test_ensemble_reproducible_across_n_jobs_with_error_bar():
    starts = make_lorenz96(1, 12, noise=0.5, random_state=0)[0]
    sim = Lorenz96Simulator(noise=0.5)
    kw = dict(n_steps=8, amplitude=0.1, random_state=3)
    u = np.eye(8)[2]
    a = ensemble_response(sim, starts, u, **kw)
    with parallel_config(backend="threading"):  # no process start-up in tests
        b = ensemble_response(sim, starts, u, n_jobs=2, **kw)
    np.testing.assert_array_equal(a.response, b.response)
    np.testing.assert_array_equal(a.stderr, b.stderr)
    assert a.n_members == 12 and a.response.shape == (8, 8)
    np.testing.assert_allclose(a.time, 0.05 * np.arange(8))
    # a step forcing: nothing at t = 0, then about t on the forced site
    assert np.all(a.response[0] == 0.0)
    assert abs(a.response[1, 2] - 0.05) < 0.005
    assert np.all(a.stderr[1:, 2] > 0.0)
    # a kick: the forced site moves by one at t = 0, the others not at all
    k = ensemble_response(sim, starts, u, kind="impulse", **kw)
    np.testing.assert_allclose(k.response[0], u, atol=1e-9)


class _OUSimulator:
    """Exact AR(1) steps of dx = (-x + forcing) dt + dW, noise from the seed."""

    dt = 0.01

    def __call__(self, initial_state, n_steps, random_state, *, forcing):
        rng = np.random.default_rng(random_state)
        a = np.exp(-self.dt)
        x = np.empty((n_steps, 1))
        x[0] = initial_state[0]
        noise = rng.standard_normal(n_steps) * np.sqrt(0.5 * (1.0 - a * a))
        for t in range(1, n_steps):
            x[t] = a * x[t - 1] + (1.0 - a) * forcing[0] + noise[t]
        return x


def test_ensemble_second_order_of_the_square_is_exact_with_common_noise():
    # kick x0 by +-d: ((x + d e)^2 + (x - d e)^2 - 2 x^2) / d^2 = 2 e^2 exactly
    states = np.random.default_rng(0).normal(scale=0.7, size=(5, 1))
    r = ensemble_response(
        _OUSimulator(),
        states,
        [1.0],
        n_steps=50,
        amplitude=0.1,
        observable=StatePower(2),
        kind="impulse",
        order=2,
        random_state=0,
    )
    e = np.exp(-0.01 * np.arange(50))
    np.testing.assert_allclose(r.second_order[:, 0], 2.0 * e**2, rtol=1e-9)
    assert np.max(r.second_order_stderr) < 1e-8
    # and the first order is 2 x(t) e(t): its mean over members
    assert r.response.shape == (50, 1)
    with pytest.raises(ValueError, match="order=2 needs kind='impulse'"):
        ensemble_response(_OUSimulator(), states, [1.0], order=2)


def test_ensemble_common_noise_bistable():
    b = SlowFastSimulator(dt=0.01)
    states = np.array([[1.0, 1.0, 1.0, 20.0], [-1.0, -2.0, 3.0, 25.0]])
    r = ensemble_response(b, states, [1.0], n_steps=20, amplitude=0.01, random_state=0)
    # within a well x' ~ -2 (x - 1) + c: the step response is (1 - exp(-2t)) / 2
    t = r.time
    np.testing.assert_allclose(r.response[:, 0], (1 - np.exp(-2 * t)) / 2, atol=0.01)


def test_ensemble_bad_input_and_blow_up():
    sim = Lorenz96Simulator(dt=0.5, integration_dt=0.5, forcing=40.0)
    starts = 5.0 * np.tile(np.arange(8.0), (2, 1))
    with pytest.raises(SimulationBlowUpError, match="unperturbed run of member 0"):
        ensemble_response(sim, starts, np.eye(8)[0], n_steps=20, random_state=0)
    sim = Lorenz96Simulator()
    with pytest.raises(ValueError, match="at least 2 members"):
        ensemble_response(sim, starts[:1], np.eye(8)[0])
    with pytest.raises(ValueError, match="amplitude"):
        ensemble_response(sim, starts, np.eye(8)[0], amplitude=0.0)
    with pytest.raises(ValueError, match="does not take a perturbation of 2 entries"):
        ensemble_response(sim, starts, [1.0, 0.0], n_steps=3)
    with pytest.raises(ValueError, match="observes 1 features but the perturbation"):
        ensemble_response(lambda *a, **k: np.zeros((1, 1)), starts, np.eye(8)[0])
    with pytest.raises(ValueError, match="constant vector"):
        ensemble_response(
            sim, starts, GradientPerturbation(lambda Z: Z, lambda Z: Z[:, 0])
        )


def _relative_l2(estimate, reference):
    return float(np.linalg.norm(estimate - reference) / np.linalg.norm(reference))


@pytest.mark.slow
def test_bistable_score_response_matches_the_ensemble():
    # additive L63-driven double well at eps = 0.25 (x close to Markov); step
    # response of <x> to a constant forcing over 3 decorrelation times.
    # Measured: score-based 0.049, quasi-Gaussian 0.75 relative L2 error;
    # ensemble relative standard error 0.033 (4000 members). A histogram
    # score gives 0.015; at eps = 0.5 it gives 0.28 (x is not Markov there).
    from skrom.datasets import make_bistable_additive
    from skrom.metrics import decorrelation_time
    from skrom.score import KGMMScore

    system = dict(dt=0.05, eps=0.25, integration_dt=2.5e-4)
    run = make_bistable_additive(
        8, 100_000, random_state=0, n_jobs=2, return_bunch=True, **system
    )
    X = run.X[:, 200:]
    tau = float(decorrelation_time(X, dt=0.05, max_lag=4000)[0])
    max_lag = int(np.ceil(3.0 * tau / 0.05))
    score = KGMMScore(random_state=0, n_jobs=2).fit(X)
    learned = score_response(X, score, [1.0], max_lag=max_lag, dt=0.05)
    gaussian = gaussian_response(X, [1.0], max_lag=max_lag, dt=0.05)
    states = run.full_state[:, 200:].reshape(-1, 4)
    starts = states[np.random.default_rng(1).choice(len(states), 4000, replace=False)]
    ref = ensemble_response(
        SlowFastSimulator(**system),
        starts,
        [1.0],
        n_steps=max_lag + 1,
        amplitude=0.05,
        random_state=0,
        n_jobs=2,
    )
    err = _relative_l2(learned.response, ref.response)
    assert err < 0.15, err
    assert _relative_l2(gaussian.response, ref.response) > 2 * err
    assert np.linalg.norm(ref.stderr) / np.linalg.norm(ref.response) < 0.1


@pytest.mark.slow
def test_lorenz96_score_response_matches_the_ensemble():
    # 8-site Lorenz-96 with noise 1, KGMM (sigma 0.2, ~7400 cells) on 1e6
    # states; step response of every site to forcing site 0, over 3
    # decorrelation times. Measured (16,000 members): Stein-calibrated 0.133,
    # raw 0.179, quasi-Gaussian 0.268; ensemble standard error 0.028 (with
    # another draw of the members: 0.107, 0.159, 0.246).
    from skrom.metrics import decorrelation_time
    from skrom.score import KGMMScore

    X = make_lorenz96(10, 100_000, dt=0.05, noise=1.0, random_state=0, n_jobs=2)
    tau = float(np.max(decorrelation_time(X, dt=0.05, max_lag=200)))
    max_lag = int(np.ceil(3.0 * tau / 0.05))
    u = np.eye(8)[0]
    score = KGMMScore(sigma=0.2, prob=1e-4, random_state=0, n_jobs=2).fit(X)
    raw = score_response(X, score, u, max_lag=max_lag, dt=0.05)
    calibrated = score_response(X, score, u, max_lag=max_lag, dt=0.05, calibrate=True)
    gaussian = gaussian_response(X, u, max_lag=max_lag, dt=0.05)
    states = X.reshape(-1, 8)
    starts = states[np.random.default_rng(1).choice(len(states), 16_000, replace=False)]
    ref = ensemble_response(
        Lorenz96Simulator(dt=0.05, noise=1.0),
        starts,
        u,
        n_steps=max_lag + 1,
        amplitude=0.1,
        random_state=0,
        n_jobs=2,
    )
    err = _relative_l2(calibrated.response, ref.response)
    assert err < 0.15, err
    assert _relative_l2(raw.response, ref.response) < 0.25
    assert err < _relative_l2(gaussian.response, ref.response)
