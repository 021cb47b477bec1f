"""Fixed-seed outputs of every simulation path, pinned before the refactor of
issue 14 (estimator base, kernel bundles, one training engine).

Each case fits a small model at a fixed seed and records what its numba (or
torch) path returns; the values are stored in ``data/pinned_outputs.npz``,
written by ``python skrom/tests/test_pinned_outputs.py --write`` from the code
as it stood before the refactor. Moving code must keep them to rounding
(rtol 1e-12): a change here is a change of behaviour, to be named and
justified, never silently re-pinned.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from skrom import datasets
from skrom.coarse import CoarseSDE
from skrom.flows import SFMLFlow
from skrom.forcing import DelayNODEForcing
from skrom.hybrid import HybridLangevinROM
from skrom.score import KGMMScore, LangevinROM

PINS = Path(__file__).parent / "data" / "pinned_outputs.npz"
RTOL = 1e-12
ATOL = 1e-12

_SCORE = dict(max_epochs=40, max_passes=3, hidden_layers=(16, 16), prob=0.02)
_FORCING = dict(
    n_delays=3,
    hidden_layers=(12, 12),
    window=4,
    n_windows=32,
    max_epochs=2,
    batch_size=16,
)


def _bistable(n_traj=2, n_steps=3000, seed=0):
    return datasets.make_bistable_additive(n_traj, n_steps, random_state=seed)


def _simulators():
    out = {}
    out["bistable_additive"] = datasets.make_bistable_additive(2, 400, random_state=1)
    out["bistable_multiplicative"] = datasets.make_bistable_multiplicative(
        2, 400, random_state=2
    )
    out["tristable"] = datasets.make_tristable(2, 400, random_state=3)
    kw = dict(n_trajectories=3, n_steps=50, substeps=20)
    out["skew_product"] = datasets.make_skew_product(**kw, random_state=4)
    out["exp_ou"] = datasets.make_exp_ou(**kw, random_state=5)
    out["triad"] = datasets.make_triad(**kw, random_state=6)
    out["duan"] = datasets.make_duan(**kw, random_state=7)
    out["oscillator"] = datasets.make_multiscale_oscillator(**kw, random_state=8)
    out["burgers_1d"] = datasets.make_burgers_1d(2, 6, n_grid=100, random_state=9)
    out["kdv"] = datasets.make_kdv(2, 4, n_grid=100, random_state=10)
    U = out["burgers_1d"]
    out["coarse_burgers"] = datasets.simulate_coarse_burgers_1d(U[:, 0], 5, n_coarse=20)
    return out


def _score_and_langevin():
    out = {}
    X = _bistable()
    score = KGMMScore(**_SCORE, random_state=0).fit(X)
    grid = np.linspace(-2, 2, 9)[:, None]
    out["kgmm_predict"] = score.predict(grid)
    out["kgmm_divergence"] = score.predict_divergence(grid)
    out["kgmm_sample"] = score.sample(20, random_state=1, n_steps=50)
    X2 = np.concatenate([X, X[:, ::-1] * 0.5], axis=2)
    score2 = KGMMScore(**_SCORE, random_state=0).fit(X2)
    out["kgmm2_sample"] = score2.sample(20, random_state=1, n_steps=50)
    for diffusion in ("estimated", "acf"):
        rom = LangevinROM(
            score_estimator=KGMMScore(**_SCORE), diffusion=diffusion, random_state=0
        ).fit(X)
        out[f"langevin_{diffusion}"] = rom.sample(300, n_paths=3, random_state=2)
    rom = LangevinROM(score_estimator=KGMMScore(**_SCORE), random_state=0).fit(X2)
    out["langevin_2d"] = rom.sample(200, n_paths=2, random_state=3)
    XT = datasets.make_tristable(2, 3000, omega=2 * np.pi / 10, random_state=3)
    rom = LangevinROM(
        score_estimator=KGMMScore(**_SCORE), clock_features=(1, 2), random_state=0
    ).fit(XT)
    out["langevin_clock"] = rom.sample(200, x0=XT[0, 0], n_paths=2, random_state=4)
    return out


def _forcing_and_hybrid():
    out = {}
    Y = datasets.make_bistable_additive(
        1, 3000, random_state=0, return_bunch=True
    ).full_state[:, :, 1:2]
    node = DelayNODEForcing(**_FORCING, dt=0.01, random_state=0).fit(Y)
    out["node_sample"] = node.sample(100, n_paths=2, random_state=1)
    X = _bistable()
    kw = dict(
        score_estimator=KGMMScore(**_SCORE),
        forcing=DelayNODEForcing(**_FORCING),
        random_state=0,
    )
    for name, extra in (
        ("hybrid_noise", dict(diffusion="estimated")),
        ("hybrid_node", dict(diffusion="estimated", slow_forcing="node")),
        ("hybrid_acf", dict(diffusion="acf")),
    ):
        rom = HybridLangevinROM(**kw, **extra).fit(X)
        out[f"{name}_sample"] = rom.sample(200, n_paths=2, random_state=2)
        out[f"{name}_forecast"] = rom.forecast(
            X[0, :600], 50, n_paths=3, random_state=3
        )
    M = datasets.make_bistable_multiplicative(2, 3000, random_state=5)
    rom = HybridLangevinROM(**kw, diffusion="estimated", forcing_memory=1.0).fit(M)
    out["hybrid_memory_sample"] = rom.sample(200, n_paths=2, random_state=2)
    return out


def _torch_estimators():
    out = {}
    X = datasets.make_skew_product(40, 30, random_state=0)
    flow = SFMLFlow(
        max_epochs=3, n_transforms=2, hidden_layers=(8, 8), random_state=0
    ).fit(X)
    out["sfml_sample"] = flow.sample(10, x0=X[0, 0], n_paths=3, random_state=1)
    out["sfml_predict"] = flow.predict(X[:2, :5])
    U = datasets.make_burgers_1d(3, 12, n_grid=100, random_state=0)
    coarse = CoarseSDE(
        n_coarse=5,
        n_micro=2,
        stencil=3,
        hidden_layers=(8,),
        window=4,
        n_quadrature=4,
        max_epochs=2,
        batches_per_epoch=2,
        batch_size=4,
        # pinned when Euler was the only scheme (Heun became the default
        # later, by choice: issue 16): the pin keeps the Euler path honest
        integrator="euler",
        random_state=0,
    ).fit(U)
    out["coarse_sample"] = coarse.sample(6, x0=U[0, 0], n_paths=2, random_state=1)
    return out


CASES = {
    "simulators": _simulators,
    "score_and_langevin": _score_and_langevin,
    "forcing_and_hybrid": _forcing_and_hybrid,
    "torch_estimators": _torch_estimators,
}


def _compute(case):
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return {f"{case}/{k}": np.asarray(v) for k, v in CASES[case]().items()}
    finally:
        torch.set_num_threads(n)


@pytest.fixture(scope="module")
def pins():
    with np.load(PINS) as data:
        return dict(data)


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_unchanged(case, pins):
    got = _compute(case)
    expected = {k: v for k, v in pins.items() if k.startswith(case + "/")}
    assert sorted(got) == sorted(expected)
    for key, value in got.items():
        np.testing.assert_allclose(
            value, expected[key], rtol=RTOL, atol=ATOL, err_msg=key
        )


if __name__ == "__main__":
    if "--write" not in sys.argv:
        sys.exit("usage: python skrom/tests/test_pinned_outputs.py --write")
    arrays = {}
    for name in CASES:
        arrays.update(_compute(name))
    PINS.parent.mkdir(exist_ok=True)
    np.savez_compressed(PINS, **arrays)
    print(f"wrote {len(arrays)} arrays to {PINS}")
