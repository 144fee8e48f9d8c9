"""The EM engine: pure NumPy, no user-interface imports."""
