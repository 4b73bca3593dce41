"""The local page's live board: what a page reading the events is told, however its reads fall
between the run's last steps."""

from __future__ import annotations

from typing import Any

from optout_bot.settings import Settings
from optout_bot.ui.runs import Board, _run


def test_a_page_is_never_told_the_run_ended_before_it_was_given_the_finished_event() -> None:
    """The page shows the run's links on the "finished" event and closes its stream when told
    the run ended; a read between the two must not end the stream without that event."""
    board = Board(id="b", kind="check", accounts=[("chatgpt", "me")])
    reads: list[tuple[list[dict[str, Any]], bool]] = []

    class Watched(list[dict[str, Any]]):
        def append(self, event: dict[str, Any]) -> None:
            reads.append(board.since(0, 0))  # a page reading just before the event lands
            super().append(event)

    board.events = Watched()
    _run(board, Settings(), [], None, lambda _board, _settings, _jobs: [])
    reads.append(board.since(0, 0))  # and after everything
    assert [e["event"] for e in board.events] == ["finished"]
    for events, ended in reads:
        assert not ended or "finished" in [e["event"] for e in events], (events, ended)
    assert reads[-1][1], "the run ended"
