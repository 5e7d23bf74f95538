"""The interaction record (SPEC: Interaction record) as typed structs that the JSON decoder
fills in one pass: field names, types and bounds. How lines become records is `cs_score.records`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

MAX_COST = 1e15
"""Largest cost accepted: money amounts sum exactly in cents, so they must stay finite."""

STEPS = ("identify", "apologize", "explain", "fix", "offer", "prevent")
Step = Literal["identify", "apologize", "explain", "fix", "offer", "prevent"]
Speaker = Literal["customer", "agent", "bot", "system"]
Scalar = str | int | float | bool | None


class Event(msgspec.Struct, frozen=True, gc=False):
    """Something that happened in an interaction: a message, an action or a note."""

    at: datetime | None = None
    speaker: Speaker = msgspec.field(name="from", default="system")
    text: str | None = None
    type: Literal["message", "action", "note"] = "message"
    action: str | None = None
    fulfills: str | None = None
    agent: str | None = None
    """Who of the agents spoke or acted (an interaction passed between several)."""


class Product(msgspec.Struct, frozen=True, gc=False):
    defective: bool | None = None
    returned: bool | None = None
    complaint: bool | None = None
    cost: Annotated[float, msgspec.Meta(ge=-MAX_COST, le=MAX_COST)] | None = None


class Resolution(msgspec.Struct, frozen=True, gc=False):
    status: Literal["resolved", "unresolved", "escalated", "pending"] | None = None
    steps: list[Step] | None = None


class Promise(msgspec.Struct, frozen=True, gc=False):
    id: str
    due: datetime
    made_at: datetime | None = None
    text: str | None = None
    kept_at: datetime | None = None
    notified_at: datetime | None = None


class Survey(msgspec.Struct, frozen=True, gc=False):
    csat: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None
    nps: Annotated[int, msgspec.Meta(ge=0, le=10)] | None = None


class Interaction(msgspec.Struct, gc=False):
    """One logged interaction (SPEC: Interaction record). Unknown fields are ignored."""

    id: str
    channel: str | None = None
    agent: str | None = None
    team: str | None = None
    customer: str | None = None
    case: str | None = None
    tags: list[str] = []
    attributes: dict[str, Scalar] = {}
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    events: list[Event] = []
    greeted: bool | None = None
    product: Product | None = None
    resolution: Resolution | None = None
    promises: list[Promise] = []
    survey: Survey | None = None


# The same record with no field it does not know, at any level: what nearly every line is.
# Such a line needs no check of its nesting (no deeper than these fields) nor of its UTF-8
# (the decoder reads every string of it), so `cs_score.records.decode` tries it first.


class _KnownEvent(Event, forbid_unknown_fields=True, frozen=True, gc=False):
    pass


class _KnownProduct(Product, forbid_unknown_fields=True, frozen=True, gc=False):
    pass


class _KnownResolution(Resolution, forbid_unknown_fields=True, frozen=True, gc=False):
    pass


class _KnownPromise(Promise, forbid_unknown_fields=True, frozen=True, gc=False):
    pass


class _KnownSurvey(Survey, forbid_unknown_fields=True, frozen=True, gc=False):
    pass


class KnownInteraction(Interaction, forbid_unknown_fields=True, gc=False):
    """An `Interaction` of a line whose fields are all known (see above)."""

    events: list[_KnownEvent] = []  # type: ignore[assignment]
    product: _KnownProduct | None = None
    resolution: _KnownResolution | None = None
    promises: list[_KnownPromise] = []  # type: ignore[assignment]
    survey: _KnownSurvey | None = None
