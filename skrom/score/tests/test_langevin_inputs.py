"""LangevinROM driven by known inputs U (a clock, a forcing, a parameter)."""

import copy
import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from skrom.datasets import make_tristable
from skrom.model_selection import TrajectorySegmentSplit
from skrom.score import KGMMScore, LangevinROM
from skrom.score._input_drift import (
    input_anomaly,
    polynomial_features,
    polynomial_powers,
)
from skrom.score.tests.test_langevin import FAST_SCORE, _forced_ou, _phase_mean_error

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _clock(n_steps, dt=0.01, omega=1.0):
    t = dt * np.arange(n_steps)
    return np.stack([np.sin(omega * t), np.cos(omega * t)], axis=1)


@pytest.fixture(scope="module")
def forced_ou():
    return _forced_ou(8, 20_000)


@pytest.fixture(scope="module")
def input_rom(forced_ou):
    # the clock of the forced OU passed as inputs instead of clock features
    score = KGMMScore(sigma=0.05, prob=2e-3, max_epochs=300, random_state=0)
    X, U = forced_ou[..., :1], forced_ou[..., 1:]
    return LangevinROM(score_estimator=score, random_state=0).fit(X, U=U)


@pytest.fixture(scope="module")
def two_features():
    # two independent forced OUs under one clock: [x1, x2, sin, cos]
    a = _forced_ou(3, 3000, seed=0)
    b = _forced_ou(3, 3000, amplitude=0.5, seed=1)
    return np.concatenate([a[..., :1], b], axis=2)


def test_input_model_follows_the_lagging_density(input_rom, forced_ou):
    rom = input_rom
    assert rom.n_inputs_in_ == 2 and rom.n_features_in_ == 1
    assert rom.input_tables_ is not None
    # the network's conditional score on degree-6 polynomials of the
    # clock: measured 4e-5 relative error
    assert rom.input_table_error_ < 1e-3
    # the inputs' driven mean is removed before Sigma is estimated: D = 0.1
    np.testing.assert_allclose(rom.drift_matrix_, [[0.1]], rtol=0.05)
    clock = _clock(20_000)
    sim = rom.sample(20_000, x0=forced_ou[:, 0, :1], n_paths=8, random_state=1, U=clock)
    assert sim.shape == (8, 20_000, 1)
    paths = np.concatenate([sim, np.broadcast_to(clock, (8, 20_000, 2))], axis=2)
    # phase-conditional mean against the exact one (amplitude 0.71): measured
    # 0.072 (the clock-feature model 0.072, the data 0.065)
    assert _phase_mean_error(paths) < 0.12
    # overall spread 0.58: measured 2.6% wide (the clock-feature model 10%)
    assert abs(sim.std() / forced_ou[..., 0].std() - 1) < 0.1
    # without the transport velocity the quasi-static drift lags twice
    quasi = copy.deepcopy(rom)
    tables = rom.input_tables_
    quasi.langevin_kernel_ = rom.langevin_kernel_._replace(
        inputs=tables._replace(t_powers=tables.t_powers[:0])
    )
    lagging = quasi.sample(
        20_000, x0=forced_ou[:, 0, :1], n_paths=8, random_state=1, U=clock
    )
    lagging = np.concatenate([lagging, paths[..., 1:]], axis=2)
    assert _phase_mean_error(lagging) > 0.3


def test_input_drift_is_the_clock_drift(input_rom, forced_ou):
    # the same data as clock features: the same Sigma, and the drift tables
    # agree up to the transport estimates (Fourier harmonics against
    # polynomials of the same span, uniform phase against the data's)
    score = clone(input_rom.score_estimator)
    clock = LangevinROM(
        score_estimator=score, clock_features=(1, 2), random_state=0
    ).fit(forced_ou)
    np.testing.assert_allclose(input_rom.drift_matrix_, clock.drift_matrix_, rtol=1e-10)
    pts = forced_ou[:3, 100:4000:50].reshape(-1, 3)
    phase = np.arctan2(pts[:, 1], pts[:, 2])
    rate = np.stack([np.cos(phase), -np.sin(phase)], axis=1)
    want = clock.drift(pts)[:, 0]
    got = input_rom.drift(pts[:, :1], U=pts[:, 1:], U_rate=rate)[:, 0]
    # measured: median difference 1.2% of the median drift, 90% quantile
    # 4.4%; both estimates go wrong alike in the far tail of p(x | phase),
    # which two harmonics cannot hold (drifts of 50 against a quasi-static 0.7)
    diff, typical = np.abs(got - want), np.median(np.abs(want))
    assert np.median(diff) < 0.03 * typical
    assert np.quantile(diff, 0.9) < 0.1 * typical


