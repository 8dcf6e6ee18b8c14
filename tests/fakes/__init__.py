"""Hand-written in-memory fakes of the services' ports, for use-case tests that need no database."""
