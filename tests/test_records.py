"""Records (warroom/core/records.py): plain dataclasses that pydantic validates on demand, with
the pydantic methods the code uses and the meaning pydantic gave them."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from warroom.core.models import Event, Incident
from warroom.core.playbook import load
from warroom.core.playbook_models import Severity

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def event(**changes) -> Event:
    fields = dict(id="e1", incident_id="i1", ts=AT, recorded_at=AT, kind="note", text="hello", author="ann")
    return Event(**{**fields, **changes})


def test_validation_converts_and_refuses_as_pydantic_did():
    validated = Event.model_validate(
        dict(
            id="e1", incident_id="i1", ts="2026-11-30T09:00:00+00:00", recorded_at=AT, kind="note", text="t", author="a"
        )
    )
    assert validated.ts == AT and validated.data == {}
    with pytest.raises(ValidationError, match="Unexpected keyword argument"):
        Event.model_validate({**event().model_dump(), "colour": "red"})
    with pytest.raises(ValidationError, match="less than or equal to 4"):
        Incident.model_validate(dict(id="i", title="t", severity=5, phase="assess", commander="c", declared_at=AT))


def test_equality_repr_and_copies_are_by_field():
    one = event()
    assert one == event() and one != event(text="other") and one != "not an event"
    assert repr(one).startswith("Event(seq=None, id='e1', ") and "text='hello'" in repr(one)
    copied = one.model_copy(update={"text": "changed"})
    assert copied.text == "changed" and one.text == "hello" and copied.data is one.data  # shallow
    deep = one.model_copy(deep=True)
    assert deep == one and deep.data is not one.data
    with pytest.raises(TypeError):
        hash(one)  # a row is mutable: unhashable, as a dataclass with eq is


def test_dump_as_json_writes_times_as_text():
    assert event().model_dump(mode="json")["ts"] == "2026-11-30T09:00:00Z"


def test_a_playbook_record_is_frozen_and_hashable_by_its_fields():
    level = load().severity(1)
    with pytest.raises(FrozenInstanceError):
        level.level = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del level.who
    again = Severity.model_validate(level.model_dump())
    assert again == level and hash(again) == hash(level) and again is not level


def test_a_playbook_pickles_whole_with_what_it_copied_on_load():
    book = load()
    back = pickle.loads(pickle.dumps(book))
    assert back == book
    answered = [i.done_when for p in back.phases for i in p.items if hasattr(i.done_when, "triage")]
    assert answered and all(a.asked is not None and a.non_answers for a in answered)


def test_copies_and_constructions_neither_validate_nor_check_as_pydantic_did():
    book = load()
    contain = book.phases[1]
    assert contain.mode == "speed"
    untimed = contain.model_copy(update={"timebox_minutes": None})  # __post_init__ would refuse it
    assert untimed.timebox_minutes is None and contain.timebox_minutes is not None
    renamed = book.model_copy(update={"non_answers": ["zzz"]})
    answered = [i.done_when for p in book.phases for i in p.items if hasattr(i.done_when, "triage")]
    assert renamed.non_answers == ["zzz"] and all(
        "zzz" not in a.non_answers for a in answered
    )  # the original's untouched
    with pytest.raises(TypeError, match="no field 'colour'"):
        contain.model_copy(update={"colour": "red"})
    built = Event.model_construct(id="e", incident_id="i", ts=AT, recorded_at=AT, kind="note", text="t", author="a")
    assert built.data == {} and built.seq is None and built.host == ""  # defaults, as __init__ gives
    with pytest.raises(TypeError, match="needs 'incident_id'"):
        Event.model_construct(id="e")


def test_a_frozen_record_takes_no_new_attribute():
    phase = load().phases[0]
    with pytest.raises(FrozenInstanceError):
        phase.timebox = 9  # type: ignore[attr-defined]  # a misspelt field is refused, not added


def test_a_record_class_writes_its_init_when_first_called():
    """dataclass() compiles each class's __init__; a record's is written at its first call, so
    start-up (models imported, the playbook unpickled) compiles none. It is dataclass()'s own:
    keyword fields, defaults, a fresh default per record, __post_init__, a subclass's fields."""
    from dataclasses import field

    from warroom.core.records import FrozenRecord, Record, _first_init, record

    @record
    class Base(Record):
        """A test record."""

        name: str
        tags: list[str] = field(default_factory=list)

    @record
    class Child(Base):
        """A record with one field more, checked after it is built."""

        size: int = 1

        def __post_init__(self) -> None:
            if self.size < 0:
                raise ValueError("size below 0")

    @record
    class Frozen(FrozenRecord):
        """A frozen record."""

        name: str

    assert Base.__dict__["__init__"] is _first_init and Child.__dict__["__init__"] is _first_init
    one, two = Base(name="a"), Base(name="b", tags=["x"])
    assert Base.__dict__["__init__"] is not _first_init  # written once, then kept
    assert (one.name, one.tags, two.tags) == ("a", [], ["x"]) and Base(name="c").tags is not one.tags
    assert Child.__dict__["__init__"] is _first_init  # its own, not its base's
    child = Child(name="c", size=3)
    assert (child.name, child.tags, child.size) == ("c", [], 3)
    with pytest.raises(ValueError, match="size below 0"):
        Child(name="c", size=-1)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'name'"):
        Child(size=2)
    with pytest.raises(TypeError):
        Base("positional")  # type: ignore[misc]
    frozen = Frozen(name="f")
    with pytest.raises(FrozenInstanceError):
        frozen.name = "g"  # type: ignore[misc]


def test_a_plain_subclass_inherits_its_records_init_and_a_written_init_stays():
    """As with dataclass(): a subclass not decorated is built by its base record's __init__ (even
    when built first), and an __init__ written by hand is the class's."""
    from warroom.core.records import Record, _first_init, record

    @record
    class Base(Record):
        """A test record."""

        name: str

    class Plain(Base):
        """Not a record of its own."""

    built = Plain(name="p")  # before any Base
    assert built.name == "p" and isinstance(built, Plain)
    assert Base.__dict__["__init__"] is not _first_init and "__init__" not in Plain.__dict__

    @record
    class Hand(Record):
        """Built its own way."""

        name: str

        def __init__(self, word: str) -> None:
            self.name = word.upper()

    assert Hand("quiet").name == "QUIET"


def test_loading_the_playbook_builds_no_record_by_calling_it():
    """The cached playbook is unpickled and a fresh one validated by pydantic: neither calls a
    record's __init__, so neither pays for writing one (a fresh interpreter: other tests here
    build records)."""
    import subprocess
    import sys

    code = (
        "from warroom.core.playbook import load; import warroom.core.models as m, warroom.core.playbook_models as p;"
        "from warroom.core.records import Record, _first_init; load(); load();"
        "records = [c for mod in (m, p) for c in vars(mod).values() if isinstance(c, type) and issubclass(c, Record)"
        " and '__dataclass_fields__' in c.__dict__];"
        "print(len(records), sorted(c.__name__ for c in records if c.__dict__['__init__'] is not _first_init))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 1)
    assert int(out[0]) >= 20 and out[1].strip() == "[]", out
