"""The firm's activity log: the page, filtered by person and dates, and its CSV."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from practice import activity as activity_log
from practice import clock, selectors
from practice.csvutil import escape_cell
from practice.forms import ActivityFilterForm
from practice.tenancy import firm_scope
from practice.web import csv_delimiter, csv_lines, csv_response, partial

ACTIVITY_PAGE_SIZE = 50


def _activity_filters(request):
    form = ActivityFilterForm(
        request.GET or None, people=selectors.activity_people(firm=request.firm)
    )
    return form, form.filters()


def activity(request, firm_slug):
    """The firm's activity log, newest first, filtered by person and dates."""
    form, filters = _activity_filters(request)
    events = selectors.activity_events(firm=request.firm, membership=request.membership, **filters)
    page = Paginator(events, ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "event": e,
            "sentence": activity_log.describe(e),
            "changes": activity_log.describe_changes(e),
        }
        for e in page.object_list
    ]
    context = {"form": form, "page": page, "rows": rows}
    return render(request, partial(request, "practice/activity.html", "results"), context)


def activity_export(request, firm_slug):
    """The filtered activity log as CSV, streamed. Rows are produced after the
    gate has returned, so the generator re-enters the firm's scope itself."""
    _form, filters = _activity_filters(request)
    firm, membership = request.firm, request.membership
    language = translation.get_language()

    def rows():
        yield [
            "\ufeff" + _("Date"),
            _("Person"),
            _("E-mail"),
            _("Action"),
            _("Object"),
            _("Changes"),
        ]
        tz = timezone.get_current_timezone()
        for event in selectors.activity_events(
            firm=firm, membership=membership, **filters
        ).iterator(chunk_size=1000):
            actor = event.actor
            yield [
                escape_cell(v)
                for v in (
                    event.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                    actor.get_full_name() if actor else "",
                    actor.email if actor else "",
                    activity_log.describe(event),
                    event.target_label,
                    activity_log.changes_as_text(activity_log.describe_changes(event)),
                )
            ]

    delimiter = csv_delimiter()

    def chunks():
        with firm_scope(firm), translation.override(language):
            yield from csv_lines(rows(), delimiter=delimiter)

    return csv_response(chunks(), filename=f"activity-{firm.slug}-{clock.today():%Y-%m-%d}.csv")
