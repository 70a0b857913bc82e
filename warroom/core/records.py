"""Records: the playbook's and the store's types (and the metrics computed from them) as plain
dataclasses that pydantic validates on demand.

The war room's first frame needs a playbook and a few rows, not a validator: pydantic's import
and its model classes cost more than anything else before that frame (a fifth of its CPU time).
So every model is a stdlib dataclass (cheap to build, to unpickle from the playbook cache and
to read from SQLite), declared with the constraints and validators pydantic applies to
dataclasses (`Annotated[int, limits(ge=1)]`, `before(...)`, `after(...)`, `__post_init__`).
The annotations are text until pydantic reads them (`from __future__ import annotations`),
so nothing of pydantic is imported until something is validated or dumped: a playbook file
read for the first time, a row from elsewhere, an export.

`Record` gives them the few pydantic methods the code uses, with pydantic's meaning:
`model_validate` validates, `model_construct` and `model_copy` do not, `model_dump` serializes.
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, dataclass, fields
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, dataclass_transform

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import TypeAdapter

_adapters: dict[type, TypeAdapter[Any]] = {}


def _adapter(cls: type) -> TypeAdapter[Any]:
    """pydantic's validator and serializer for `cls`, built on first use (then kept)."""
    adapter = _adapters.get(cls)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _adapters[cls] = TypeAdapter(cls)
    return adapter


class Record:
    """The base of every model: a dataclass (each subclass is decorated with `record`) whose
    unknown fields pydantic refuses, as it refused them of the BaseModels these were. Its repr and
    equality are the dataclass ones, written once here rather than generated for each class
    (dataclass() compiles each method it writes: ~0.2 ms a method a class, paid at every start-up)."""

    __slots__ = ()
    __pydantic_config__ = {"extra": "forbid"}  # a ConfigDict (a TypedDict: a plain dict)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        names = _field_names.get(cls)
        if names is None:
            names = _field_names[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        return names

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.field_names())
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.field_names())

    # Defining __eq__ leaves a Record unhashable (mutable), as a dataclass with eq is.

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """Validated (and converted: ISO text to a datetime, a dict to its record) by pydantic;
        a pydantic ValidationError (a ValueError) when it is not one."""
        result: Self = _adapter(cls).validate_python(data)
        return result

    @classmethod
    def model_construct(cls, **values: Any) -> Self:
        """Built from values already of the right types (the fields not given take their
        defaults), without validation and without __post_init__'s checks, as pydantic's."""
        built = cls.__new__(cls)
        for field in fields(cls):  # type: ignore[arg-type]  # every subclass is a dataclass
            if field.name in values:
                value = values[field.name]
            elif field.default is not MISSING:
                value = field.default
            elif field.default_factory is not MISSING:
                value = field.default_factory()
            else:
                raise TypeError(f"{cls.__name__}.model_construct() needs {field.name!r}")
            object.__setattr__(built, field.name, value)
        return built

    def model_copy(self, update: dict[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (shallow, or `deep`) with `update` applied: not validated, no __post_init__,
        whatever the record carries beside its fields kept (as pydantic's)."""
        import copy

        copied = copy.deepcopy(self) if deep else copy.copy(self)
        for name, value in (update or {}).items():
            if name not in self.field_names():
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
            object.__setattr__(copied, name, value)
        return copied

    def model_dump(self, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """As pydantic dumps it; mode="json": only JSON types (times as ISO text)."""
        result: dict[str, Any] = _adapter(type(self)).dump_python(self, mode=mode)
        return result


class FrozenRecord(Record):
    """A record that cannot change once built: each field is set once (by __init__, or by
    pydantic as it validates), as dataclass(frozen=True) would make it, without the two methods
    that writes for each class. Hashable, by its fields."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        if name in self.__dict__ or name not in self.__dataclass_fields__:  # type: ignore[attr-defined]
            raise FrozenInstanceError(f"cannot assign to {name!r}")  # a field set, or no field
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.field_names()))


_field_names: dict[type, tuple[str, ...]] = {}

T = TypeVar("T")


@dataclass_transform(kw_only_default=True)
def record(cls: type[T]) -> type[T]:
    """The dataclass of a record (a Record or a FrozenRecord): its fields given by name, its repr,
    equality and frozenness from the base, its __init__ written when it is first called."""
    made = dataclass(kw_only=True, repr=False, eq=False, init=False)(cls)
    if "__init__" not in cls.__dict__:  # one written by hand stays, as dataclass() leaves it
        made.__init__ = _first_init  # type: ignore[method-assign]  # its own: a subclass's fields are not its base's
    return made


def _first_init(self: Any, **values: Any) -> None:
    """The first record of a class built by calling it: dataclass()'s __init__ for the class is
    written now and kept. dataclass() compiles it (~0.4 ms a class): the two dozen records cost
    ~10 ms of every start-up that way, when most are only unpickled (the playbook) or built by
    pydantic (which sets the fields and runs __post_init__ itself) until a command needs them.
    The class written for is the record whose __init__ this is (a plain subclass of a record
    inherits its base's, as with dataclass())."""
    owner = next(cls for cls in type(self).__mro__ if "__init__" in cls.__dict__)
    shadow: type = dataclass(kw_only=True, repr=False, eq=False)(
        type(owner.__name__, (owner,), {"__module__": owner.__module__})
    )
    init = shadow.__dict__["__init__"]
    init.__qualname__ = f"{owner.__qualname__}.__init__"
    setattr(owner, "__init__", init)  # noqa: B010  (a class, not an instance: mypy reads it as one)
    init(self, **values)


# ----- what annotations name: markers pydantic reads when it first validates --------------------


def limits(**constraints: Any) -> Any:
    """pydantic's Field constraints (ge, gt, le, min_length, max_length) for an Annotated field."""
    from pydantic import Field

    return Field(**constraints)


def before(check: Callable[[Any], Any]) -> Any:
    """A field's validator run on the raw input, before its type is checked."""
    from pydantic import BeforeValidator

    return BeforeValidator(check)


def after(check: Callable[[Any], Any]) -> Any:
    """A field's validator run on the checked value (raise ValueError to refuse it)."""
    from pydantic import AfterValidator

    return AfterValidator(check)


def dumped_as(write: Callable[[Any], Any]) -> Any:
    """How a field is written when dumped."""
    from pydantic import PlainSerializer

    return PlainSerializer(write)
