"""Every torch estimator reports a diverged training with TrainingDivergedError."""

import numpy as np
import pytest

from skrom import datasets
from skrom.coarse import CoarseSDE
from skrom.exceptions import TrainingDivergedError
from skrom.flows import SFMLFlow
from skrom.forcing import DelayNODEForcing
from skrom.score import KGMMScore

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _message_names(info, estimator):
    message = str(info.value)
    assert estimator in message
    assert "epoch" in message
    assert "lower learning_rate" in message


def test_kgmm_absurd_learning_rate():
    X = datasets.make_bistable_additive(2, 3000, random_state=0)
    est = KGMMScore(
        learning_rate=1e6,
        max_epochs=40,
        max_passes=3,
        hidden_layers=(16, 16),
        prob=0.02,
        random_state=0,
    )
    with pytest.raises(TrainingDivergedError) as info:
        est.fit(X)
    _message_names(info, "KGMMScore")


def test_kgmm_blow_up_to_a_finite_loss():
    """Mini-batches keep the loss finite (about 1e23) but far above its start."""
    X = datasets.make_bistable_additive(2, 3000, random_state=0)
    est = KGMMScore(
        learning_rate=1e6,
        max_epochs=20,
        max_passes=2,
        hidden_layers=(8,),
        prob=0.05,
        random_state=0,
    )
    with pytest.raises(TrainingDivergedError, match="it started at") as info:
        est.fit(X)
    _message_names(info, "KGMMScore")


def test_sfml_absurd_learning_rate():
    X = datasets.make_skew_product(40, 30, random_state=0)
    est = SFMLFlow(
        max_epochs=5,
        n_transforms=2,
        hidden_layers=(8, 8),
        learning_rate=100.0,
        random_state=0,
    )
    with pytest.raises(TrainingDivergedError) as info:
        est.fit(X)
    _message_names(info, "SFMLFlow")


def test_delay_node_still_raises_value_error():
    Y = np.sin(np.arange(300) * 0.1)[:, None]
    est = DelayNODEForcing(
        n_delays=2,
        hidden_layers=(4,),
        window=5,
        n_windows=8,
        max_epochs=2,
        dt=0.1,
        learning_rate=1e6,
        random_state=0,
    )
    with pytest.raises(TrainingDivergedError) as info:
        est.fit(Y)
    assert isinstance(info.value, ValueError)
    _message_names(info, "DelayNODEForcing")


def test_coarse_sde_still_raises_floating_point_error():
    U = datasets.make_burgers_1d(3, 12, n_grid=100, random_state=0)
    est = CoarseSDE(
        n_coarse=5,
        n_micro=2,
        stencil=3,
        hidden_layers=(8,),
        window=4,
        n_quadrature=4,
        max_epochs=3,
        batches_per_epoch=2,
        batch_size=4,
        learning_rate=1e6,
        random_state=0,
    )
    with pytest.raises(TrainingDivergedError) as info:
        est.fit(U)
    assert isinstance(info.value, FloatingPointError)
    _message_names(info, "CoarseSDE")
