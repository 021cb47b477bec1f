"""The training-cost benchmark runs, at its quick settings, and prints its table.

Run as a script in a subprocess, as a user runs it, so that its command line
and its output format are what is tested.
"""

import math
import pathlib
import re
import subprocess
import sys

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def _rows(stdout, estimator):
    return [
        [cell.strip() for cell in line.split("|")]
        for line in stdout.splitlines()
        if line.startswith(estimator)
    ]


def test_bench_training_quick_kgmm_prints_finite_rows(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "bench_training.py"),
            "--quick",
            "--only",
            "kgmm",
            "--threads",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout, "KGMMScore")
    # the 1-D and the 2-D case
    assert len(rows) == 2, result.stdout
    for _, _, wall, cpu, accuracy, _, met in rows:
        assert math.isfinite(float(wall)) and float(wall) > 0.0, wall
        assert math.isfinite(float(cpu)) and float(cpu) > 0.0, cpu
        figure = float(re.search(r"score error (\S+)", accuracy).group(1))
        assert math.isfinite(figure), accuracy
        assert met == "met" or met.startswith("unmet"), met
    assert "torch threads 1, numba threads 1" in result.stdout
