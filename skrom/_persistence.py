"""Version stamp on pickled skrom estimators.

A fitted model pickled (``pickle``/``joblib.dump``) by one version of skrom
carries that version; unpickling it under a version with a different
major.minor (the parts that may change fitted-attribute layouts or numerics)
raises :class:`IncompatibleModelError` instead of yielding a model that is
silently wrong. Every estimator carries the stamp through its base class,
:class:`skrom.base.SkromEstimator`; the mixin stays importable from here.
"""

from . import __version__

__all__ = ["IncompatibleModelError", "VersionedStateMixin", "compatible_versions"]

_STATE_KEY = "_skrom_version"


class IncompatibleModelError(RuntimeError):
    """A saved model was written by an incompatible version of skrom."""


def _release(version):
    parts = version.split(".")
    return tuple(int("".join(c for c in p if c.isdigit()) or 0) for p in parts[:2])


def compatible_versions(saved, current):
    """Whether a model saved under ``saved`` may be loaded under ``current``."""
    return _release(saved) == _release(current)


class VersionedStateMixin:
    """Mixin placed before :class:`sklearn.base.BaseEstimator` in an estimator's bases.

    A class may declare ``_parameters_added``: constructor parameters added
    after its models could be pickled, each with the value that reproduces
    what such a model did before the parameter existed; a pickle without
    one loads with that value (not with today's default, not missing).
    """

    _parameters_added: dict = {}

    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state)
        state[_STATE_KEY] = __version__
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop(_STATE_KEY, None)
        if saved is None or not compatible_versions(saved, __version__):
            raise IncompatibleModelError(
                f"This {type(self).__name__} was saved by skrom {saved or 'unknown'} "
                f"and cannot be loaded by skrom {__version__}: fitted models are "
                "only portable within the same major.minor release. Refit the model "
                f"with skrom {__version__}, or load it with skrom {saved}."
            )
        for name, before in self._parameters_added.items():
            state.setdefault(name, before)
        super().__setstate__(state)
