"""RQ jobs and the worker that runs them: thin wrappers around `service/` steps."""
