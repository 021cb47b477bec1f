"""HybridLangevinROM driven by known inputs U."""

import copy
import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold

from skrom.datasets import make_tristable
from skrom.forcing import DelayNODEForcing
from skrom.hybrid import HybridLangevinROM
from skrom.hybrid.tests.test_hybrid import FAST_FORCING, FAST_SCORE
from skrom.score import KGMMScore

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tilted():
    # [x, sin, cos] of the tilted three-well system: x and its clock as inputs
    P = make_tristable(2, 6000, dt=0.01, random_state=0)
    return P[..., :1], P[..., 1:]


def _rom(**kw):
    return HybridLangevinROM(
        score_estimator=KGMMScore(**FAST_SCORE),
        forcing=DelayNODEForcing(**FAST_FORCING),
        diffusion="estimated",
        random_state=0,
        **kw,
    )


@pytest.fixture(scope="module")
def rom(tilted):
    X, U = tilted
    return _rom().fit(X, U=U)


def test_fit_takes_the_inputs_into_the_drift_and_residual(rom, tilted):
    X, U = tilted
    assert rom.n_inputs_in_ == 2 and rom.langevin_.n_inputs_in_ == 2
    assert rom.forcing_.n_features_in_ == 1  # the residual of x alone
    assert rom.hybrid_kernel_.inputs is rom.langevin_.input_tables_
    # the residual is the defect of the drift at (x, u, du/dt), both rates
    # by central differences
    x, u = X[0, :1000], U[0, :1000]
    rate = (u[2:] - u[:-2]) / 0.02
    drift = rom.langevin_.drift(x[1:-1], U=u[1:-1], U_rate=rate)[:, 0]
    want = ((x[2:, 0] - x[:-2, 0]) / 0.02 - drift) / rom.diffusion_matrix_[0, 0]
    got = rom._residual(X[:1, :1000], rom.langevin_, trim=True, U=U[:1, :1000])
    np.testing.assert_allclose(got[0, :, 0], want, rtol=1e-12, atol=1e-12)


def test_rollout_step_is_the_drift(rom, tilted):
    # without forcing and noise one step is x0 + dt * drift(x0, u0, rate)
    X, U = tilted
    quiet = copy.deepcopy(rom)
    model = rom.hybrid_kernel_
    quiet.hybrid_kernel_ = model._replace(
        y_mean=np.zeros(1), y_scale=np.zeros(1), noise=np.zeros(1)
    )
    x0, u = X[:, 300], U[:, 300:302]
    step = quiet.sample(2, x0=x0, n_paths=2, random_state=0, U=u)[:, 1, 0]
    drift = rom.langevin_.drift(x0, U=u[:, 0], U_rate=(u[:, 1] - u[:, 0]) / 0.01)
    np.testing.assert_allclose(step, x0[:, 0] + 0.01 * drift[:, 0], rtol=1e-12)


def test_sample_forecast_and_score_with_inputs(rom, tilted):
    X, U = tilted
    future = U[0, :300]
    ref = rom.sample(300, x0=X[:, 0], n_paths=2, random_state=1, U=future)
    assert ref.shape == (2, 300, 1) and np.all(np.isfinite(ref))
    omega = 2 * np.pi * 0.002
    np.testing.assert_allclose(
        rom.sample(
            300,
            x0=X[:, 0],
            n_paths=2,
            random_state=1,
            U=lambda t: [np.sin(omega * t), np.cos(omega * t)],
        ),
        ref,
        rtol=1e-9,
        atol=1e-12,
    )
    again = pickle.loads(pickle.dumps(rom))
    np.testing.assert_array_equal(
        again.sample(300, x0=X[:, 0], n_paths=2, random_state=1, U=future), ref
    )
    # inputs over the history (500 steps) and the forecast (50)
    fc = rom.forecast(
        X[:, :500], lead_time=0.5, n_paths=2, random_state=0, U=U[:, :550]
    )
    assert fc.shape == (2, 2, 51, 1)
    np.testing.assert_array_equal(fc[:, 0, 0], X[:, 499])
    one = rom.forecast(
        X[0, :500], lead_time=0.5, n_paths=2, random_state=0, U=U[0, :550]
    )
    np.testing.assert_array_equal(one[0], fc[0])
    assert np.isfinite(rom.score(X[:, :2000], U=U[:, :2000]))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m, X, U: m.sample(5), "needs their values"),
        (lambda m, X, U: m.sample(5, U=np.zeros((4, 2))), "n_steps=5"),
        (lambda m, X, U: m.sample(5, U=np.zeros((5, 1))), r"\(5, 2\)"),
        (lambda m, X, U: m.sample(3, U=[[0, 1], [np.nan, 1], [0, 1]]), "NaN"),
        (lambda m, X, U: m.forecast(X[:, :500], 0.5), "needs their values"),
        (
            lambda m, X, U: m.forecast(X[:, :500], 0.5, U=U[:, :500]),
            r"n_hist \+ n_lead",
        ),
        (lambda m, X, U: m.score(X[:, :100], U=U[:, :99]), "n_steps"),
        (lambda m, X, U: m.score(X[:, :100]), "needs their values"),
    ],
)
def test_input_errors(rom, tilted, call, match):
    X, U = tilted
    with pytest.raises(ValueError, match=match):
        call(rom, X, U)


