"""Tests of DelayNODEForcing: embedding, training, numba export, sklearn contract."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrom.datasets import make_bistable_additive
from skrom.forcing import DelayNODEForcing
from skrom.forcing._delay_embedding import decorrelation_lag, delay_embed
from skrom.metrics import autocorrelation

# sklearn feeds rows of X as predict inputs: with n_delays=1 a delay vector is
# one row of the series, so the row-wise predict contract applies as is.
_CHECK_EST = DelayNODEForcing(
    n_delays=1,
    hidden_layers=(8,),
    window=3,
    n_windows=16,
    max_epochs=2,
    batch_size=8,
    dt=0.1,
    random_state=0,
)


@parametrize_with_checks([_CHECK_EST])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _l63_y2(n_steps, seed, n_traj=1):
    b = make_bistable_additive(
        n_traj, n_steps, dt=0.01, random_state=seed, return_bunch=True
    )
    return b.full_state[:, :, 2:3]


@pytest.fixture(scope="module")
def y2_data():
    return _l63_y2(12_000, 0), _l63_y2(3_000, 1)


@pytest.fixture(scope="module")
def fitted(y2_data):
    Y, _ = y2_data
    torch.set_num_threads(1)
    est = DelayNODEForcing(
        n_delays=6,
        hidden_layers=(64, 64),
        window=8,
        window_decay=1.0,
        n_windows=1024,
        max_epochs=8,
        batch_size=64,
        learning_rate=3e-3,
        dt=0.01,
        random_state=0,
    )
    return est.fit(Y)


# ----------------------------------------------------------------- embedding
def test_delay_embed_matches_definition():
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(2, 30, 2))
    Z = delay_embed(Y, lag=3, n_delays=4)
    assert Z.shape == (2, 30 - 9, 8)
    for t in (0, 5, 20):
        want = np.concatenate([Y[:, t + 9 - 3 * j] for j in range(4)], axis=1)
        np.testing.assert_array_equal(Z[:, t], want)


def test_decorrelation_lag_on_ar1():
    # AR(1) with coefficient a has ACF a^k: first below 0.2 at k = ceil(log 0.2 / log a)
    a = 0.9
    rng = np.random.default_rng(1)
    n = 400_000
    e = rng.normal(size=n)
    y = np.empty(n)
    y[0] = 0.0
    for i in range(1, n):
        y[i] = a * y[i - 1] + e[i]
    acf = autocorrelation(y.reshape(1, -1, 1), 20)[:, 0]
    np.testing.assert_allclose(acf[:10], a ** np.arange(10), atol=0.01)
    want = int(np.ceil(np.log(0.2) / np.log(a)))
    assert decorrelation_lag(y.reshape(1, -1, 1)) == want


def test_auto_delay_is_fraction_of_decorrelation_time(fitted, y2_data):
    Y, _ = y2_data
    lag0 = decorrelation_lag((Y - Y.mean()) / Y.std())
    assert fitted.decorrelation_time_ == pytest.approx(lag0 * 0.01)
    assert fitted.lag_ == max(1, round(0.25 * lag0))
    assert fitted.delay_ == pytest.approx(fitted.lag_ * 0.01)
    est = clone(fitted).set_params(delay=0.05, max_epochs=1, n_windows=8)
    assert est.fit(Y[:, :2000]).lag_ == 5


# ------------------------------------------------------------------ accuracy
def test_forecast_beats_persistence_and_climatology(fitted, y2_data):
    """The NODE forecasts the L63 y2 signal (ground truth from the simulator)."""
    _, Y_test = y2_data
    score = fitted.score(Y_test)
    horizon = fitted.window
    Ys = (Y_test[0, :, 0] - fitted.mean_[0]) / fitted.scale_[0]
    # persistence: hold the last value over the same horizon
    errs = [
        np.mean((Ys[t + 1 : t + 1 + horizon] - Ys[t]) ** 2)
        for t in range(100, len(Ys) - horizon - 1, 7)
    ]
    persistence = -float(np.mean(errs))
    assert score > -0.65  # climatology (forecast the mean) scores about -1
    assert score > persistence + 0.2


def test_samples_stay_bounded(fitted):
    S = fitted.sample(1500, n_paths=3, random_state=0)
    assert S.shape == (3, 1500, 1)
    Ss = (S - fitted.mean_) / fitted.scale_
    assert np.all(np.isfinite(Ss))
    assert np.max(np.abs(Ss)) < 6.0


@pytest.mark.slow
def test_long_run_statistics_of_l63_forcing(y2_data):
    """With a longer training the NODE's own dynamics resemble the L63 signal's."""
    torch.set_num_threads(1)
    Y = _l63_y2(30_000, 0)
    _, Y_test = y2_data
    est = DelayNODEForcing(
        n_delays=8,
        hidden_layers=(128, 128),
        window=20,
        n_windows=1024,
        max_epochs=40,
        learning_rate=3e-3,
        dt=0.01,
        random_state=0,
    ).fit(Y)
    assert est.score(Y_test) > -0.15  # 20-step forecasts (0.7 Lyapunov times)
    S = est.sample(5000, n_paths=4, random_state=0)[:, 1000:]
    Ss = (S - est.mean_) / est.scale_
    assert 0.7 < Ss.std() < 1.3
    acf_model = autocorrelation(Ss, 8)[:, 0]
    acf_true = autocorrelation((Y_test - est.mean_) / est.scale_, 8)[:, 0]
    np.testing.assert_allclose(acf_model[:5], acf_true[:5], atol=0.15)


# ----------------------------------------------------------- numba export
@pytest.mark.parametrize(
    "coupled, symmetric", [(False, False), (True, False), (False, True), (True, True)]
)
def test_numba_rollout_matches_torchdiffeq(y2_data, coupled, symmetric):
    Y, _ = y2_data
    est = DelayNODEForcing(
        n_delays=5,
        hidden_layers=(32, 32),
        window=10,
        n_windows=64,
        max_epochs=2,
        coupled=coupled,
        symmetric=symmetric,
        dt=0.01,
        random_state=3,
    ).fit(Y[:, :3000])
    X0 = delay_embed(Y[:, 1000:1400], est.lag_, est.n_delays)[0, ::40]
    ref = est._torch_rollout(X0, 101)
    Z0 = est._standardise_states(X0)
    got = est._rollout(Z0, 101, n_keep=est.n_state_)
    assert got.shape == ref.shape == (X0.shape[0], 101, est.n_state_)
    rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
    assert rel < 1e-6
    # predict is the same rollout, back in data units
    pred = est.predict(X0, n_steps=101)
    np.testing.assert_allclose(
        pred[:, :, 0],
        ref[:, :, 0] * est.scale_[0] + est.mean_[0],
        rtol=1e-6,
        atol=1e-9 * est.scale_[0],
    )


def test_float32_training_exports_a_float64_field(y2_data, monkeypatch):
    # the training precision is a module setting (issue 15: about twice as
    # fast per epoch); the fitted field and its numba export stay float64
    import skrom.forcing._delay_node as delay_node

    Y, _ = y2_data
    kw = dict(n_delays=4, hidden_layers=(16, 16), window=6, n_windows=64)
    ref = DelayNODEForcing(**kw, max_epochs=2, random_state=0).fit(Y[:, :3000])
    monkeypatch.setattr(delay_node, "_TRAIN_DTYPE", torch.float32)
    est = DelayNODEForcing(**kw, max_epochs=2, random_state=0).fit(Y[:, :3000])
    assert {p.dtype for p in est.module_.parameters()} == {torch.float64}
    assert est.mlp_pack_.weights.dtype == np.float64
    diff = np.abs(est.mlp_pack_.weights - ref.mlp_pack_.weights)
    # float32 rounding, carried through two epochs of Adam
    assert 0 < diff.max() < 1e-4 * np.abs(ref.mlp_pack_.weights).max()
    assert est.history_[-1]["loss"] == pytest.approx(ref.history_[-1]["loss"], 1e-4)
    X0 = delay_embed(Y[:, 1000:1200], est.lag_, est.n_delays)[0, ::50]
    got = est._rollout(est._standardise_states(X0), 51, n_keep=est.n_state_)
    np.testing.assert_allclose(got, est._torch_rollout(X0, 51), rtol=1e-9, atol=1e-9)


def test_multifeature_series():
    rng = np.random.default_rng(0)
    t = np.arange(800) * 0.05
    Y = np.stack([np.sin(t), np.cos(1.3 * t)], axis=1)
    Y += 0.01 * rng.normal(size=(800, 2))
    est = DelayNODEForcing(
        n_delays=3,
        hidden_layers=(16,),
        window=8,
        n_windows=32,
        max_epochs=2,
        dt=0.05,
        random_state=0,
    ).fit(Y)
    assert est.n_state_ == 6
    assert est.sample(20, n_paths=2, random_state=1).shape == (2, 20, 2)
    assert est.predict(np.zeros((4, 6)), n_steps=7).shape == (4, 7, 2)


# --------------------------------------------------------- API contract
def test_sample_starts_at_x0_and_predict_shape(fitted):
    x0 = fitted.initial_states_[7] * np.tile(fitted.scale_, fitted.n_delays) + np.tile(
        fitted.mean_, fitted.n_delays
    )
    S = fitted.sample(30, x0=x0, n_paths=2)
    np.testing.assert_allclose(S[:, 0, 0], x0[0])
    np.testing.assert_array_equal(S[0], S[1])
    P = fitted.predict(x0[None, :])
    assert P.shape == (1, fitted.window + 1, 1)
    np.testing.assert_allclose(P[0], S[0, : fitted.window + 1])


def test_reproducible_and_pickle_round_trip(fitted, y2_data, tmp_path):
    Y, _ = y2_data
    a = clone(fitted).set_params(max_epochs=2, n_windows=64).fit(Y[:, :3000])
    b = clone(fitted).set_params(max_epochs=2, n_windows=64).fit(Y[:, :3000])
    np.testing.assert_array_equal(
        a.sample(50, n_paths=3, random_state=4), b.sample(50, n_paths=3, random_state=4)
    )
    assert a.history_ == b.history_
    want = fitted.sample(200, n_paths=4, random_state=11)
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.sample(200, n_paths=4, random_state=11), want)
    joblib.dump(fitted, tmp_path / "node.joblib")
    loaded = joblib.load(tmp_path / "node.joblib")
    np.testing.assert_array_equal(loaded.sample(200, n_paths=4, random_state=11), want)
    assert next(loaded.module_.parameters()).device.type == "cpu"


def test_verbose_shows_progress(capsys):
    Y = np.sin(np.arange(300) * 0.1)[:, None]
    DelayNODEForcing(
        n_delays=2,
        hidden_layers=(4,),
        window=5,
        n_windows=8,
        max_epochs=2,
        dt=0.1,
        random_state=0,
        verbose=1,
    ).fit(Y)
    assert "DelayNODEForcing" in capsys.readouterr().err


def test_symmetric_field_is_odd(y2_data):
    """With ``symmetric`` the model commutes with y -> -y, scaled about zero."""
    Y, _ = y2_data
    est = DelayNODEForcing(
        n_delays=4,
        hidden_layers=(16,),
        window=8,
        n_windows=64,
        max_epochs=2,
        symmetric=True,
        dt=0.01,
        random_state=0,
    ).fit(Y[:, :3000] + 0.5)
    np.testing.assert_array_equal(est.mean_, 0.0)
    np.testing.assert_allclose(est.scale_, np.sqrt(np.mean((Y[:, :3000] + 0.5) ** 2)))
    X0 = delay_embed(Y[:, 1000:1400] + 0.5, est.lag_, est.n_delays)[0, ::50]
    np.testing.assert_allclose(
        est.predict(-X0, n_steps=200),
        -est.predict(X0, n_steps=200),
        rtol=1e-12,
        atol=1e-12,
    )
    plain = clone(est).set_params(symmetric=False).fit(Y[:, :3000] + 0.5)
    assert not np.allclose(
        plain.predict(-X0, n_steps=200), -plain.predict(X0, n_steps=200), atol=1e-3
    )


@pytest.mark.parametrize(
    "params, err",
    [
        ({"n_delays": 0}, ValueError),
        ({"window": 0}, ValueError),
        ({"dt": -0.1}, ValueError),
        ({"delay": 0.0}, ValueError),
        ({"activation": "sigmoidal"}, ValueError),
        ({"hidden_layers": (8, "a")}, TypeError),
        ({"learning_rate": np.nan}, ValueError),
        ({"max_epochs": 1.5}, TypeError),
        ({"coupled": "yes"}, ValueError),
        ({"symmetric": "no"}, ValueError),
        ({"device": "nonsense"}, ValueError),
    ],
)
def test_invalid_parameters(params, err):
    Y = np.sin(np.arange(300) * 0.1)[:, None]
    est = DelayNODEForcing(**{"window": 5, "max_epochs": 1, "dt": 0.1, **params})
    with pytest.raises(err):
        est.fit(Y)


def test_bad_inputs():
    Y = np.sin(np.arange(300) * 0.1)[:, None]
    est = DelayNODEForcing(
        n_delays=3,
        hidden_layers=(4,),
        window=5,
        n_windows=8,
        max_epochs=1,
        dt=0.1,
        random_state=0,
    )
    with pytest.raises(ValueError, match="reshape"):
        est.fit(Y[:, 0])
    bad = Y.copy()
    bad[10, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(bad)
    with pytest.raises(ValueError, match="sample"):
        est.fit(Y[:6])
    with pytest.raises(ValueError, match="not fitted|fit"):
        est.predict(np.zeros((1, 3)))
    Y_copy = Y.copy()
    est.fit(Y)
    np.testing.assert_array_equal(Y, Y_copy)
    with pytest.raises(ValueError, match="expecting 3 features"):
        est.predict(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="reshape"):
        est.predict(np.zeros(3))
    with pytest.raises(ValueError, match="n_paths"):
        est.sample(5, x0=np.zeros((2, 3)), n_paths=3)
    with pytest.raises(ValueError, match="features"):
        est.score(np.zeros((100, 2)))
