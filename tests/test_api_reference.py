"""The API reference lists every public object, and nothing that is not public."""

import importlib
import pathlib
import re

import pytest

API = pathlib.Path(__file__).resolve().parents[1] / "doc" / "api.rst"
SUBPACKAGES = [
    "skrom",
    "skrom.score",
    "skrom.forcing",
    "skrom.hybrid",
    "skrom.flows",
    "skrom.coarse",
    "skrom.datasets",
    "skrom.metrics",
    "skrom.model_selection",
    "skrom.response",
    "skrom.plotting",
    "skrom.exceptions",
    "skrom.base",
]


def _documented():
    documented, module = {}, None
    for line in API.read_text().splitlines():
        m = re.match(r"\.\. currentmodule:: (\S+)", line)
        if m:
            module = m.group(1)
            documented.setdefault(module, set())
            continue
        m = re.match(r"   ([A-Za-z_][A-Za-z0-9_]*)$", line)
        if m and module is not None:
            documented[module].add(m.group(1))
    return documented


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_every_public_object_is_documented(name):
    mod = importlib.import_module(name)
    public = {n for n in mod.__all__ if not n.startswith("__")}
    assert public == _documented().get(name, set())
    for n in public:
        assert getattr(mod, n).__doc__, f"{name}.{n} has no docstring"


def test_no_unknown_module_in_reference():
    assert set(_documented()) <= set(SUBPACKAGES)
