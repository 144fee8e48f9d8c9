"""The point mode (key w): a marked point moved along x, whose E step the worked screen opens.

While the mode is on, ←/→ move the mark to the previous/next point by x, PgUp/PgDn by 10, Home/End
to the first/last, Enter opens the worked arithmetic for it (:class:`~em_tui.tui.screens.work.WorkScreen`),
w or Esc leaves the mode. Its keys are declared first in the simulator's bindings, so that they take
those keys while the mode is on; while it is off they are hidden and the keys step EM as usual.

The other step keys (n, space, b, 0) are refused while it is on, with a status line that says how to
leave it. Any other key of the simulator (the E or M step, a run, new data, a dialog) leaves the point
mode first and then does what it always does: the mark is gone and the footer shows the EM keys again. The mark
itself is session state (:meth:`~em_tui.session.session.Session.mark_point`), drawn by the plots.
"""

from __future__ import annotations

from ..errors import Refused
from .screens.work import WorkScreen

#: The point mode's own actions (declared in tui/commands.py), live only while it is on.
POINT_ACTIONS = frozenset({"point_prev", "point_next", "point_back10", "point_fwd10", "point_first",
                           "point_last", "point_open", "point_leave", "point_refuse"})
#: What the point mode switches off while it is on: these actions' keys are its own then (or refused).
TAKEN = frozenset({"step", "back", "home", "end", "escape"})
#: Actions that leave the point mode on (besides its own): its key, the help, quitting, the palette.
KEEPS = frozenset({"work", "help", "quit", "command_palette"})


class Pointing:
    """The app's point mode (mixed into :class:`~em_tui.tui.app.EmApp` before Textual's App)."""

    _pointing = False

    @property
    def pointing(self) -> bool:
        """The point mode is on (and the session still has its mark: new data take it away)."""
        return self._pointing and self.session.marked is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in POINT_ACTIONS:
            return self.pointing
        if action in TAKEN and self.pointing:
            return False
        return super().check_action(action, parameters)

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        """Every other key of the simulator leaves the point mode before it acts."""
        name = action.rsplit(".", 1)[-1].split("(", 1)[0] if isinstance(action, str) else ""
        if (self.pointing and default_namespace in (None, self) and name
                and name not in POINT_ACTIONS and name not in KEEPS and name not in TAKEN):
            self._leave_points(say=False)
        return await super().run_action(action, default_namespace, namespaces)

    def action_work(self) -> None:
        """Point mode on (the mark at the point already marked, else the middle one by x), or off."""
        if self.pointing:
            self._leave_points()
            return
        self._stop_run()
        self._pointing = True
        self.refresh_bindings()
        self._point_move(0)  # the point marked already, else the middle one by x

    def _leave_points(self, say: bool = True) -> None:
        self._pointing = False
        self.refresh_bindings()
        outcome = self.session.mark_point(None)
        if say:
            self.show(outcome)

    def _point_move(self, by) -> None:
        try:
            outcome = self.session.move_mark(by)
        except Refused as exc:
            self.refuse(exc)
            return
        self.show(outcome)

    def action_point_prev(self) -> None:
        self._point_move(-1)

    def action_point_next(self) -> None:
        self._point_move(1)

    def action_point_back10(self) -> None:
        self._point_move(-10)

    def action_point_fwd10(self) -> None:
        self._point_move(10)

    def action_point_first(self) -> None:
        self._point_move("first")

    def action_point_last(self) -> None:
        self._point_move("last")

    def action_point_leave(self) -> None:
        self._leave_points()

    def action_point_refuse(self) -> None:
        self.refuse(Refused(f"point mode: {self.keys('point_prev')}/{self.keys('point_next')} move the mark, "
                            f"{self.keys('point_open')} works it out; {self.keys('work')} or "
                            f"{self.keys('point_leave')} leaves it, then the EM keys step again"))

    def action_point_open(self) -> None:
        self.open_work(self.session.marked)

    def open_work(self, index: int) -> None:
        """The worked screen for the point of 0-based ``index`` at the state shown."""
        self._stop_run()
        self.push_screen(WorkScreen(self.session, index))