def test_inputs_and_clock_features_are_the_same_model(two_features):
    # several dynamic features, no transport: the score network at the same
    # joint state, the same anomaly for Sigma -- the same drift to rounding
    X = two_features
    score = KGMMScore(**FAST_SCORE, random_state=0)
    clock = LangevinROM(
        score_estimator=score, clock_features=(2, 3), clock_transport=False
    ).fit(X)
    inputs = LangevinROM(score_estimator=score, clock_transport=False).fit(
        X[..., :2], U=X[..., 2:]
    )
    assert inputs.input_tables_ is None
    np.testing.assert_allclose(inputs.drift_matrix_, clock.drift_matrix_, rtol=1e-10)
    pts = X[:, ::50].reshape(-1, 4)
    np.testing.assert_allclose(
        inputs.drift(pts[:, :2], U=pts[:, 2:]), clock.drift(pts), rtol=1e-10, atol=1e-12
    )
    # noiseless paths (the clock kernel draws noise for the clock columns
    # too): the clock advances exactly, the inputs are interpolated linearly
    # within a step, a difference of order (omega dt)^2 / 8
    for rom in (clock, inputs):
        rom.langevin_kernel_ = rom.langevin_kernel_._replace(
            noise=np.zeros_like(rom.langevin_kernel_.noise)
        )
    a = clock.sample(100, x0=X[:, 0], n_paths=3, random_state=0)
    b = inputs.sample(100, x0=X[:, 0, :2], n_paths=3, random_state=0, U=_clock(100))
    np.testing.assert_allclose(b, a[..., :2], rtol=1e-5, atol=1e-7)
    # moving inputs with several features need the transport switched off
    with pytest.raises(ValueError, match="one dynamic feature only"):
        LangevinROM(score_estimator=score).fit(X[..., :2], U=X[..., 2:])
    # a parameter (constant in each trajectory) needs no transport
    params = np.repeat(np.arange(3.0)[:, None, None], X.shape[1], axis=1)
    LangevinROM(score_estimator=score).fit(X[..., :2], U=params)


def test_drift_is_what_the_kernel_integrates(input_rom, forced_ou):
    # one noiseless Euler step equals drift() at the start, with the inputs'
    # rate over the step
    rom = copy.deepcopy(input_rom)
    model = rom.langevin_kernel_
    rom.langevin_kernel_ = model._replace(
        substeps=1, h=float(rom.dt), noise=np.zeros_like(model.noise)
    )
    x0 = forced_ou[:3, 100, :1]
    U = forced_ou[:3, 100:102, 1:]
    step = rom.sample(2, x0=x0, n_paths=3, random_state=0, U=U)[:, 1, 0]
    drift = rom.drift(x0, U=U[:, 0], U_rate=(U[:, 1] - U[:, 0]) / rom.dt)
    np.testing.assert_allclose(step, x0[:, 0] + 0.01 * drift[:, 0], rtol=1e-12)


