"""The assignments the grader knows; one package per assignment (see grader.assignment)."""
