import datetime

from ninja import Schema
from pydantic import Field

from api.schemas.common import DEFAULT_LIMIT, MAX_LIMIT, Day
from practice.models import ClientAccess, Role


class ActorOut(Schema):
    name: str
    email: str


class ChangeOut(Schema):
    field: str
    before: str | None
    after: str


class EventOut(Schema):
    id: int
    created_at: datetime.datetime
    actor: ActorOut | None
    verb: str = Field(description="What happened, as a stable code (client.updated...).")
    sentence: str = Field(description="What happened, in the caller's language.")
    target_type: str
    target_id: int | None
    target_label: str
    changes: list[ChangeOut]


class EventPageOut(Schema):
    items: list[EventOut]
    next_cursor: str | None


class ActivityQuery(Schema):
    person_id: int | None = Field(None, description="A team member's id (see /team).")
    start: Day | None = Field(None, description="From this day (inclusive).")
    end: Day | None = Field(None, description="Up to this day (inclusive).")
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class MemberOut(Schema):
    id: int
    name: str
    email: str
    role: Role
    client_access: ClientAccess
    is_active: bool


class TeamOut(Schema):
    items: list[MemberOut]
