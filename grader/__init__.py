"""Autograder for PyTorch notebook assignments.

The data path: :mod:`grader.notebook` reads cells, :mod:`grader.extract` slices out
the graded definitions, :mod:`grader.sandbox` runs them in a locked-down worker,
the assignment's checks decide in this (judge) process, :mod:`grader.report`
renders the :mod:`grader.results`.
"""

__version__ = "0.1.0"