def test_model_without_inputs_refuses_them_and_clock_plus_inputs(tilted):
    X, U = tilted
    with pytest.raises(ValueError, match="not both"):
        _rom(clock_features=(1, 2)).fit(np.concatenate([X, U], axis=2), U=U)
    with pytest.raises(ValueError, match="n_trajectories, n_steps, n_inputs"):
        _rom().fit(X, U=U[:, :-1])
    plain = _rom().fit(X[:, :2000])
    assert plain.n_inputs_in_ == 0
    for call in (
        lambda: plain.sample(5, U=np.zeros((5, 2))),
        lambda: plain.forecast(X[:, :500], 0.5, U=U[:, :550]),
        lambda: plain.score(X[:, :100], U=U[:, :100]),
    ):
        with pytest.raises(ValueError, match="fitted without inputs"):
            call()


def test_grid_search_routes_inputs(tilted):
    X, U = tilted
    with sklearn.config_context(enable_metadata_routing=True):
        est = clone(_rom()).set_fit_request(U=True).set_score_request(U=True)
        search = GridSearchCV(est, {"forcing__n_delays": [2]}, cv=KFold(2))
        search.fit(X[:, :3000], U=U[:, :3000])
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
        assert search.best_estimator_.n_inputs_in_ == 2


@pytest.mark.slow
def test_tristable_with_the_clock_as_inputs():
    """The hybrid of the tilted three-well system, its clock passed as inputs.

    The settings of ``test_statistics_three_systems["tristable"]`` with
    ``U = (sin, cos)`` instead of clock features; the bars are that test's.
    Measured (2026-12-06, 32 runs of 1000 time units; truth 71.4, 30.0,
    55.8): KL 0.0188, ACF error 0.082, mean residence times 76.0, 24.9, 46.1
    (largest error 17.4%; k = 0.97); fitted with clock features the same
    day: KL 0.0158, ACF error 0.091, 75.6, 26.5, 48.9 (12.4%; k = 0.93), as
    in issue 15. Both meet the bars; the input form's KL is 0.003 higher,
    about the change the clock-feature fit itself showed (0.0139 to 0.0158)
    when issue 15 shortened its calibration's first pass.
    """
    from skrom.hybrid.tests.test_hybrid import SLOW_FORCING
    from skrom.metrics import (
        acf_error,
        decorrelation_time,
        mean_residence_times,
        pdf_kl_divergence,
    )

    wells = [[-1.3, -0.7], [0.7, 1.3]]
    X = make_tristable(10, 100_000, random_state=0)
    truth = make_tristable(32, 100_000, random_state=1)
    rom = HybridLangevinROM(
        score_estimator=KGMMScore(sigma=0.02, prob=5e-4, random_state=0),
        forcing=DelayNODEForcing(**SLOW_FORCING),
        diffusion="residence",
        state_thresholds=wells,
        random_state=0,
    ).fit(X[..., :1], U=X[..., 1:])
    # runs of whole tilt periods from the phase of the truth's start
    sim = rom.sample(100_000, n_paths=32, random_state=1, U=truth[..., 1:])
    a = truth[..., :1]
    tau = float(decorrelation_time(a, dt=0.01)[0])
    assert pdf_kl_divergence(a, sim) < 0.02
    assert acf_error(a, sim, int(5 * tau / 0.01)) < 0.1
    np.testing.assert_allclose(
        mean_residence_times(sim, wells, dt=0.01),
        mean_residence_times(a, wells, dt=0.01),
        rtol=0.2,
    )
