"""The WebNN object model (the Acceleration API layer)."""
