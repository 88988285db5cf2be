"""Account services for companies (see the module's functions)."""