def test_sample_forms_agree_round_trip_and_ignore_n_jobs(input_rom, forced_ou):
    x0 = forced_ou[:4, 0, :1]
    shared = _clock(50)
    ref = input_rom.sample(50, x0=x0, n_paths=4, random_state=3, U=shared)
    kept = shared.copy()
    np.testing.assert_array_equal(
        input_rom.sample(
            50, x0=x0, n_paths=4, random_state=3, U=np.broadcast_to(shared, (4, 50, 2))
        ),
        ref,
    )
    np.testing.assert_array_equal(shared, kept)
    np.testing.assert_array_equal(
        input_rom.sample(
            50, x0=x0, n_paths=4, random_state=3, U=lambda t: [np.sin(t), np.cos(t)]
        ),
        ref,
    )
    again = pickle.loads(pickle.dumps(input_rom))
    np.testing.assert_array_equal(
        again.sample(50, x0=x0, n_paths=4, random_state=3, U=shared), ref
    )
    parallel = copy.deepcopy(input_rom).set_params(n_jobs=2)
    np.testing.assert_array_equal(
        parallel.sample(50, x0=x0, n_paths=4, random_state=3, U=shared), ref
    )
    # no x0: the state part of the score's cluster centres
    assert input_rom.sample(5, n_paths=2, random_state=0, U=shared[:5]).shape == (
        2,
        5,
        1,
    )
    # the score counts the dynamic column only
    X, U = forced_ou[:2, :2000, :1], forced_ou[:2, :2000, 1:]
    assert input_rom.score(X, U=U) > -0.5


def test_polynomials_and_anomaly():
    powers = polynomial_powers(2, 2)
    assert powers.tolist() == [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]]
    V = np.array([[2.0, 3.0]])
    np.testing.assert_array_equal(polynomial_features(V, powers), [[1, 2, 3, 4, 6, 9]])
    # a driven mean quadratic in the input is removed exactly
    rng = np.random.default_rng(0)
    U = rng.normal(size=(2, 500, 1))
    noise = rng.normal(size=(2, 500, 1))
    X = 1.0 + 2.0 * U - 0.5 * U**2 + noise
    anomaly = input_anomaly(X, U)
    assert abs(np.corrcoef(anomaly.ravel(), noise.ravel())[0, 1] - 1) < 1e-2


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m, X, U: m.sample(5), "needs their values"),
        (lambda m, X, U: m.sample(5, U=np.zeros((4, 2))), "n_steps=5"),
        (lambda m, X, U: m.sample(5, U=np.zeros((5, 1))), r"\(5, 2\)"),
        (lambda m, X, U: m.sample(5, n_paths=2, U=np.zeros((3, 5, 2))), "n_paths=2"),
        (lambda m, X, U: m.sample(5, U=lambda t: [0.0]), r"U\(0\) must"),
        (lambda m, X, U: m.sample(3, U=[[0, 1], [np.nan, 1], [0, 1]]), "NaN"),
        (lambda m, X, U: m.score(X), "needs their values"),
        (lambda m, X, U: m.score(X, U=U[:, :-1]), "n_steps"),
        (lambda m, X, U: m.score(X, U=U[..., :1]), "fitted with 2"),
        (lambda m, X, U: m.drift(X[0]), "needs their values"),
        (lambda m, X, U: m.drift(X[0], U=U[0, :5]), "rows of inputs"),
    ],
)
def test_input_errors(input_rom, forced_ou, call, match):
    X, U = forced_ou[:2, :100, :1], forced_ou[:2, :100, 1:]
    with pytest.raises(ValueError, match=match):
        call(input_rom, X, U)


