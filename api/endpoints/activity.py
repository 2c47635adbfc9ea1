"""The firm's activity log (R32) as the activity page shows it: filtered by
person and dates, limited for a restricted member to the clients they reach."""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router

from api.cursors import cursor_dump, cursor_load
from api.problems import invalid
from api.schemas.activity import ActivityQuery, EventPageOut
from clients.paging import RowCompare
from practice import activity as activity_log
from practice import selectors
from practice.forms import EARLIEST_DATE, LATEST_DATE

router = Router()


def event_data(event) -> dict:
    actor = event.actor
    return {
        "id": event.pk,
        "created_at": event.created_at,
        "actor": {"name": actor.get_full_name(), "email": actor.email} if actor else None,
        "verb": event.verb,
        "sentence": activity_log.describe(event),
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "changes": [
            {
                "field": str(change.field),
                "before": change.before if change.is_pair else None,
                "after": change.after,
            }
            for change in activity_log.describe_changes(event)
        ],
    }


@router.get("", response=EventPageOut, summary="Read the activity log")
def activity_list(request, query: Query[ActivityQuery]):
    """Newest first; `person_id`, `start` and `end` (both days inclusive, in the
    firm's time zone) narrow it."""
    actor_id = None
    if query.person_id is not None:
        try:
            person = selectors.access_member_by_id(firm=request.firm, membership_id=query.person_id)
        except Http404:
            raise invalid(
                ["query", "person_id"], _("Choose a member of this firm's team.")
            ) from None
        actor_id = person.user_id
    for name in ("start", "end"):
        day = getattr(query, name)
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise invalid(["query", name], _("Enter a date between 1900 and 9998."))
    if query.start and query.end and query.start > query.end:
        raise invalid(["query", "end"], _("The end date is before the start date."))
    events = selectors.activity_events(
        firm=request.firm,
        membership=request.membership,
        actor_id=actor_id,
        start=query.start,
        end=query.end,
    )
    state = {"p": query.person_id, "s": str(query.start), "e": str(query.end)}
    if query.cursor:
        when, pk = cursor_load(query.cursor, query=state)
        events = events.filter(
            RowCompare(["created_at", "id"], "<", [datetime.datetime.fromisoformat(when), pk])
        )
    rows = list(events[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    following = None
    if more:
        last = rows[-1]
        following = cursor_dump(query=state, position=[last.created_at.isoformat(), last.pk])
    return {"items": [event_data(event) for event in rows], "next_cursor": following}
