"""Billing arithmetic at its edges: half cents on a line, and the day a direct
discount ends within a month (R15, R21)."""

import datetime
from decimal import Decimal

import pytest

from subscriptions.models import Billing
from subscriptions.periods import discount_terms
from subscriptions.pricing import Segment, add_months, charge_for_month, round_cents

D = Decimal


def test_r21_a_lines_list_amount_with_a_half_cent_rounds_half_up():
    """10.01 a month for 15 days of June's 30 is exactly 5.005: the line says 5.01."""
    seg = Segment(datetime.date(2025, 6, 16), None, D("10.01"), D("0"))
    amounts = charge_for_month([seg], 2025, 6)
    assert amounts.days == 15
    assert amounts.list_amount == D("5.01")
    assert amounts.net_amount == D("5.01")
    assert amounts.discount_amount == D("0.00")


def test_r21_a_lines_net_amount_with_a_half_cent_rounds_half_up():
    """10.00 a month at 0.05 % off is exactly 9.995 net: the line says 10.00."""
    seg = Segment(datetime.date(2025, 1, 1), None, D("10.00"), D("0.0005"))
    amounts = charge_for_month([seg], 2025, 6)
    assert amounts.list_amount == D("10.00")
    assert amounts.net_amount == D("10.00")
    assert amounts.discount_amount == D("0.00")


def test_r21_amounts_just_under_a_half_cent_round_down():
    """10.00 at 0.06 % off is 9.994 net: 9.99 (and 10.01 for 14 days of 30 is 4.671...)."""
    seg = Segment(datetime.date(2025, 1, 1), None, D("10.00"), D("0.0006"))
    assert charge_for_month([seg], 2025, 6).net_amount == D("9.99")
    seg = Segment(datetime.date(2025, 6, 17), None, D("10.01"), D("0"))
    assert charge_for_month([seg], 2025, 6).list_amount == D("4.67")


def test_r15_the_direct_discount_lasts_twelve_months_from_the_start_date(db):
    rate, until = discount_terms(Billing.DIRECT, datetime.date(2025, 3, 15))
    assert rate > 0
    assert until == datetime.date(2026, 3, 15)
    assert discount_terms(Billing.DIRECT, datetime.date(2024, 2, 29))[1] == datetime.date(
        2025, 2, 28
    )
    assert discount_terms(Billing.WHOLESALE, datetime.date(2025, 3, 15))[1] is None


START = datetime.date(2025, 3, 15)
UNTIL = add_months(START, 12)  # 2026-03-15: the first day at list price


@pytest.fixture
def direct():
    return Segment(START, None, D("31.00"), D("0.2500"), discount_until=UNTIL)


def test_r15_the_month_the_direct_discount_ends_splits_on_the_anniversary(direct):
    """March 2026: the 1st to the 14th still discounted (14 days), the 15th (the
    anniversary) to the 31st at list price (17 days)."""
    amounts = charge_for_month([direct], 2026, 3)
    assert amounts.days == 31
    assert [(p["from"], p["to"], p["days"], p["rate"]) for p in amounts.parts] == [
        ("2026-03-01", "2026-03-14", 14, "0.2500"),
        ("2026-03-15", "2026-03-31", 17, "0"),
    ]
    assert amounts.list_amount == D("31.00")
    # 14 days at 1.00 × 0.75 + 17 days at 1.00
    assert amounts.net_amount == D("10.50") + D("17.00")
    assert amounts.discount_amount == D("3.50")


def test_r15_the_months_around_the_anniversary(direct):
    first = charge_for_month([direct], 2025, 3)  # the 15th to the 31st, discounted
    assert (first.days, first.list_amount, first.net_amount) == (17, D("17.00"), D("12.75"))
    february = charge_for_month([direct], 2026, 2)  # month 12: all discounted
    assert february.net_amount == D("23.25") and february.list_amount == D("31.00")
    april = charge_for_month([direct], 2026, 4)  # after the anniversary: list price
    assert april.net_amount == april.list_amount == D("31.00")
    assert [p["rate"] for p in april.parts] == ["0"]


def test_r15_a_discount_ending_on_the_first_of_a_month_leaves_it_whole():
    seg = Segment(
        datetime.date(2025, 4, 1),
        None,
        D("30.00"),
        D("0.5"),
        discount_until=datetime.date(2026, 4, 1),
    )
    march = charge_for_month([seg], 2026, 3)
    assert march.net_amount == D("15.00")
    assert [p["days"] for p in march.parts] == [31]
    april = charge_for_month([seg], 2026, 4)
    assert april.net_amount == D("30.00")
    assert [(p["days"], p["rate"]) for p in april.parts] == [(30, "0")]


def test_r21_a_negative_amount_is_a_programming_error_with_its_reason():
    with pytest.raises(ValueError, match=r"^Amounts are never negative\.$"):
        round_cents(D("-0.01"))
    assert round_cents(D("0.005")) == D("0.01")


def test_r21_a_segment_that_only_touches_the_month_adds_no_piece():
    """A plan that ended on 1 June and the next that starts on 1 July bill June with
    one piece, the plan in between."""
    june = datetime.date(2025, 6, 1)
    july = datetime.date(2025, 7, 1)
    segments = [
        Segment(datetime.date(2025, 1, 1), june, D("28.00"), D("0"), label="before"),
        Segment(june, july, D("42.00"), D("0"), label="June"),
        Segment(july, None, D("60.00"), D("0"), label="after"),
    ]
    amounts = charge_for_month(segments, 2025, 6)
    assert (amounts.days, amounts.list_amount) == (30, D("42.00"))
    assert [part["label"] for part in amounts.parts] == ["June"]
