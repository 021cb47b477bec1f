"""Fixtures shared by the test suites (``skrom/*/tests/`` and ``tests/``).

A test module asks for a fixture by name, or for all its tests at once with
``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
"""

import pytest


@pytest.fixture
def one_torch_thread():
    """Run the test with torch on one thread, then restore the thread count.

    The suite shares a few cores among many torch fits, and one thread keeps
    torch's reductions in a fixed order, so results do not depend on the
    machine. Skips the test when torch is not installed.
    """
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
