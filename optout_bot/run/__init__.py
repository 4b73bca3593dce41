"""Running flows: the engine's step loop and the pieces it delegates to, jobs, the parallel
runner, and the checks before a browser starts."""
