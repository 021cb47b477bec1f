"""The shared fixtures of the repository's conftest.py."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
torch = pytest.importorskip("torch")

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def test_one_torch_thread_sets_one_thread_and_restores(pytester):
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(
        """
        import pytest
        import torch

        def test_before():
            torch.set_num_threads(2)

        @pytest.mark.usefixtures("one_torch_thread")
        def test_inside():
            assert torch.get_num_threads() == 1

        def test_after():
            assert torch.get_num_threads() == 2
        """
    )
    before = torch.get_num_threads()
    try:
        pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
    finally:
        torch.set_num_threads(before)
