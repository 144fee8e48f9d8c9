"""What the app's Textual workers are doing, asked in one way: each screen's long work is a worker of
a named group (``@work(thread=True, exclusive=True, group=...)``), and whether it is going on is read
from the workers themselves, never kept in a flag of its own.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker


def unfinished(node: DOMNode, group: str) -> list[Worker]:
    """The workers of ``group`` that ``node`` (the app or a screen) started and that have not finished,
    oldest first; one that was cancelled may still be finishing its last piece of work."""
    return [w for w in node.workers if w.group == group and w.node is node and not w.is_finished]


def going_on(node: DOMNode, group: str) -> list[Worker]:
    """The workers of ``group`` started by ``node`` that are at work and wanted (not cancelled)."""
    return [w for w in unfinished(node, group) if not w.is_cancelled]
