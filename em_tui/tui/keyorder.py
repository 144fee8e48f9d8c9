"""Keys handled in the order they were typed, however fast they come (a laggy SSH link, a paste
without bracketed paste, fast typing).

Textual hands a key to the focused widget's own queue; a key that widget does not use (Tab, Backspace,
Enter, a key of a binding) then bubbles up, one widget's queue after another, to the app, where the
bindings run. The next key of a burst is meanwhile already in the widget: its characters land before
a Backspace read with them is applied (Textual issue 6605, not fixed in the pinned release), in the
field that Tab was leaving, in the text a field selects as it gets the focus, or on the screen under a
dialog that is still opening. So here a key (or a paste) goes in only once the one before it has
landed: the app and every widget of its screens have handled everything it caused (the key itself,
the focus it moved, the dialog it opened). Until then it is held, in order. Keys typed at a human pace
arrive after that, and go in at once.
"""

from __future__ import annotations

import asyncio
from collections import deque

from textual import events, work
from textual.message_pump import MessagePump

#: Rounds of waiting for the screens to settle after one key, at most: a key's own work takes a few
#: (a dialog opens in five), while a run's iterations keep the app busy for as long as it goes on:
#: past this, the next key goes in all the same, behind what is queued.
MOST_ROUNDS = 12
#: Rounds at most while a run to convergence goes on: enough for a key's binding and the focus it moves
#: (the app is never idle then, and a key that stops the run must not wait the full MOST_ROUNDS).
RUNNING_ROUNDS = 2
#: How long one round may wait for a widget that closes without handling its queue, at most: a safety
#: net, never reached when the app runs as it should (the key then goes in as Textual alone would).
ROUND_LIMIT = 2.0


class KeysInOrder:
    """The app's keys, one after another (mixed into :class:`~em_tui.tui.app.EmApp` before Textual's
    App: every key and paste passes here first)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: keys and pastes that came while the one before them had not landed, oldest first
        self._held: deque[events.Key | events.Paste] = deque()
        #: the held key being let in (posted again to the app), and whether a key is landing
        self._letting_in: events.Event | None = None
        self._landing = False

    @property
    def typing_ahead(self) -> int:
        """How many keys (or pastes) wait for the one before them to land."""
        return len(self._held)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if event is self._letting_in:
                self._letting_in = None
                if not self.screen_stack:  # the app closed while the key was held
                    return
            elif self._landing:
                self._held.append(event)
                return
            self._landing = True
            await super().on_event(event)
            self._settle()
            return
        await super().on_event(event)

    @work(group="keys", exit_on_error=False)
    async def _settle(self) -> None:
        """Wait until what the last key caused is done, then let the next held key in. (An async worker:
        it only waits, on the app's loop; the settle() of the tests waits for it as for any worker.)"""
        settled = False
        try:
            for rounds in range(MOST_ROUNDS):
                busy = [node for node in self._every_node() if node.message_queue_size]
                if settled and not busy:
                    break
                if rounds >= RUNNING_ROUNDS and getattr(self, "running", False):
                    break  # a run keeps the app busy: its keys (g, Esc, the pace) must not wait for its end
                # the app always: it may be in the middle of a key's binding with nothing queued
                await _round([self, *busy])
                settled = not busy
        except asyncio.CancelledError:  # the app is closing: the keys still held go nowhere
            self._held.clear()
            raise
        finally:
            self._let_next_in()

    def _let_next_in(self) -> None:
        """The oldest held key goes in (posted to the app again, so that it is handled there in turn),
        or, with none held, the next key will go in at once."""
        if self._held:
            self._letting_in = self._held.popleft()
            self.post_message(self._letting_in)  # still landing: the keys after it wait for it
        else:
            self._landing = False

    def _every_node(self) -> list[MessagePump]:
        """The app and every widget of every screen (a dialog's key may act on the screen under it)."""
        return [self, *(node for screen in self.screen_stack for node in screen.walk_children(with_self=True))]


async def _round(nodes: list[MessagePump]) -> None:
    """Until each of ``nodes`` has handled every message it had when this was called."""
    left = 0
    done = asyncio.Event()

    def one_done() -> None:
        nonlocal left
        left -= 1
        if left == 0:
            done.set()

    for node in nodes:
        if node.call_later(one_done):  # False: the node is closing (it takes no more messages)
            left += 1
    if left:
        try:
            await asyncio.wait_for(done.wait(), ROUND_LIMIT)
        except asyncio.TimeoutError:
            pass
