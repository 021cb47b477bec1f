"""HybridLangevinROM: residual chain, numba rollout, forecasts, sklearn contract."""

import copy
import pickle

import joblib
import numpy as np
import pytest
import torch
from joblib import parallel_config
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrom._validation import SimulationBlowUpError
from skrom.datasets import (
    make_bistable_additive,
    make_bistable_multiplicative,
    make_tristable,
)
from skrom.forcing import DelayNODEForcing
from skrom.hybrid import HybridLangevinROM
from skrom.hybrid._hybrid_kernels import hybrid_rollout
from skrom.metrics import (
    acf_error,
    decorrelation_time,
    mean_residence_times,
    pdf_kl_divergence,
    transition_events,
    transition_forecast_skill,
)
from skrom.score import KGMMScore

FAST_SCORE = dict(max_epochs=30, max_passes=3, hidden_layers=(16,), prob=0.05)
FAST_FORCING = dict(
    n_delays=2, hidden_layers=(8,), window=3, n_windows=16, max_epochs=1, batch_size=8
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# sklearn's checks feed i.i.d. random rows, not a trajectory: with dt=1 the
# finite-difference residual of such data stays O(1), as it would for real data
# sampled at a step matched to their dynamics. White-noise rows have no time
# scale to match, so diffusion="acf" (which rescales time until the model
# decorrelates within one step, and then blows up) is replaced by the
# short-time estimate; "acf" is tested on trajectories below.
@parametrize_with_checks(
    [
        HybridLangevinROM(
            score_estimator=KGMMScore(**FAST_SCORE),
            forcing=DelayNODEForcing(**FAST_FORCING),
            dt=1.0,
            diffusion="estimated",
            random_state=0,
        )
    ],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    return (
        make_bistable_additive(1, 30_000, random_state=0),
        make_bistable_additive(4, 20_000, random_state=1),
    )


@pytest.fixture(scope="module")
def small_rom(data):
    X, _ = data
    torch.set_num_threads(1)
    rom = HybridLangevinROM(
        score_estimator=KGMMScore(prob=2e-3, max_epochs=200, random_state=0),
        forcing=DelayNODEForcing(
            n_delays=6,
            hidden_layers=(48, 48),
            window=8,
            window_decay=1.0,
            n_windows=1024,
            max_epochs=6,
            learning_rate=3e-3,
        ),
        random_state=0,
    )
    return rom.fit(X)


# ------------------------------------------------------------- the chain
def test_residual_is_the_scaled_drift_defect(small_rom, data):
    X, _ = data
    rom = small_rom
    x = X[0, :2000, 0]
    dxdt = (x[2:] - x[:-2]) / 0.02
    drift = rom.langevin_.drift(x[1:-1, None])[:, 0]
    want = (dxdt - drift) / rom.langevin_.diffusion_matrix_[0, 0]
    got = rom._residual(X[:, :2000], rom.langevin_, trim=True)[0, :, 0]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # the forcing model was fitted on that (standardised) residual
    full = rom._residual(X, rom.langevin_, trim=True)
    np.testing.assert_allclose(rom.forcing_.mean_, full.mean(axis=(0, 1)))
    np.testing.assert_allclose(rom.forcing_.scale_, full.std(axis=(0, 1)))
    assert rom.forcing_.dt == rom.dt
    # the drift is that of the Gaussian-noise baseline, up to the time change
    np.testing.assert_allclose(
        rom.drift_matrix_, rom.time_change_ * rom.langevin_.drift_matrix_
    )


def test_numba_rollout_matches_torch(small_rom):
    rom = small_rom
    x0 = rom.initial_states_[:5]
    z0 = rom.initial_delay_states_[:5]
    ref = rom._torch_rollout(100, x0, z0)
    got = np.empty_like(ref)
    # no white noise (torch has none)
    model = rom.hybrid_kernel_._replace(noise=np.zeros_like(rom.forcing_noise_))
    for i in range(5):
        status = hybrid_rollout(
            x0[i], z0[i], 100, model, np.random.default_rng(0), got[i]
        )
        assert status == -1
    assert np.max(np.abs(got - ref)) / np.max(np.abs(ref)) < 1e-6


def test_long_run_stays_in_data_range(small_rom, data):
    """A briefly trained hybrid runs long and stays where the data live.

    (Its invariant statistics need a well-trained forcing: see the slow
    ``test_statistics_three_systems``.)
    """
    _, X_test = data
    sim = small_rom.sample(20_000, n_paths=2, random_state=0)
    assert np.all(np.isfinite(sim))
    # the white noise reaches a little beyond the data's extremes. Finding:
    # 1.5% of the time here, because this briefly trained forcing's power
    # above 1 / forcing_memory comes on top of the white noise and widens the
    # density (the well-trained slow-test models: KL 0.01-0.03)
    top = np.abs(X_test).max()
    assert np.abs(sim).max() < 1.5 * top
    assert np.mean(np.abs(sim) > top) < 0.03


# ------------------------------------------------------------- forecasts
def test_forecast_warm_start(small_rom, data):
    _, X_test = data
    hist = X_test[:, :1000]
    fc = small_rom.forecast(hist, lead_time=0.3, n_paths=3, random_state=0)
    assert fc.shape == (X_test.shape[0], 3, 31, 1)
    np.testing.assert_allclose(fc[:, 0, 0], hist[:, -1])
    np.testing.assert_array_equal(
        fc, small_rom.forecast(hist, lead_time=0.3, n_paths=3, random_state=0)
    )
    assert not np.array_equal(
        fc, small_rom.forecast(hist, lead_time=0.3, n_paths=3, random_state=1)
    )
    # over a few steps the warm-started forcing alone (no white-noise part)
    # follows the data closely
    deterministic = copy.deepcopy(small_rom)
    deterministic.hybrid_kernel_ = small_rom.hybrid_kernel_._replace(
        noise=np.zeros_like(small_rom.forcing_noise_)
    )
    fc = deterministic.forecast(hist, lead_time=0.3, n_paths=3)
    truth = X_test[:, 999:1004, 0]
    err = np.abs(fc[:, 0, :5, 0] - truth).max()
    assert err < 0.05
    with pytest.raises(ValueError, match="at least"):
        small_rom.forecast(hist[:, :5], lead_time=0.3)
    with pytest.raises(ValueError, match="features"):
        small_rom.forecast(np.zeros((1, 100, 2)), lead_time=0.3)
    with pytest.raises(ValueError, match="lead_time"):
        small_rom.forecast(hist, lead_time=-1.0)


# ------------------------------------------------- slow part of the forcing
def test_hybrid_forcing_seen_by_x_has_unit_diffusion(small_rom):
    """On long time scales the hybrid's forcing is the Langevin model's noise.

    The drift defect of a hybrid run, ``Sigma^{-1} (dx/dt - Phi s(x))``, is
    the high-passed network output plus white noise of diffusion 1: its
    block integrals over 20 time units must have variance 2 * 1 * 20.
    """
    rom = small_rom
    assert rom.slow_forcing == "noise"
    np.testing.assert_allclose(rom.forcing_noise_, np.sqrt(2.0))
    assert rom.forcing_memory_ == pytest.approx(10 * rom.forcing_.window * rom.dt)
    sim = rom.sample(40_000, n_paths=4, random_state=0)
    g = rom.score_estimator_.predict(sim[:, :-1].reshape(-1, 1)).reshape(4, -1, 1)
    drift = g * rom.drift_matrix_[0, 0]
    f = ((sim[:, 1:] - sim[:, :-1]) / rom.dt - drift) / rom.diffusion_matrix_[0, 0]
    block = 2000
    sums = f[:, : (f.shape[1] // block) * block, 0].reshape(-1, block).sum(1) * rom.dt
    diff = np.mean(sums**2) / (2 * block * rom.dt)
    # 76 block sums: a 16% standard error
    assert 0.6 < diff < 1.5, diff
    assert abs(f.mean()) < 0.1


def test_slow_forcing_node_is_the_papers_model(small_rom, data):
    X, _ = data
    node = clone(small_rom).set_params(slow_forcing="node", diffusion="estimated")
    node.fit(X[:, :5000])
    np.testing.assert_array_equal(node.forcing_noise_, 0.0)
    assert node.high_pass_ == 0.0 and node.time_change_ == 1.0
    np.testing.assert_array_equal(node.forcing_mean_, node.forcing_.mean_)
    np.testing.assert_array_equal(node.forcing_scale_, node.forcing_.scale_)
    # deterministic: the white noise is the only randomness of a rollout
    paths = np.empty((2, 300, 1))
    for seed in range(2):
        hybrid_rollout(
            X[0, 100],
            node.initial_delay_states_[0],
            300,
            node.hybrid_kernel_,
            np.random.default_rng(seed),
            paths[seed],
        )
    np.testing.assert_array_equal(paths[0], paths[1])
    with pytest.raises(ValueError, match="slow_forcing"):
        clone(small_rom).set_params(slow_forcing="white").fit(X[:, :5000])
    with pytest.raises(ValueError, match="forcing_memory"):
        clone(small_rom).set_params(forcing_memory=-1.0).fit(X[:, :5000])


def test_acf_calibration_failure_says_where_it_came_from():
    # weakly correlated data (white noise, one sample per dt): the default
    # diffusion="acf" speeds the model up until it blows up in calibration
    X = np.random.default_rng(0).normal(size=(1, 400, 1))
    rom = HybridLangevinROM(
        score_estimator=KGMMScore(**FAST_SCORE),
        forcing=DelayNODEForcing(**FAST_FORCING),
        dt=1.0,
        random_state=0,
    )
    with pytest.raises(
        SimulationBlowUpError, match="time-scale calibration of diffusion='acf'"
    ) as info:
        rom.fit(X)
    assert "diffusion='estimated'" in str(info.value)
    assert isinstance(info.value.__cause__, SimulationBlowUpError)
    # and the advice works
    rom.set_params(diffusion="estimated").fit(X)
    assert rom.time_change_ == 1.0


def test_hybrid_bundle_is_built_from_its_parts_bundles(small_rom):
    rom = small_rom
    model, lang = rom.hybrid_kernel_, rom.langevin_.langevin_kernel_
    assert model.node is rom.forcing_.node_kernel_
    assert model.score.net is lang.score.net
    assert model.score.table.values.shape == (0,)  # the network, no table
    np.testing.assert_array_equal(model.phi, rom.drift_matrix_)
    np.testing.assert_array_equal(model.sigma, rom.diffusion_matrix_)
    np.testing.assert_allclose(model.phi, rom.time_change_ * lang.phi, rtol=1e-15)


def test_time_change_matches_the_data_decorrelation_time(small_rom, data):
    """diffusion="acf": the fitted hybrid decorrelates as the training data do."""
    from skrom.metrics import decorrelation_time

    X, _ = data
    rom = small_rom
    assert rom.langevin_.time_change_ != 1.0 and rom.time_change_ != 1.0
    np.testing.assert_allclose(
        rom.drift_matrix_, rom.time_change_ * rom.langevin_.drift_matrix_
    )
    sim = rom.sample(X.shape[1], x0=np.tile(X[:, 0], (8, 1)), n_paths=8, random_state=5)
    tau_data = decorrelation_time(X, dt=rom.dt, method="integral")
    tau_sim = decorrelation_time(sim, dt=rom.dt, method="integral")
    # two fixed-point passes on 4 copies of the data; checked on 8 others
    np.testing.assert_allclose(tau_sim, tau_data, rtol=0.25)


def test_residence_time_change_matches_the_transition_rate(small_rom, data):
    """diffusion="residence": the hybrid changes well as often as the data."""
    from skrom.metrics import transition_counts

    X, _ = data
    with pytest.raises(ValueError, match="state_thresholds"):
        clone(small_rom).set_params(diffusion="residence").fit(X)
    # "auto" (the default) is "residence" once thresholds are given
    rom = (
        clone(small_rom)
        .set_params(diffusion="auto", state_thresholds=(-0.5, 0.5))
        .fit(X)
    )
    assert rom.langevin_.diffusion == "residence"
    np.testing.assert_allclose(
        rom.drift_matrix_, rom.time_change_ * rom.langevin_.drift_matrix_
    )
    sim = rom.sample(X.shape[1], x0=np.tile(X[:, 0], (8, 1)), n_paths=8, random_state=5)
    per = [
        Y.shape[0] * (Y.shape[1] - 1) / transition_counts(Y, (-0.5, 0.5)).sum()
        for Y in (X, sim)
    ]
    # about 15 transitions in the data, 120 in the check
    assert per[1] == pytest.approx(per[0], rel=0.3)


def test_calibration_first_pass_is_shorter_and_seeds_the_second():
    """first_sim_steps: the first pass runs the first starts of the later ones."""
    from skrom.score._time_change import time_change_factor

    n_steps, rate = 2000, 0.02  # the data: a telegraph signal, 40 switches/path

    def telegraph(n_paths, rate, seed):
        rng = np.random.default_rng(seed)
        flips = rng.random((n_paths, n_steps)) < rate
        return np.where(np.cumsum(flips, axis=1) % 2, 1.0, -1.0)[..., None]

    X = telegraph(3, rate, 0)
    starts = []

    def run(k, n_steps, x0):
        # a model with the data's dynamics k times faster; path i seeded by i
        starts.append(x0.copy())
        return np.concatenate(
            [telegraph(1, min(1.0, 1.7 * k * rate), 100 + i) for i in range(len(x0))]
        )

    kw = dict(who="Test", option="residence", thresholds=(-0.5, 0.5), n_passes=2)
    k = time_change_factor(
        run, X, 0.01, sim_steps=20 * n_steps, first_sim_steps=5 * n_steps, **kw
    )
    assert [len(s) for s in starts] == [5, 21]
    np.testing.assert_array_equal(starts[1][:5], starts[0])
    # the model switches 1.7 times too often: k undoes that
    assert k == pytest.approx(1 / 1.7, rel=0.1)
    starts.clear()
    time_change_factor(run, X, 0.01, sim_steps=20 * n_steps, **kw)
    assert [len(s) for s in starts] == [21, 21]


# ------------------------------------------------------------- contract
def test_nested_params_in_grid_search(data):
    X, _ = data
    Xs = X[:, :6000].reshape(2, 3000, 1)
    rom = HybridLangevinROM(
        score_estimator=KGMMScore(**FAST_SCORE),
        forcing=DelayNODEForcing(**FAST_FORCING),
        random_state=0,
    )
    assert rom.set_params(forcing__n_delays=3).forcing.n_delays == 3
    search = GridSearchCV(rom, {"forcing__n_delays": [2, 4]}, cv=2).fit(Xs)
    assert search.best_params_["forcing__n_delays"] in (2, 4)
    assert (
        search.best_estimator_.forcing_.n_delays
        == search.best_params_["forcing__n_delays"]
    )
    assert (
        search.best_estimator_.forcing_.n_state_
        == search.best_params_["forcing__n_delays"]
    )
    tried = sorted(p["forcing__n_delays"] for p in search.cv_results_["params"])
    assert tried == [2, 4]


def test_defaults_resolved_in_fit_and_unfitted_errors():
    rom = HybridLangevinROM()
    assert rom.score_estimator is None and rom.forcing is None
    with pytest.raises(NotFittedError):
        rom.sample(10)
    with pytest.raises(NotFittedError):
        rom.forecast(np.zeros((50, 1)), lead_time=0.1)


def test_reproducible_pickle_and_n_jobs(small_rom, data, tmp_path):
    X, _ = data
    a = small_rom.sample(500, n_paths=3, random_state=5)
    np.testing.assert_array_equal(a, small_rom.sample(500, n_paths=3, random_state=5))
    par = clone(small_rom).set_params(n_jobs=2)
    par.__dict__.update(
        {k: v for k, v in small_rom.__dict__.items() if k.endswith("_")}
    )
    fc = small_rom.forecast(X[:2, :600], lead_time=0.3, n_paths=3, random_state=5)
    # the white-noise part makes the members' random streams matter
    assert np.any(small_rom.forcing_noise_ > 0)
    assert not np.array_equal(
        small_rom.forecast(X[:2, :600], lead_time=0.3, n_paths=3, random_state=6), fc
    )
    with parallel_config(backend="threading"):
        np.testing.assert_array_equal(par.sample(500, n_paths=3, random_state=5), a)
        np.testing.assert_array_equal(
            par.forecast(X[:2, :600], lead_time=0.3, n_paths=3, random_state=5), fc
        )
    # loky: the members run in other processes
    np.testing.assert_array_equal(
        par.forecast(X[:2, :600], lead_time=0.3, n_paths=3, random_state=5), fc
    )
    loaded = pickle.loads(pickle.dumps(small_rom))
    np.testing.assert_array_equal(loaded.sample(500, n_paths=3, random_state=5), a)
    joblib.dump(small_rom, tmp_path / "rom.joblib")
    loaded = joblib.load(tmp_path / "rom.joblib")
    np.testing.assert_array_equal(loaded.sample(500, n_paths=3, random_state=5), a)
    # refitting with the same random_state gives the same model
    kw = dict(
        score_estimator=KGMMScore(**FAST_SCORE),
        forcing=DelayNODEForcing(**FAST_FORCING),
        random_state=3,
    )
    r1 = HybridLangevinROM(**kw).fit(X[:, :4000])
    r2 = HybridLangevinROM(**kw).fit(X[:, :4000])
    np.testing.assert_array_equal(
        r1.sample(200, n_paths=2, random_state=0),
        r2.sample(200, n_paths=2, random_state=0),
    )


def test_bad_inputs(data):
    X, _ = data
    rom = HybridLangevinROM(
        score_estimator=KGMMScore(**FAST_SCORE),
        forcing=DelayNODEForcing(**FAST_FORCING),
        random_state=0,
    )
    with pytest.raises(ValueError, match="reshape"):
        rom.fit(X[0, :, 0])
    bad = X[:, :3000].copy()
    bad[0, 7, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        rom.fit(bad)
    with pytest.raises(ValueError, match="derivative"):
        clone(rom).set_params(derivative="spline").fit(X[:, :3000])
    with pytest.raises(TypeError, match="DelayNODEForcing"):
        clone(rom).set_params(forcing=KGMMScore()).fit(X[:, :3000])
    before = X.copy()
    rom.fit(X[:, :3000])
    np.testing.assert_array_equal(X, before)
    with pytest.raises(ValueError, match="x0"):
        rom.sample(10, x0=np.zeros((2, 1)), n_paths=3)


def test_transition_forecast_small(small_rom, data):
    """Even a briefly trained hybrid foresees transitions the Gaussian model cannot."""
    _, X_test = data
    rom = small_rom
    events = transition_events(X_test, (-0.5, 0.5), settle=30, min_history=400)
    assert len(events) >= 15
    leads = [5, 10]  # 0.18 and 0.36 Lyapunov times of the driver

    def hybrid_end(i, t0, n, e):  # a vote of 16 members, as for the baseline
        fc = rom.forecast(
            X_test[i, t0 - 300 : t0 + 1],
            lead_time=n * rom.dt,
            n_paths=16,
            random_state=e,
        )
        return fc[0, :, -1, 0]

    def langevin_end(i, t0, n, e):
        return rom.langevin_.sample(
            n + 1, x0=X_test[i, t0], n_paths=16, random_state=e
        )[:, -1, 0]

    skill_h = transition_forecast_skill(X_test, events, leads, hybrid_end, settle=30)
    skill_l = transition_forecast_skill(X_test, events, leads, langevin_end, settle=30)
    # Finding: with the white noise of slow_forcing="noise" this briefly
    # trained hybrid only ties the baseline at the shortest lead (0.45 and
    # 0.45; the deterministic paper model had a 0.15 lead there); at 0.36
    # Lyapunov times it is ahead by 0.2 (0.45 against 0.24)
    assert skill_h[0] >= skill_l[0], (skill_h, skill_l)
    assert skill_h[1] > skill_l[1] + 0.15, (skill_h, skill_l)


# ------------------------------------------------------------ clock features
def test_clock_features_drive_the_drift_and_advance_exactly():
    X = make_tristable(2, 6000, dt=0.01, random_state=0)
    rom = HybridLangevinROM(
        score_estimator=KGMMScore(**FAST_SCORE),
        forcing=DelayNODEForcing(**FAST_FORCING),
        clock_features=(1, 2),
        diffusion="estimated",
        random_state=0,
    )
    # 60 time units of a 500-unit tilt period
    with pytest.warns(UserWarning, match="unevenly"):
        rom.fit(X)
    assert rom.drift_matrix_.shape == (1, 1)
    assert rom.forcing_.n_features_in_ == 1  # the residual of x alone
    assert rom.langevin_.clock_tables_ is not None
    # the residual is the defect of the clocked drift
    x = X[0, :1000]
    want = (
        (x[2:, 0] - x[:-2, 0]) / 0.02 - rom.langevin_.drift(x[1:-1])[:, 0]
    ) / rom.langevin_.diffusion_matrix_[0, 0]
    got = rom._residual(X[:1, :1000], rom.langevin_, trim=True)[0, :, 0]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    sim = rom.sample(3000, x0=X[:, 0], n_paths=2, random_state=0)
    phase = rom.langevin_.clock_frequencies_[0] * 0.01 * np.arange(3000)
    np.testing.assert_allclose(
        sim[:, :, 1], np.broadcast_to(np.sin(phase), (2, 3000)), atol=1e-9
    )
    np.testing.assert_allclose(
        sim[:, :, 2], np.broadcast_to(np.cos(phase), (2, 3000)), atol=1e-9
    )
    fc = rom.forecast(X[:, :500], lead_time=0.5, n_paths=2, random_state=0)
    np.testing.assert_allclose(fc[:, 0, :, 1:], X[:, 499:550, 1:], atol=1e-9)
    assert np.isfinite(rom.score(X[:, :2000]))


# ------------------------------------------------------ slow accuracy runs
# symmetric: the Lorenz-63 driver of all three systems is symmetric under y -> -y
SLOW_FORCING = dict(
    n_delays=8,
    hidden_layers=(128, 128),
    window=20,
    n_windows=1024,
    max_epochs=40,
    learning_rate=3e-3,
    symmetric=True,
)
SYSTEMS = {
    "additive": (make_bistable_additive, (-0.5, 0.5)),
    "multiplicative": (make_bistable_multiplicative, (-0.5, 0.5)),
    "tristable": (make_tristable, [[-1.3, -0.7], [0.7, 1.3]]),
}


def _slow_fit(system, n_train=10, n_test=4, diffusion="residence", forcing_memory=None):
    make, thresholds = SYSTEMS[system]
    X_train = make(n_train, 100_000, random_state=0)
    X_test = make(n_test, 100_000, random_state=1)
    if system == "tristable":
        # the periodic tilt's phase as clock features ([x, sin, cos]); the
        # conditional score needs finer clusters than the 1-D default: with
        # sigma=0.05, prob=1e-3 the Langevin model's KL is 0.06
        clock = dict(clock_features=(1, 2))
        score = KGMMScore(sigma=0.02, prob=5e-4, random_state=0)
    else:
        clock = {}
        score = KGMMScore(random_state=0)
    rom = HybridLangevinROM(
        score_estimator=score,
        forcing=DelayNODEForcing(**SLOW_FORCING),
        diffusion=diffusion,
        state_thresholds=thresholds,
        forcing_memory=forcing_memory,
        random_state=0,
        **clock,
    ).fit(X_train)
    return rom, X_test, thresholds


# 32 runs of 1000 time units (about 1500 well transitions): two independent
# 4-run sets of the truth itself differ by KL 0.01-0.02, ACF error 0.11-0.13
# and residence times by up to 30%, so shorter sets cannot test the targets.
# The time change matches the mean time per transition between the wells
# (diffusion="residence"). Measured (hybrid; truth): additive KL 0.0101, ACF
# error 0.036, residence times 19.2, 19.2 (23.0, 20.6; the training runs'
# own are 19.8, 20.6); tristable KL 0.0139, ACF 0.079, 62.7, 26.4, 49.2
# (71.4, 30.0, 55.8). With diffusion="acf" the tristable hybrid hopped 1.6-1.8
# times too often (44.0, 16.7, 33.8): its ACF integral, which the tilt's
# periodic part dominates, hardly moves with the time change.
# With the calibration's first pass cut to a quarter (issue 15) the additive
# fit gave KL 0.0100, ACF 0.042, residence times within 16.5% (before:
# 0.0098, 0.037, 16.3%; benchmarks/bench_training.py --only hybrid); the
# tristable fit KL 0.0158, ACF 0.091, 75.6, 26.5, 48.9 (truth as above); the
# multiplicative one KL 0.0150, ACF 0.030, 29.2, 13.9 (-20.6%, failing as it
# did before at -21.0% on this machine: 29.04).
# The multiplicative system takes a high-pass memory of one training window
# (0.2 time units): KL 0.0160, ACF 0.029, residence 29.5, 14.4 (36.7, 15.1;
# the training runs' own are 31.7, 15.5, so most of the -19.7% is the training
# sample). Before the SIMD MLP kernel (rounding-level changes in every network
# evaluation) the same fit gave 0.0142, 0.032, 30.3, 14.1: the spread of these
# figures between equally good fits is a few percent.
# With the default ten windows the network's high-passed forcing adds
# short-time variance that no drift balances, with the average amplitude
# everywhere where the true forcing g(x) y2 varies with x: KL 0.055, ACF
# 0.066, 28.4, 17.1 (its Gaussian-noise model: KL 0.0080, ACF 0.028, 32.2,
# 15.4). With diffusion="acf" that default was fragile: KL 0.0101 at stop 9,
# 0.077 after a rounding-level change elsewhere.
FORCING_MEMORY = {"multiplicative": 0.2}


@pytest.mark.slow
@pytest.mark.parametrize(
    "system",
    [
        "additive",
        "multiplicative",
        "tristable",
    ],
)
def test_statistics_three_systems(system):
    """Long hybrid runs reproduce PDF, ACF and residence times (issue 4 targets)."""
    rom, X_test, thresholds = _slow_fit(
        system, n_test=32, forcing_memory=FORCING_MEMORY.get(system)
    )
    # runs of whole tilt periods (1000 time units = 2), so the tristable
    # statistics do not depend on the start phase; x only
    sim = rom.sample(100_000, n_paths=32, random_state=1)[..., :1]
    X_test = X_test[..., :1]
    tau = float(decorrelation_time(X_test, dt=0.01)[0])
    kl = pdf_kl_divergence(X_test, sim)
    acf = acf_error(X_test, sim, int(5 * tau / 0.01))
    res_true = mean_residence_times(X_test, thresholds, dt=0.01)
    res_sim = mean_residence_times(sim, thresholds, dt=0.01)
    print(system, kl, acf, res_sim, res_true)
    assert kl < 0.02, kl
    assert acf < 0.1, acf
    np.testing.assert_allclose(res_sim, res_true, rtol=0.2)


@pytest.mark.slow
def test_transition_forecast_beats_gaussian_baseline():
    """Skill at the sign of the coming well, held-out transitions, additive system."""
    rom, X_test, _ = _slow_fit("additive")
    events = transition_events(X_test, (-0.5, 0.5), settle=30, min_history=400)
    leads = [5, 10, 15, 20, 23]  # up to 0.83 Lyapunov times (0.28 time units)

    def hybrid_end(i, t0, n, e):
        fc = rom.forecast(X_test[i, t0 - 300 : t0 + 1], lead_time=n * rom.dt)
        return fc[0, 0, -1, 0]

    def langevin_end(i, t0, n, e):
        return rom.langevin_.sample(
            n + 1, x0=X_test[i, t0], n_paths=32, random_state=e
        )[:, -1, 0]

    skill_h = transition_forecast_skill(X_test, events, leads, hybrid_end, settle=30)
    skill_l = transition_forecast_skill(X_test, events, leads, langevin_end, settle=30)
    assert np.all(skill_h > skill_l), (skill_h, skill_l)
    assert np.all(skill_h > 0.6), skill_h
    # no false alarms: from starts that stay in their well for 0.6 time units
    # the forecasts stay there too
    rng = np.random.default_rng(0)
    quiet = []
    while len(quiet) < 100:
        i, t0 = int(rng.integers(X_test.shape[0])), int(rng.integers(500, 99_000))
        x = X_test[i, t0 : t0 + 60, 0]
        if abs(x[0]) > 0.3 and np.all(np.sign(x) == np.sign(x[0])):
            quiet.append((i, t0))
    stays = [
        np.sign(hybrid_end(i, t0, 50, 0)) == np.sign(X_test[i, t0, 0])
        for i, t0 in quiet
    ]
    assert np.mean(stays) > 0.9
