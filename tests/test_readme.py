"""The README's quick start is a doctest, so it can never drift from the API."""

import doctest
import pathlib

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_quick_start_runs():
    result = doctest.testfile(
        str(README),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted >= 5
    assert result.failed == 0


def test_readme_test_command_is_what_ci_runs():
    ci = (README.parent / ".ci" / "run").read_text()
    text = README.read_text()
    command = (
        'pip install torch==2.13.0 && pip install -e ".[test]" && python -m pytest'
    )
    assert command in text
    assert command in ci
