"""The Textual app (never imported by em_tui.core)."""

from .app import EmApp, create_app

__all__ = ["EmApp", "create_app"]
