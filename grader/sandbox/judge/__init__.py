"""Judge side of the sandbox: start executors, send typed requests, validate every reply (see grader.sandbox)."""
