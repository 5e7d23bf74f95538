"""Faster pickling for the small dataclasses that travel between processes.

A slotted dataclass pickles through `copyreg` by default, which looks its slots up and
rebuilds a state dictionary for every object. Results waiting on promises are pickled once
and unpickled once each, a tenth of all interactions, so that cost counted: a constructor and
a tuple of field values in field order is about twice as fast.
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from mypy_extensions import mypyc_attr as mypyc_attr
else:

    def mypyc_attr(*_names: str, **_flags: object) -> Callable[[T], T]:
        """How mypyc compiles a class. Read when the package is compiled; plain Python has
        nothing to do with it.

        A compiled class that may be pickled says `serializable=True` (it is unpickled by
        setting its fields), and `allow_interpreted_subclasses=True` too: without it, mypyc
        leaves out the slot through which Python code calls `__init__` on such a class.
        """
        return lambda cls: cls


def by_position(cls: type[T]) -> type[T]:
    """Pickle instances of a dataclass as its constructor and its field values, in order.

    Registered with `copyreg` rather than set on the class, so that mypyc still compiles the
    class as its own (a decorated class would stay a plain Python class): call it on the
    class after its definition. Also what a frozen dataclass in a compiled module needs to be
    pickled at all: a compiled class is otherwise unpickled by setting its fields one by one,
    which frozen forbids.
    """
    values = attrgetter(*(field.name for field in fields(cls)))  # type: ignore[arg-type]

    def reduce(instance: Any) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(instance)

    copyreg.pickle(cls, reduce)
    return cls
