"""Input faults of issue 14, each reproduced on the code before the estimator base.

One test per fault (or per part of one): complex and far-away ``x0``,
segment splits of a single trajectory, ``n_jobs`` values joblib cannot use,
``DelayNODEForcing.predict``'s input, ragged/string ``x0``, ``score`` after a
blow-up, ``pdf_kl_scorer`` on a density model, ``dt`` changed after ``fit``.
"""

import numpy as np
import pytest

from skrom import datasets
from skrom._ensemble import run_ensemble
from skrom._validation import SimulationBlowUpError
from skrom.coarse import CoarseSDE
from skrom.flows import SFMLFlow
from skrom.forcing import DelayNODEForcing
from skrom.hybrid import HybridLangevinROM
from skrom.metrics import pdf_kl_scorer
from skrom.model_selection import TrajectorySegmentSplit
from skrom.score import KGMMScore, LangevinROM

FAST_SCORE = dict(max_epochs=30, max_passes=3, hidden_layers=(16,), prob=0.05)
FAST_FORCING = dict(
    n_delays=2, hidden_layers=(8,), window=3, n_windows=16, max_epochs=1, batch_size=8
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _ou(n_traj=3, n_steps=800, seed=0):
    rng = np.random.default_rng(seed)
    a = np.exp(-0.05)
    x = np.zeros((n_traj, n_steps, 1))
    for k in range(1, n_steps):
        x[:, k] = a * x[:, k - 1] + np.sqrt(1 - a * a) * rng.standard_normal(
            (n_traj, 1)
        )
    return x


def _fields(seed=0):
    rng = np.random.default_rng(seed)
    grid = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    t = np.arange(12)[:, None] * 0.3
    return np.stack(
        [np.sin(grid + t + p) + 0.05 * rng.standard_normal((12, 16)) for p in (0, 1)]
    )


@pytest.fixture(scope="module")
def fitted():
    X = _ou()
    models = {
        "KGMMScore": KGMMScore(**FAST_SCORE, random_state=0).fit(X),
        "LangevinROM": LangevinROM(
            score_estimator=KGMMScore(**FAST_SCORE), diffusion="unit", random_state=0
        ).fit(X),
        "DelayNODEForcing": DelayNODEForcing(**FAST_FORCING, random_state=0).fit(X),
        "HybridLangevinROM": HybridLangevinROM(
            score_estimator=KGMMScore(**FAST_SCORE),
            forcing=DelayNODEForcing(**FAST_FORCING),
            diffusion="estimated",
            random_state=0,
        ).fit(X),
        "SFMLFlow": SFMLFlow(
            max_epochs=2, batch_size=64, hidden_layers=(4,), n_transforms=1
        ).fit(X),
        "CoarseSDE": CoarseSDE(
            n_coarse=4,
            n_micro=1,
            stencil=3,
            hidden_layers=(8,),
            window=4,
            n_quadrature=4,
            max_epochs=1,
            batches_per_epoch=1,
            batch_size=2,
            random_state=0,
        ).fit(_fields()),
    }
    return models, X


def _x0_width(model):
    return getattr(model, "n_state_", model.n_features_in_)


def _sample(model, x0):
    if isinstance(model, KGMMScore):
        return model.sample(2, x0=x0, random_state=0, n_steps=2)
    return model.sample(3, x0=x0, n_paths=2, random_state=0)


NAMES = [
    "KGMMScore",
    "LangevinROM",
    "DelayNODEForcing",
    "HybridLangevinROM",
    "SFMLFlow",
    "CoarseSDE",
]


# ------------------------------------------------------------ fault 1
@pytest.mark.parametrize("name", NAMES)
def test_complex_x0_is_refused_not_truncated(fitted, name):
    model = fitted[0][name]
    x0 = np.zeros(_x0_width(model)) + 0.1j
    with pytest.raises(ValueError, match="Complex data not supported in x0"):
        _sample(model, x0)


# ------------------------------------------------------------ fault 2
def test_segment_split_refuses_one_trajectory():
    X = np.zeros((30, 2))  # one trajectory: rows are time steps, not segments
    with pytest.raises(ValueError, match="segment_trajectory"):
        list(TrajectorySegmentSplit(3, gap=1).split(X))


def test_segment_split_gap_counts_segments():
    doc = TrajectorySegmentSplit.__doc__
    assert "segments, not time steps" in doc


# ------------------------------------------------------------ fault 3
@pytest.mark.parametrize("n_jobs", [0, "abc", 1.5])
@pytest.mark.parametrize(
    "make",
    [
        lambda n_jobs: KGMMScore(**FAST_SCORE, n_jobs=n_jobs),
        lambda n_jobs: LangevinROM(
            score_estimator=KGMMScore(**FAST_SCORE), n_jobs=n_jobs
        ),
        lambda n_jobs: HybridLangevinROM(n_jobs=n_jobs),
    ],
)
def test_bad_n_jobs_refused_by_fit(make, n_jobs):
    with pytest.raises(ValueError, match=r"'n_jobs' parameter of \w+ must be"):
        make(n_jobs).fit(_ou(1, 50))


@pytest.mark.parametrize("n_jobs", [0, "abc"])
def test_bad_n_jobs_refused_by_ensembles(n_jobs):
    with pytest.raises(ValueError, match="n_jobs must be None or a nonzero int"):
        run_ensemble(lambda rng, i: np.zeros(1), 3, n_jobs=n_jobs)
    # the simulators' own type check may name a string first
    with pytest.raises((TypeError, ValueError), match="n_jobs must be None or a"):
        datasets.make_bistable_additive(1, 50, random_state=0, n_jobs=n_jobs)


# ------------------------------------------------------------ fault 4
@pytest.mark.parametrize("name", NAMES)
def test_x0_far_outside_the_data_is_refused(fitted, name):
    model = fitted[0][name]
    bound = model.state_bound_
    x0 = np.zeros((2, _x0_width(model)))
    x0[1, -1] = 2 * bound
    with pytest.raises(ValueError, match=r"x0\[1, \d+\] = .* state_bound_") as info:
        _sample(model, x0)
    assert not isinstance(info.value, SimulationBlowUpError)
    x0[1, -1] = 1e300
    with pytest.raises(ValueError, match="state_bound_"):
        _sample(model, x0)


def test_state_bound_is_the_data_range_plus_spreads(fitted):
    models, X = fitted
    want = np.max(np.abs(X)) + 100 * np.max(X.std(axis=(0, 1)))
    for name in NAMES[:-1]:
        assert models[name].state_bound_ == pytest.approx(want, rel=1e-12)
    # one bound: the hybrid's blow-up checks read state_bound_ too
    assert not hasattr(models["HybridLangevinROM"], "bound_")


def test_forecast_history_far_outside_is_refused(fitted):
    rom = fitted[0]["HybridLangevinROM"]
    H = _ou(1, 60)
    H[0, -1, 0] = 3 * rom.state_bound_
    with pytest.raises(ValueError, match=r"history\[0, 59, 0\].*state_bound_"):
        rom.forecast(H, 0.05)


# ------------------------------------------------------------ fault 5
def test_delay_node_predict_says_it_takes_delay_vectors(fitted):
    node = fitted[0]["DelayNODEForcing"]
    with pytest.raises(ValueError, match=r"delay vectors.*lag_"):
        node.predict(_ou(1, 40))
    with pytest.raises(ValueError, match=r"delay vectors.*lag_"):
        node.predict(np.zeros((4, node.n_features_in_)))


# ------------------------------------------------------------ fault 6
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [[[0.0], [1.0, 2.0]], ["a"], "abc"])
def test_ragged_or_string_x0_named(fitted, name, bad):
    model = fitted[0][name]
    with pytest.raises(TypeError, match="x0 must be a numeric array-like"):
        _sample(model, bad)


