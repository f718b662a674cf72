"""Generic probes that run in the executor and return plain data, in one registry
(registry.OPERATIONS; the map is in grader.sandbox)."""
