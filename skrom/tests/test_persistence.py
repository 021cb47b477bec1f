import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator

import skrom._persistence as persistence
from skrom._persistence import (
    IncompatibleModelError,
    VersionedStateMixin,
    compatible_versions,
)
from skrom.base import SkromEstimator


class _Model(VersionedStateMixin, BaseEstimator):
    def __init__(self, *, a=1):
        self.a = a

    def fit(self, X=None, y=None):
        self.coef_ = np.arange(3.0)
        return self


def test_round_trip(tmp_path):
    model = _Model(a=2).fit()
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.coef_, model.coef_)
    path = tmp_path / "m.joblib"
    joblib.dump(model, path)
    assert joblib.load(path).a == 2
    assert not hasattr(back, "_skrom_version")


def test_incompatible_version_refused(monkeypatch):
    blob = pickle.dumps(_Model().fit())
    monkeypatch.setattr(persistence, "__version__", "9.3.0")
    with pytest.raises(IncompatibleModelError, match="saved by skrom 0.1"):
        pickle.loads(blob)


def test_compatibility_rule():
    assert compatible_versions("0.1.0", "0.1.5.dev0")
    assert not compatible_versions("0.1.0", "0.2.0")
    assert not compatible_versions("1.0.0", "2.0.0")


def test_every_estimator_is_stamped_through_the_base():
    from skrom.coarse import CoarseSDE
    from skrom.flows import SFMLFlow
    from skrom.forcing import DelayNODEForcing
    from skrom.hybrid import HybridLangevinROM
    from skrom.score import KGMMScore, LangevinROM

    for cls in (
        KGMMScore,
        LangevinROM,
        DelayNODEForcing,
        HybridLangevinROM,
        SFMLFlow,
        CoarseSDE,
    ):
        assert issubclass(cls, SkromEstimator)
        assert issubclass(cls, VersionedStateMixin)
