"""Turn-level history on the session: undo/redo a whole turn, and the record of what a turn did."""

from __future__ import annotations

import pytest

from bandmate.core.errors import ToolInputError
from bandmate.core.testsignals import sine
from bandmate.memory.session import Session, TurnRecord
from bandmate.memory.state import StateTable


def _commit(session: Session, gain: float, turn: str | None):
    head, mix = session.head, session.mix()
    return session.store.commit(session.id, parent=head.id, mix=mix.replace(mix.samples * gain, f"x{gain}"),
                                stems={}, state=head.state, step={"tool": "gain", "args": {}, "turn": turn})


@pytest.fixture
def session(store):
    return Session(store, store.create_session(mix=sine(220, 0.5, amplitude=0.2), state=StateTable()))


def test_undo_and_redo_turn_move_over_every_version_of_a_turn(session):
    _commit(session, 0.9, "a")
    _commit(session, 0.8, "b")
    _commit(session, 0.7, "b")
    assert session.undo_turn().id == 2 and session.head.id == 2
    assert session.undo_turn().id == 1
    with pytest.raises(ToolInputError, match="nothing to undo"):
        session.undo_turn()
    assert session.redo_turn().id == 2
    assert session.redo_turn().id == 4 and session.head.step["turn"] == "b"


def test_a_turn_record_is_found_for_the_version_it_made(session):
    assert session.last_turn() is None
    _commit(session, 0.9, "a")
    session.record_turn(TurnRecord(id="a", request="make it warmer", before=1, after=2, terms=["warm"],
                                   steps=[{"tool": "eq", "args": {"low_shelf_db": 3.0}}], targets=["keys"]))
    again = Session(session.store, session.id).last_turn()   # a new handle reads it back from the store
    assert (again.request, again.terms, again.targets, again.after) == ("make it warmer", ["warm"], ["keys"], 2)
    assert again.created_at > 0
    session.undo_turn()
    assert session.last_turn() is None                        # the head is no longer what that turn made
