"""The leaver report (R32), per team member, for admins: the page and its CSV."""

from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from clients import reports
from practice import clock
from practice.csvutil import escape_cell
from practice.permissions import admin_required
from practice.selectors import access_member_by_id
from practice.tenancy import firm_scope
from practice.web import csv_delimiter, csv_lines, csv_response

ADMINS_ONLY = gettext_lazy("Only admins can see what a team member can reach and export.")


@admin_required(message=ADMINS_ONLY)
def member_report(request, firm_slug, membership_id):
    """Which clients the member can reach now, and what they exported in 90 days."""
    member = access_member_by_id(firm=request.firm, membership_id=membership_id)
    report = reports.member_report(membership=member)
    return render(request, "clients/member_report.html", {"member": member, "report": report})


def _rows(report: reports.MemberReport):
    tz = timezone.get_current_timezone()
    yield [
        "\ufeff" + _("Part"),
        _("Client"),
        _("Client number"),
        _("Access"),
        _("Until"),
        _("Date"),
        pgettext("exported list", "List"),
        _("Filters"),
        _("Rows"),
    ]
    reach = _("Can reach")
    if report.reaches_all:
        yield [reach, _("All clients"), "", "", "", "", "", "", ""]
    for line in report.clients:
        ends = line.ends_on.isoformat() if line.ends_on else ""
        yield [
            reach,
            line.client.display_name,
            line.client.client_number,
            line.how,
            ends,
            "",
            "",
            "",
            "",
        ]
    exported = _("Exported")
    for entry in report.exports:
        when = entry.when.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        rows = "" if entry.rows is None else entry.rows
        yield [exported, "", "", "", "", when, entry.list_label, entry.filters, rows]


@admin_required(message=ADMINS_ONLY)
def member_report_csv(request, firm_slug, membership_id):
    """The leaver report as CSV. The body is produced after the gate returned, so
    the generator re-enters the firm's scope (and the reader's language) itself."""
    firm = request.firm
    member = access_member_by_id(firm=firm, membership_id=membership_id)
    language = translation.get_language()
    delimiter = csv_delimiter()

    def chunks():
        with firm_scope(firm), translation.override(language):
            report = reports.member_report(membership=member)
            rows = ([escape_cell(v) for v in row] for row in _rows(report))
            yield from csv_lines(rows, delimiter=delimiter)

    return csv_response(
        chunks(), filename=f"access-report-{firm.slug}-{member.pk}-{clock.today():%Y-%m-%d}.csv"
    )
