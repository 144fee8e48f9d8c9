"""The simulator's state as plain Python (no Textual): scenario, session, frames, session files."""
