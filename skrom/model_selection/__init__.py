"""Cross-validation of reduced-order models over trajectories.

The statistics-aware scorers to pass as ``scoring=`` live in
:mod:`skrom.metrics` (``pdf_kl_scorer``, ``acf_error_scorer``,
``residence_time_scorer``, ``forecast_skill_scorer``, ...).
"""

from ._split import TrajectorySegmentSplit, segment_trajectory

__all__ = ["TrajectorySegmentSplit", "segment_trajectory"]
