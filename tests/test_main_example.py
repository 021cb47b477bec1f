"""The main example, run as a user runs it: a script that writes its figures.

``examples/plot_kgmm_bistable.py --quick --out DIR`` runs in a subprocess;
its PNG files must exist and its summary table must hold finite numbers
below loose bars. The bars are looser than the example's own (which its
default settings pass, see the README) because the quick settings learn from
half the data: the L63-driven training runs then hold only some ninety
transitions, and its statistics scatter accordingly.
"""

import math
import os
import pathlib
import re
import subprocess
import sys

import pytest

pytest.importorskip("matplotlib")

EXAMPLE = (
    pathlib.Path(__file__).resolve().parents[1] / "examples" / "plot_kgmm_bistable.py"
)
ROW = re.compile(
    r"^(double well|L63-driven)\s+(score error|PDF KL|ACF error|residence error)"
    r"\s+(\S+)\s+(\S+)\s+(yes|NO)$"
)
# Loose bars at the quick settings; the comments say what they gave when
# written.
QUICK_BARS = {
    ("double well", "score error"): 0.2,  # 0.043 (exact score)
    ("double well", "PDF KL"): 0.02,  # 0.0006
    ("double well", "ACF error"): 0.1,  # 0.004
    ("double well", "residence error"): 0.3,  # 0.028
    # against the KDE reference, whose fine structure KGMM does not resolve
    ("L63-driven", "score error"): 1.0,  # 0.66
    # from about ninety transitions in training
    ("L63-driven", "PDF KL"): 0.1,  # 0.011
    ("L63-driven", "ACF error"): 0.4,  # 0.17
    ("L63-driven", "residence error"): 1.2,  # 0.52
}


def run_example(out, cwd, *options):
    """Stdout and the summary table ``{(part, metric): (value, bar, verdict)}``."""
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("SKROM_DOC_QUICK", None)  # the command line alone selects the settings
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), *options, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,  # nothing lands in the tree
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = {}
    for line in proc.stdout.splitlines():
        match = ROW.match(line.strip())
        if match:
            part, metric, value, bar, verdict = match.groups()
            table[part, metric] = (float(value), float(bar), verdict)
    return proc.stdout, table


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Output folder, stdout and the table of one quick run of the example."""
    out = tmp_path_factory.mktemp("figures") / "nested" / "out"
    stdout, table = run_example(out, tmp_path_factory.mktemp("cwd"), "--quick")
    return out, stdout, table


def test_figures_are_written_and_their_paths_printed(run):
    out, stdout, _ = run
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) >= 2
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert str(png) in stdout


def test_summary_table_is_complete_and_finite(run):
    _, _, table = run
    assert set(table) == set(QUICK_BARS)
    for key, (value, bar, verdict) in table.items():
        assert math.isfinite(value) and value >= 0, (key, value)
        assert verdict == ("yes" if value < bar else "NO"), (key, value, bar)
        # the headline bar of the score error, in both parts
        if key[1] == "score error":
            assert bar == 0.15


def test_numbers_below_loose_bars_at_quick_settings(run):
    _, _, table = run
    for key, bar in QUICK_BARS.items():
        assert table[key][0] < bar, (key, table[key][0], bar)


@pytest.mark.slow
def test_default_settings_pass_their_bars(tmp_path):
    """The README's figures: every bar passed but the L63 part's score error.

    Measured: 0.72 against the cross-validated KDE, whose score has fine
    structure that KGMM's smooth network does not resolve (the example says
    why); the bound below keeps it from getting worse unnoticed.
    """
    _, table = run_example(tmp_path / "out", tmp_path)
    assert len(table) == 8
    for key, (value, bar, _) in table.items():
        if key == ("L63-driven", "score error"):
            assert value < 0.8, value
        else:
            assert value < bar, (key, value, bar)
