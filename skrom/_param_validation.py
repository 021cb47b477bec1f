"""Constraints on constructor parameters, checked at the start of ``fit``.

An estimator lists, per parameter, the values it allows in a class-level
``_parameter_constraints`` dict (as scikit-learn's estimators do; its own
machinery is private API, so skrom keeps this small one). A parameter is
valid when it satisfies any one constraint of its list:

- ``None``: the value ``None``;
- a type, or :class:`InstanceOf`: an instance of it;
- :class:`Interval`: a number of the given kind within bounds;
- :class:`Options`: one of a few values;
- :class:`Boolean`: ``True`` or ``False``;
- :class:`SequenceOf`: a non-empty sequence whose entries satisfy a constraint;
- ``"no_validation"``: checked elsewhere (say where in a comment).
"""

import numbers

import numpy as np

__all__ = [
    "InvalidParameterError",
    "Interval",
    "Options",
    "InstanceOf",
    "Boolean",
    "SequenceOf",
    "validate_parameter_constraints",
    "N_JOBS",
    "RANDOM_STATE",
    "VERBOSE",
]


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter has a value its estimator does not allow.

    Both a ``ValueError`` and a ``TypeError``, as scikit-learn's, so callers
    catching either keep working whatever the fault (wrong type or range).
    """


class _Constraint:
    def is_satisfied_by(self, value):
        raise NotImplementedError


class _NoneConstraint(_Constraint):
    def is_satisfied_by(self, value):
        return value is None

    def __str__(self):
        return "None"


class InstanceOf(_Constraint):
    """Instances of ``types`` (``bool`` is refused where a number is meant)."""

    def __init__(self, *types, name=None):
        self.types = types
        self.name = name

    def is_satisfied_by(self, value):
        if isinstance(value, bool) and bool not in self.types:
            return False
        return isinstance(value, self.types)

    def __str__(self):
        if self.name is not None:
            return self.name
        names = [getattr(t, "__qualname__", str(t)) for t in self.types]
        return "an instance of " + " or ".join(f"'{n}'" for n in names)


class Boolean(_Constraint):
    """``True`` or ``False`` (numpy booleans included, ``0``/``1`` not)."""

    def is_satisfied_by(self, value):
        return isinstance(value, (bool, np.bool_))

    def __str__(self):
        return "a bool"


class Interval(_Constraint):
    """A number of ``kind`` between ``left`` and ``right``.

    Parameters
    ----------
    kind : {numbers.Integral, numbers.Real}
        ``numbers.Real`` accepts ints too; neither accepts ``bool``. Reals
        must be finite.
    left, right : float or None
        Bounds; None is unbounded on that side.
    closed : {"left", "right", "both", "neither"}, default="both"
        Which bounds belong to the interval.
    """

    def __init__(self, kind, left, right, *, closed="both"):
        self.kind = kind
        self.left = left
        self.right = right
        self.closed = closed

    def is_satisfied_by(self, value):
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if self.kind is numbers.Real and not np.isfinite(value):
            return False
        if self.left is not None:
            if value < self.left or (
                value == self.left and self.closed not in ("left", "both")
            ):
                return False
        if self.right is not None:
            if value > self.right or (
                value == self.right and self.closed not in ("right", "both")
            ):
                return False
        return True

    def __str__(self):
        what = "an int" if self.kind is numbers.Integral else "a finite float"
        lo = "-inf" if self.left is None else f"{self.left:g}"
        hi = "inf" if self.right is None else f"{self.right:g}"
        lb = "[" if self.left is not None and self.closed in ("left", "both") else "("
        rb = "]" if self.right is not None and self.closed in ("right", "both") else ")"
        return f"{what} in the range {lb}{lo}, {hi}{rb}"


class Options(_Constraint):
    """One of ``options`` (a bool matches only a bool, so ``1`` is not ``True``)."""

    def __init__(self, options):
        self.options = tuple(options)

    def is_satisfied_by(self, value):
        for option in self.options:
            if isinstance(value, (bool, np.bool_)) != isinstance(option, bool):
                continue
            try:
                if bool(value == option):
                    return True
            except (TypeError, ValueError):  # e.g. an array compared elementwise
                continue
        return False

    def __str__(self):
        return "one of {" + ", ".join(repr(o) for o in self.options) + "}"


class SequenceOf(_Constraint):
    """A non-empty list or tuple whose every entry satisfies ``entry``."""

    def __init__(self, entry):
        self.entry = entry

    def is_satisfied_by(self, value):
        return (
            isinstance(value, (list, tuple))
            and len(value) > 0
            and all(self.entry.is_satisfied_by(v) for v in value)
        )

    def __str__(self):
        return f"a non-empty tuple of ({self.entry})"


def _as_constraint(constraint):
    if constraint is None:
        return _NoneConstraint()
    if isinstance(constraint, type):
        return InstanceOf(constraint)
    if isinstance(constraint, _Constraint):
        return constraint
    raise TypeError(f"unknown parameter constraint {constraint!r}")


def validate_parameter_constraints(constraints, params, caller_name):
    """Raise :class:`InvalidParameterError` for the first parameter out of bounds.

    Parameters
    ----------
    constraints : dict
        ``{name: [constraint, ...]}`` or ``{name: "no_validation"}``.
    params : dict
        ``{name: value}``, e.g. ``estimator.get_params(deep=False)``.
    caller_name : str
        Named in the message (the estimator's class).
    """
    for name, allowed in constraints.items():
        if allowed == "no_validation" or name not in params:
            continue
        value = params[name]
        allowed = [_as_constraint(c) for c in allowed]
        if any(c.is_satisfied_by(value) for c in allowed):
            continue
        described = [str(c) for c in allowed]
        if len(described) > 1:
            described = ", ".join(described[:-1]) + " or " + described[-1]
        else:
            described = described[0]
        raise InvalidParameterError(
            f"The '{name}' parameter of {caller_name} must be {described}. "
            f"Got {value!r} instead."
        )


# Constraints of the parameters every estimator shares.
N_JOBS = [
    None,
    Interval(numbers.Integral, None, -1),
    Interval(numbers.Integral, 1, None),
]
RANDOM_STATE = [
    None,
    Interval(numbers.Integral, 0, None),
    InstanceOf(
        np.random.SeedSequence,
        np.random.Generator,
        np.random.RandomState,
        name="a SeedSequence, Generator or RandomState",
    ),
]
VERBOSE = [Interval(numbers.Integral, 0, None)]
