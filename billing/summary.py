"""What changed since the previous month, for the top of a statement (R36): the
clients and subscriptions billed, clients added to the firm's billing, removed
from wholesale, transferred out, and discounts that ended or fell. Computed when
the statement is issued and kept with it.

All of it comes from the charge periods the statement is computed from:
- added: billed this month, not billed to the firm at all last month;
- removed from wholesale: a plan's firm-paid period ended this month and the
  client's own period opened the same day;
- transferred out: a plan's firm-paid period ended this month with no period
  after it, its client gone to another firm (the old firm's client is deleted on
  transfer);
- discounts ending: a line whose rate falls within the month (dated discount
  terms, or a discount with an end date), and the discount terms scheduled
  after the month."""

import datetime
from decimal import Decimal

from django.db.models import Q

from practice.models import Firm
from subscriptions.models import ChargePeriod, Payer, ProductKind
from subscriptions.pricing import add_months
from subscriptions.schedule import Schedule

LIST_LIMIT = 50


def _client_key(client_id, name) -> str:
    return str(client_id) if client_id else f"deleted:{name}"


def _listing(entries: list[dict]) -> dict:
    return {"count": len(entries), "items": entries[:LIST_LIMIT]}


def month_summary(
    *,
    firm: Firm,
    first: datetime.date,
    next_first: datetime.date,
    lines: list[dict],
    schedule: Schedule,
) -> dict:
    billed: dict[str, dict] = {}
    for line in lines:
        key = _client_key(line["client_id"], line["client_name"])
        billed.setdefault(
            key,
            {
                "client_id": line["client_id"],
                "name": line["client_name"],
                "number": line.get("client_number") or "",
            },
        )
    # The clients billed this month and not the month before, by the database:
    # a few ids, where the month before's would be every client.
    billed_in = _firm_paid(firm, first, next_first)
    billed_before = _firm_paid(firm, add_months(first, -1), first)
    new = {client_id for (client_id,) in billed_in.difference(billed_before).order_by()}
    added = [
        {"name": c["name"], "number": c["number"]}
        for c in billed.values()
        if c["client_id"] and c["client_id"] in new
    ]
    removed, transferred = _endings(firm=firm, first=first, next_first=next_first)
    return {
        "clients": len(billed),
        "subscriptions": len(lines),
        "added": _listing(sorted(added, key=lambda c: c["name"].lower())),
        "removed": _listing(removed),
        "transferred": _listing(transferred),
        "discounts": _listing(_discounts_ending(lines)),
        "upcoming_terms": [
            {"on": t.effective_from.isoformat(), "wholesale_rate": str(t.wholesale_rate)}
            for t in schedule.terms_changes(next_first - datetime.timedelta(days=1))
        ],
    }


def _firm_paid(firm: Firm, first: datetime.date, next_first: datetime.date):
    """The clients (ids) of firm-paid charge periods with a day in the month."""
    return (
        ChargePeriod.objects.filter(
            firm=firm, payer=Payer.FIRM, starts_on__lt=next_first, client__isnull=False
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=first))
        .order_by()
        .values_list("client_id")
    )


def _endings(*, firm, first, next_first) -> tuple[list[dict], list[dict]]:
    ended = ChargePeriod.objects.filter(
        firm=firm,
        payer=Payer.FIRM,
        product__kind=ProductKind.PLAN,
        ends_on__gte=first,
        ends_on__lt=next_first,
    ).values_list(
        "subscription_ref",
        "ends_on",
        "client_id",
        "client_name",
        "client__display_name",
        "client__number_row__number",
    )
    starts = set(
        ChargePeriod.objects.filter(
            firm=firm, starts_on__gte=first, starts_on__lt=next_first
        ).values_list("subscription_ref", "starts_on", "payer")
    )
    removed, transferred = {}, {}
    for ref, on, client_id, kept_name, name, number in ended:
        entry = {"name": name or kept_name, "number": number or "", "on": on.isoformat()}
        key = _client_key(client_id, entry["name"])
        if (ref, on, Payer.FIRM) in starts:
            continue  # a change of plan: still billed to the firm
        if (ref, on, Payer.CLIENT) in starts:
            removed[key] = entry
        elif client_id is None:
            transferred[key] = entry
    order = lambda e: (e["on"], e["name"].lower())  # noqa: E731
    return sorted(removed.values(), key=order), sorted(transferred.values(), key=order)


def _falls(parts) -> list[tuple[dict, dict]]:
    """The pairs of consecutive parts where the rate falls."""
    return [
        (before, after)
        for before, after in zip(parts, parts[1:], strict=False)
        if before.get("rate") is not None
        and after.get("rate") is not None
        and Decimal(after["rate"]) < Decimal(before["rate"])
    ]


def _discounts_ending(lines: list[dict]) -> list[dict]:
    out = []
    # Lines with the same amounts share their detail (the statement's cache): its
    # falls are worked out once.
    falls_of: dict[int, list] = {}
    for line in lines:
        parts = line.get("detail") or ()
        falls = falls_of.get(id(parts))
        if falls is None:
            falls = falls_of[id(parts)] = _falls(parts)
        for before, after in falls:
            out.append(
                {
                    "name": line["client_name"],
                    "number": line.get("client_number") or "",
                    "product": after.get("label", ""),
                    "on": after.get("from"),
                    "from": before["rate"],
                    "to": after["rate"],
                }
            )
    return sorted(out, key=lambda e: (e["on"] or "", e["name"].lower()))
