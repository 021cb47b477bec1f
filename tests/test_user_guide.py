"""The ``>>>`` snippets of the user guide pages run as written.

The docs build does not execute them, so they are run here, each page as
one doctest in its own namespace.
"""

import doctest
import pathlib

import pytest

GUIDE = pathlib.Path(__file__).resolve().parents[1] / "doc" / "user_guide"
PAGES = ["your_data.rst", "scaling.rst", "response.rst"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("page", PAGES)
def test_snippets_run(page):
    result = doctest.testfile(
        str(GUIDE / page),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        verbose=False,
    )
    assert result.attempted > 0, f"no snippets found in {page}"
    assert result.failed == 0, f"{result.failed} snippet(s) of {page} failed"
