"""``python -m em_tui``: the same command line as ``em-tui``."""

from .cli import entry_point

if __name__ == "__main__":
    entry_point()