def test_langevin_score_after_blow_up_is_minus_inf(fitted, monkeypatch):
    models, X = fitted
    rom = models["LangevinROM"]

    def blow_up(*args, **kwargs):
        raise SimulationBlowUpError("LangevinROM simulation blew up at step 3.")

    monkeypatch.setattr(rom, "sample", blow_up)
    with pytest.warns(RuntimeWarning, match="blew up at step 3"):
        assert rom.score(X[:2, :400]) == -np.inf


def test_pdf_kl_scorer_scores_a_density_model(fitted):
    models, X = fitted
    score = pdf_kl_scorer(models["KGMMScore"], X)
    assert np.isfinite(score) and score <= 0


@pytest.mark.parametrize("name", [n for n in NAMES if n != "KGMMScore"])
def test_dt_changed_after_fit_asks_for_a_refit(fitted, name):
    import pickle

    model = pickle.loads(pickle.dumps(fitted[0][name]))
    model.set_params(dt=2 * model.dt)
    with pytest.raises(ValueError, match="dt.*Refit"):
        model.sample(3, n_paths=2, random_state=0)


def test_delay_node_score_refuses_a_changed_dt(fitted):
    import pickle

    model = pickle.loads(pickle.dumps(fitted[0]["DelayNODEForcing"]))
    series = np.random.default_rng(0).normal(size=(1, 200, model.n_features_in_))
    assert np.isfinite(model.score(series))
    model.set_params(dt=2 * model.dt)
    with pytest.raises(ValueError, match="dt.*Refit"):
        model.score(series)


@pytest.mark.parametrize("name, child", [("LangevinROM", 1), ("HybridLangevinROM", 3)])
def test_statistical_score_is_its_definition(fitted, name, child):
    # the score moved to the base; its seed and arithmetic are unchanged
    from skrom._random import spawn_seeds
    from skrom.metrics import acf_error, pdf_kl_divergence

    models, X = fitted
    model = models[name]
    held = X[:2, :400]
    seed = spawn_seeds(model.random_state, child + 1)[child]
    sim = model.sample(400, x0=held[:, 0], n_paths=2, random_state=seed)
    want = -float(pdf_kl_divergence(held, sim) + acf_error(held, sim, 100))
    assert model.score(held) == want
