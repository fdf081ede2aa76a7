"""countysim test suite."""
