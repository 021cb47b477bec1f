"""The house rules of issue 14, read from the source so they cannot rot.

- no numba kernel takes more than 10 arguments (kernels take bundles);
- no module reads another object's private attribute;
- the subpackages import each other without cycles.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "skrom"
SOURCES = sorted(p for p in ROOT.rglob("*.py") if "tests" not in p.parts)
MAX_KERNEL_ARGS = 10
# namedtuple's own API starts with an underscore but is public
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def _is_jitted(func):
    return any("jit" in ast.unparse(d) for d in func.decorator_list)


def _imported_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _subpackage(path):
    parts = path.relative_to(ROOT).parts
    return parts[0].removesuffix(".py") if len(parts) > 1 else ""


def _relative_targets(path, tree):
    """Subpackages (first component under skrom) that ``path`` imports."""
    depth = len(path.relative_to(ROOT).parts) - 1
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            up = node.level - 1
            if up > depth:
                continue
            base = list(path.relative_to(ROOT).parts[: depth - up])
            module = (node.module or "").split(".") if node.module else []
            parts = base + module
            if parts:
                yield parts[0].removesuffix(".py")
            else:
                yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "skrom."
        ):
            yield node.module.split(".")[1]


def test_the_rules_see_the_code():
    # guards against a glob that finds nothing and passes vacuously
    kernels = [
        f
        for p in SOURCES
        for f in ast.walk(_tree(p))
        if isinstance(f, ast.FunctionDef) and _is_jitted(f)
    ]
    assert len(SOURCES) > 50 and len(kernels) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_kernels_take_bundles(path):
    for func in ast.walk(_tree(path)):
        if isinstance(func, ast.FunctionDef) and _is_jitted(func):
            n = len(func.args.args)
            assert n <= MAX_KERNEL_ARGS, (
                f"{func.name} takes {n} arguments; pass a bundle (namedtuple)"
            )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_attribute_of_another_object(path):
    tree = _tree(path)
    modules = _imported_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        attr = node.attr
        if not attr.startswith("_") or attr.startswith("__") or attr in NAMEDTUPLE_API:
            continue
        owner = ast.unparse(node.value)
        if owner in ("self", "cls") or owner.startswith("super("):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in modules:
            continue  # a private module function of our own package
        pytest.fail(f"{path.name}:{node.lineno} reads {owner}.{attr}")


def test_subpackages_import_without_cycles():
    graph = {}
    for path in SOURCES:
        here = _subpackage(path)
        for there in _relative_targets(path, _tree(path)):
            if there and there != here and here:
                graph.setdefault(here, set()).add(there)

    def reaches(start, goal, seen=()):
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen + (nxt,)))
            for nxt in graph.get(start, ())
        )

    cycles = sorted(p for p in graph if reaches(p, p))
    assert not cycles, f"import cycles through {cycles}: {graph}"
