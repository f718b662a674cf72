"""Release: a solution notebook with markers → the student's template and self-check bundle."""

from grader.release.bundle import build_bundle
from grader.release.markers import MarkerError, strip_cell, template_notebook

__all__ = ["MarkerError", "build_bundle", "strip_cell", "template_notebook"]
