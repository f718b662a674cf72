"""Neutral modules that both the judge and the executor import; they import neither side (see grader.sandbox)."""
