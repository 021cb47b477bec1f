import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

import skrom.coarse._coarse_sde as coarse_module
import skrom.coarse._solver as solver_module
from skrom.coarse import CoarseSDE
from skrom.coarse._posterior import DeepKernelGP
from skrom.datasets import make_burgers_1d, simulate_coarse_burgers_1d

TINY = dict(
    n_coarse=4,
    n_micro=2,
    stencil=3,
    hidden_layers=(8,),
    window=4,
    n_quadrature=4,
    max_epochs=2,
    batches_per_epoch=2,
    batch_size=4,
)


def _checks_instance():
    return CoarseSDE(
        n_coarse=1,
        n_micro=1,
        stencil=1,
        hidden_layers=(4,),
        window=3,
        n_quadrature=2,
        max_epochs=1,
        batches_per_epoch=1,
        batch_size=2,
        random_state=0,
    )


@parametrize_with_checks([_checks_instance()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def burgers_small():
    return make_burgers_1d(4, 20, n_grid=100, random_state=0)


@pytest.fixture(scope="module")
def fitted_small(burgers_small):
    return CoarseSDE(**TINY, random_state=0).fit(burgers_small)


def _rel_err(A, B):
    return np.linalg.norm(A - B, axis=-1) / np.linalg.norm(B, axis=-1)


def test_shapes_and_first_point(fitted_small, burgers_small):
    m = fitted_small
    assert m.transform(burgers_small).shape == (4, 20, 6)
    assert m.transform(burgers_small[0]).shape == (20, 6)
    S = m.sample(7, x0=burgers_small[1, 0], n_paths=3, random_state=1)
    assert S.shape == (3, 7, 100)
    np.testing.assert_array_equal(
        S[:, 0], np.broadcast_to(burgers_small[1, 0], (3, 100))
    )
    S2 = m.sample(5, x0=burgers_small[:2, 0], n_paths=2, random_state=1)
    np.testing.assert_array_equal(S2[:, 0], burgers_small[:2, 0])
    assert m.sample(3).shape == (1, 3, 100)
    assert m.inverse_transform(m.transform(burgers_small)).shape == burgers_small.shape
    assert np.isfinite(m.score(burgers_small))
    assert len(m.history_) == TINY["max_epochs"]
    assert m.diffusion_.shape == (6,)
    assert all(not p.requires_grad for p in m.sde_.parameters())


def test_closure_only_model(burgers_small):
    m = CoarseSDE(**{**TINY, "n_micro": 0}, random_state=0).fit(burgers_small)
    assert m.transform(burgers_small).shape == (4, 20, 4)
    assert m.sample(4, x0=burgers_small[0, 0], random_state=0).shape == (1, 4, 100)


def test_training_never_calls_the_sde_solver(monkeypatch, burgers_small):
    def forbidden(*args, **kwargs):
        raise AssertionError("the SDE solver was called")

    monkeypatch.setattr(solver_module, "euler_maruyama", forbidden)
    m = CoarseSDE(**TINY, random_state=0).fit(burgers_small)
    m.score(burgers_small)
    # the patch is live: prediction does go through the solver
    with pytest.raises(AssertionError, match="solver was called"):
        m.sample(3, x0=burgers_small[0, 0])


def test_epoch_cost_independent_of_trajectory_length(monkeypatch):
    seen = []
    real = coarse_module.window_elbo

    def spy(autoencoder, gp, sde, x, *args, **kwargs):
        seen.append(tuple(x.shape))
        return real(autoencoder, gp, sde, x, *args, **kwargs)

    monkeypatch.setattr(coarse_module, "window_elbo", spy)
    shapes = {}
    for n_steps in (8, 80):
        seen.clear()
        X = make_burgers_1d(2, n_steps, n_grid=100, random_state=0)
        CoarseSDE(**TINY, random_state=0).fit(X)
        shapes[n_steps] = list(seen)
    # same number of ELBO evaluations on same-sized windows, whatever the length
    assert shapes[8] == shapes[80]
    assert len(shapes[8]) == TINY["max_epochs"] * TINY["batches_per_epoch"]
    assert shapes[8][0] == (TINY["batch_size"], TINY["window"], 100)


def test_reproducible(burgers_small):
    a = CoarseSDE(**TINY, random_state=5).fit(burgers_small)
    b = CoarseSDE(**TINY, random_state=5).fit(burgers_small)
    c = CoarseSDE(**TINY, random_state=6).fit(burgers_small)
    assert a.history_ == b.history_
    x0 = burgers_small[0, 0]
    np.testing.assert_array_equal(
        a.sample(6, x0=x0, n_paths=2, random_state=0),
        b.sample(6, x0=x0, n_paths=2, random_state=0),
    )
    assert a.history_ != c.history_
    assert not np.array_equal(
        a.sample(6, x0=x0, random_state=0), a.sample(6, x0=x0, random_state=1)
    )
    # fitting leaves the caller's torch random stream alone
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    CoarseSDE(**TINY, random_state=5).fit(burgers_small)
    assert torch.equal(torch.rand(1), before)


def test_pickle_joblib_clone_round_trip(tmp_path, fitted_small, burgers_small):
    x0 = burgers_small[2, 0]
    ref = fitted_small.sample(6, x0=x0, n_paths=2, random_state=3)
    back = pickle.loads(pickle.dumps(fitted_small))
    np.testing.assert_array_equal(back.sample(6, x0=x0, n_paths=2, random_state=3), ref)
    path = tmp_path / "coarse.joblib"
    joblib.dump(fitted_small, path)
    np.testing.assert_array_equal(
        joblib.load(path).sample(6, x0=x0, n_paths=2, random_state=3), ref
    )
    assert back.score(burgers_small) == fitted_small.score(burgers_small)
    fresh = clone(fitted_small)
    assert not hasattr(fresh, "sde_")
    assert fresh.get_params() == fitted_small.get_params()


def test_input_validation(burgers_small):
    X = burgers_small
    with pytest.raises(NotFittedError):
        CoarseSDE().sample(3)
    bad = [
        (dict(n_micro=-1), ValueError, "n_micro"),
        (dict(stencil=4), ValueError, "odd"),
        (dict(stencil=7, n_coarse=4), ValueError, "stencil"),
        (dict(n_coarse=200), ValueError, "n_coarse"),
        (dict(window=50), ValueError, "steps"),
        (dict(learning_rate=-1.0), ValueError, "learning_rate"),
        (dict(hidden_layers=(8, "a")), TypeError, "hidden_layers"),
        (
            dict(device="cuda:7" if not torch.cuda.is_available() else "nonsense"),
            ValueError,
            "device",
        ),
    ]
    for kwargs, err, msg in bad:
        with pytest.raises(err, match=msg):
            CoarseSDE(**{**TINY, **kwargs}).fit(X)
    Xnan = X.copy()
    Xnan[0, 3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CoarseSDE(**TINY).fit(Xnan)
    with pytest.raises(ValueError, match="reshape"):
        CoarseSDE(**TINY).fit(X[0, 0])
    m = CoarseSDE(**TINY, random_state=0).fit(X)
    with pytest.raises(ValueError, match="x0"):
        m.sample(3, x0=np.ones(7))
    with pytest.raises(ValueError, match="x0"):
        m.sample(3, x0=np.ones((3, 100)), n_paths=2)
    with pytest.raises(ValueError, match="features"):
        m.transform(np.ones((2, 5, 7)))
    with pytest.raises(ValueError, match="n_steps"):
        m.sample(0)
    Xc = X.copy()
    m.fit(Xc)
    np.testing.assert_array_equal(Xc, X)


def test_verbose_progress_bar(capsys, burgers_small):
    CoarseSDE(**TINY, verbose=1, random_state=0).fit(burgers_small)
    assert "CoarseSDE" in capsys.readouterr().err


def test_gp_derivative_matches_finite_difference():
    torch.manual_seed(0)
    gp = DeepKernelGP(8).double()
    for p in gp.warp.parameters():
        torch.nn.init.normal_(p, std=0.5)
    codes = torch.randn(2, 8, 3, dtype=torch.float64)
    alpha, nodes = gp.fit_window(codes)
    tau = torch.tensor([[0.3, 2.5, 6.9], [1.0, 4.2, 7.0]], dtype=torch.float64)
    m, dm = gp.mean_and_derivative(alpha, nodes, tau)
    h = 1e-5
    fd = (gp.mean(alpha, nodes, tau + h) - gp.mean(alpha, nodes, tau - h)) / (2 * h)
    torch.testing.assert_close(dm, fd, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(m, gp.mean(alpha, nodes, tau))


def test_score_rises_with_training():
    X = make_burgers_1d(5, 20, n_grid=100, random_state=2)
    kw = dict(
        TINY,
        n_micro=2,
        batch_size=8,
        batches_per_epoch=4,
        beta_warmup=2,
        random_state=0,
    )
    short = CoarseSDE(**{**kw, "max_epochs": 1}).fit(X[:4])
    longer = CoarseSDE(**{**kw, "max_epochs": 12}).fit(X[:4])
    assert longer.score(X[4:]) > short.score(X[4:]) + 100.0


def _burgers_errors(model, data, n_train, n_paths=16):
    """Relative error of the ensemble-mean field and 5-95% coverage on held-out data."""
    truth = data.X_clean[n_train:]
    errs, inside = [], []
    for i in range(truth.shape[0]):
        S = model.sample(
            truth.shape[1], x0=data.X[n_train + i, 0], n_paths=n_paths, random_state=i
        )
        errs.append(_rel_err(S.mean(axis=0), truth[i]).mean())
        lo, hi = np.percentile(S[:, 1:], [5, 95], axis=0)
        inside.append(np.mean((truth[i, 1:] >= lo) & (truth[i, 1:] <= hi)))
    return float(np.mean(errs)), float(np.mean(inside))


def test_learning_beats_the_coarse_solver():
    # a short training run already predicts the held-out fine field markedly
    # better than the finite-difference scheme run on the same 20-node mesh
    # (fields observed on every other point of the 1000-point grid, for speed;
    # measured: 7.6-8.7% against 17.9% over seeds 0-2)
    n_train, n_steps = 8, 101
    data = make_burgers_1d(n_train + 2, n_steps, random_state=1, return_bunch=True)
    X, truth = data.X[..., ::2], data.X_clean[n_train:, :, ::2]
    model = CoarseSDE(
        n_coarse=20,
        n_micro=5,
        dt=0.01,
        max_epochs=20,
        batches_per_epoch=10,
        beta_warmup=5,
        learning_rate=1e-2,
        random_state=0,
    )
    model.fit(X[:n_train])
    errs = [
        _rel_err(
            model.sample(n_steps, x0=X[n_train + i, 0], n_paths=8, random_state=i).mean(
                axis=0
            ),
            truth[i],
        ).mean()
        for i in range(2)
    ]
    coarse = simulate_coarse_burgers_1d(X[n_train:, 0], n_steps)
    fd = _rel_err(coarse, truth).mean()
    assert np.mean(errs) < 0.6 * fd, (errs, fd)


@pytest.mark.slow
def test_burgers_accuracy_against_closure_only_and_coarse_solver():
    # issue 6: <= 2% with 5 micro states, >= 5x better than closure-only and
    # than the coarse finite-difference solver, calibrated ensemble spread
    n_train = 20
    data = make_burgers_1d(n_train + 5, 101, random_state=0, return_bunch=True)
    errors, coverage = {}, {}
    for n_micro in (5, 0):
        model = CoarseSDE(
            n_coarse=20, n_micro=n_micro, dt=0.01, max_epochs=600, random_state=0
        ).fit(data.X[:n_train])
        errors[n_micro], coverage[n_micro] = _burgers_errors(model, data, n_train, 32)
    truth = data.X_clean[n_train:]
    fd = _rel_err(simulate_coarse_burgers_1d(data.X[n_train:, 0], 101), truth).mean()
    print(
        f"rel. errors: n_micro=5 {errors[5]:.2%}, closure-only {errors[0]:.2%}, "
        f"coarse FD {fd:.2%}; coverage {coverage[5]:.0%}"
    )
    assert errors[5] <= 0.02
    assert errors[0] >= 5 * errors[5]
    assert fd >= 5 * errors[5]
    assert coverage[5] >= 0.5
