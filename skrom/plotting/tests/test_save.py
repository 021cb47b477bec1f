import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skrom.plotting._save import save_figures  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    plt.close("all")
    yield
    plt.close("all")


def test_every_open_figure_is_written_in_creation_order(tmp_path):
    first, _ = plt.subplots()
    first.suptitle("first")
    plt.subplots(1, 2)
    out = tmp_path / "new" / "folder"  # created with its parents
    paths = save_figures(out, prefix="demo")
    assert [p.name for p in paths] == ["demo_1.png", "demo_2.png"]
    for p in paths:
        assert p.parent == out
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums()  # left open unless asked


def test_close_and_format(tmp_path):
    plt.plot([0, 1])
    (path,) = save_figures(tmp_path, fmt="svg", close=True)
    assert path.name == "figure_1.svg" and path.read_text().lstrip().startswith("<")
    assert plt.get_fignums() == []


def test_no_figure_writes_nothing(tmp_path):
    assert save_figures(tmp_path / "none") == []
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize(
    "kwargs", [{"prefix": ""}, {"prefix": "a/b"}, {"fmt": ""}, {"fmt": 3}]
)
def test_bad_names_are_refused(tmp_path, kwargs):
    with pytest.raises(ValueError, match="path separators"):
        save_figures(tmp_path, **kwargs)


def test_out_dir_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    plt.plot([0, 1])
    with pytest.raises(ValueError, match="not a folder"):
        save_figures(target)