def test_input_errors_at_fit_and_for_a_model_without(forced_ou):
    X, U = forced_ou[:3, :2000, :1], forced_ou[:3, :2000, 1:]
    fast = LangevinROM(score_estimator=KGMMScore(**FAST_SCORE))
    with pytest.raises(ValueError, match="n_trajectories, n_steps, n_inputs"):
        clone(fast).fit(X, U=U[:-1])
    bad = U.copy()
    bad[1, 7, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity at \[1, 7, 0\]"):
        clone(fast).fit(X, U=bad)
    with pytest.raises(ValueError, match="not both"):
        clone(fast).set_params(clock_features=(1, 2)).fit(forced_ou[:3, :2000], U=U)
    plain = clone(fast).set_params(random_state=0).fit(X)
    assert plain.n_inputs_in_ == 0 and plain.input_tables_ is None
    for call in (
        lambda: plain.sample(5, U=np.zeros((5, 2))),
        lambda: plain.score(X, U=U),
        lambda: plain.drift(X[0], U=U[0]),
    ):
        with pytest.raises(ValueError, match="fitted without inputs"):
            call()


def test_grid_search_splits_inputs_with_trajectories():
    P = _forced_ou(6, 1500, seed=2)
    X, U = P[..., :1], P[..., 1:]
    seen = []

    class Recording(LangevinROM):
        def fit(self, X, y=None, U=None):
            seen.append((len(X), None if U is None else len(U)))
            return super().fit(X, U=U)

    with sklearn.config_context(enable_metadata_routing=True):
        est = Recording(score_estimator=KGMMScore(**FAST_SCORE), random_state=0)
        est.set_fit_request(U=True).set_score_request(U=True)
        search = GridSearchCV(est, {"integration_substeps": [1, 2]}, cv=KFold(3)).fit(
            X, U=U
        )
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
        # every fit got the inputs of exactly its own trajectories
        assert seen[:6] == [(4, 4)] * 6 and seen[-1] == (6, 6)
        scores = cross_val_score(
            est, X, cv=TrajectorySegmentSplit(3, gap=1), params={"U": U}
        )
        assert scores.shape == (3,) and np.all(np.isfinite(scores))
        # inputs passed without a request are refused, not silently dropped
        with pytest.raises(UnsetMetadataPassedError):
            GridSearchCV(
                LangevinROM(score_estimator=KGMMScore(**FAST_SCORE)),
                {"integration_substeps": [1]},
                cv=KFold(2),
            ).fit(X, U=U)


@pytest.mark.slow
def test_tristable_clock_as_inputs_matches_clock_features():
    """The tilted three-well system with its clock as inputs, both ways.

    The same data, score estimator and diffusion="residence" as
    ``test_tristable_with_clock_features``; the truth is 32 independent runs
    of 1000 time units (mean residence times 71.4, 30.0, 55.8).

    Measured (2026-12-06): inputs KL 0.0103, ACF error 0.053, residence
    times 75.3, 29.3, 47.3 (largest error 15.2%; k = 2.43); clock features
    KL 0.0104, ACF error 0.049, 76.1, 29.7, 47.9 (14.2%; k = 2.45). The
    input tables hold the conditional score to 1.3% (degree 6). Before the
    transport velocity was capped: inputs KL 0.0105, ACF 0.053, 77.0, 29.5,
    48.7 (12.7%): the two forms differ by about their sampling spread.
    """
    from skrom.metrics import (
        acf_error,
        decorrelation_time,
        mean_residence_times,
        pdf_kl_divergence,
    )

    X = make_tristable(10, 100_000, random_state=0)
    truth = make_tristable(32, 100_000, random_state=1)
    wells = [[-1.3, -0.7], [0.7, 1.3]]
    a = truth[..., :1]
    tau = float(decorrelation_time(a, dt=0.01)[0])
    res_truth = mean_residence_times(a, wells, dt=0.01)
    kw = dict(
        score_estimator=KGMMScore(sigma=0.02, prob=5e-4, random_state=0),
        diffusion="residence",
        state_thresholds=wells,
        random_state=0,
    )
    clock = LangevinROM(clock_features=(1, 2), **kw).fit(X)
    inputs = LangevinROM(**kw).fit(X[..., :1], U=X[..., 1:])
    sims = {
        "clock": clock.sample(100_000, x0=truth[:, 0], n_paths=32, random_state=1)[
            ..., :1
        ],
        "inputs": inputs.sample(
            100_000, x0=truth[:, 0, :1], n_paths=32, random_state=1, U=truth[..., 1:]
        ),
    }
    figures = {}
    for name, b in sims.items():
        res = mean_residence_times(b, wells, dt=0.01)
        figures[name] = (
            pdf_kl_divergence(a, b),
            acf_error(a, b, int(5 * tau / 0.01)),
            np.max(np.abs(res / res_truth - 1)),
        )
    kl, acf, res = figures["inputs"]
    # matches or beats the clock-feature model on the same data (within the
    # sampling spread of these figures: KL 0.002, residence times 5%)
    assert kl < max(0.02, figures["clock"][0] + 0.002), figures
    assert acf < 0.1, figures
    assert res < max(0.2, figures["clock"][2] + 0.05), figures
