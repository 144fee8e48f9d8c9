"""How points are numbered wherever one is named: as a student counts them, 1 being the first value
of the data (the responsibilities and anomalies screens, the export's point column, and
``em-tui fit --anomalies`` all say so in the words of :data:`POINT_NOTE`)."""

from __future__ import annotations

#: The number of the data's first value.
FIRST_POINT = 1
#: What a point number is, said once wherever points are numbered.
POINT_NOTE = f"point: its place in the data ({FIRST_POINT} = the first value)"


def point_number(index) -> int:
    """The number of the value at 0-based ``index`` in the data."""
    return int(index) + FIRST_POINT
