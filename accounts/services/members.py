"""Account services for members (see the module's functions)."""
