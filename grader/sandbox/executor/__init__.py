"""The zygote and the executors it forks: the processes that hold torch and, later, student code,
with their limits (the map is in grader.sandbox)."""
