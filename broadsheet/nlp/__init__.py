"""Language features: pure functions and in-memory indexes (text and vectors in, dataclasses out)."""
