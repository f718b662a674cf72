"""Trusted reference implementations, one module per assignment.

Imported by the judge only (assignments' checks); never by the worker.
Each module is also a valid submission: grading it must give full marks.
"""
