"""Property tests of the billing arithmetic (R15, R21)."""

import datetime
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from subscriptions.pricing import (
    Segment,
    add_months,
    charge_for_month,
    month_bounds,
    round_cents,
    sum_by_currency,
)

prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)
HALF_CENT = Fraction(1, 200)
days = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31))
months = st.tuples(st.integers(2020, 2030), st.integers(1, 12))


@st.composite
def statement_lines(draw):
    """Lines as the statement builds them: each rounded once from exact amounts."""
    out = []
    for _ in range(draw(st.integers(0, 30))):
        year, month = draw(months)
        start = draw(days)
        end = draw(st.one_of(st.none(), days.filter(lambda d, s=start: d >= s)))
        seg = Segment(start, end, draw(prices), draw(rates))
        amounts = charge_for_month([seg], year, month)
        out.append(
            (
                draw(st.sampled_from(["EUR", "CAD", "USD"])),
                amounts.list_amount,
                amounts.discount_amount,
                amounts.net_amount,
            )
        )
    return out


@given(statement_lines())
def test_r21_lines_sum_to_the_totals_per_currency(lines):
    totals = sum_by_currency(lines)
    for currency, t in totals.items():
        mine = [line for line in lines if line[0] == currency]
        assert t["net"] == sum(line[3] for line in mine)
        assert t["list"] == sum(line[1] for line in mine)
        assert t["list"] - t["discount"] == t["net"]
    for _currency, list_amount, discount, net in lines:
        assert list_amount - discount == net
        assert net.as_tuple().exponent == -2


@given(prices, rates, days, st.one_of(st.none(), days), months)
def test_r21_proration_stays_within_bounds(price, rate, start, end, ym):
    if end is not None and end < start:
        start, end = end, start
    year, month = ym
    amounts = charge_for_month([Segment(start, end, price, rate)], year, month)
    assert 0 <= amounts.days <= amounts.days_in_month
    assert Decimal("0") <= amounts.net_amount <= amounts.list_amount <= price
    first, next_first = month_bounds(year, month)
    covers = start <= first and (end is None or end >= next_first)
    if covers:
        assert amounts.list_amount == price
        assert amounts.days == amounts.days_in_month
    if amounts.days == 0:
        assert amounts.list_amount == Decimal("0.00")


@given(prices, rates, days, months)
def test_r21_an_upgrade_splits_the_month_without_losing_or_adding_days(price, rate, change, ym):
    year, month = ym
    first, next_first = month_bounds(year, month)
    change = min(max(change, first), next_first)
    before = Segment(first - datetime.timedelta(days=40), change, price, rate)
    after = Segment(change, None, price, rate)
    split = charge_for_month([before, after], year, month)
    whole = charge_for_month([Segment(before.starts_on, None, price, rate)], year, month)
    assert split.days == whole.days == whole.days_in_month
    assert split.list_exact == whole.list_exact
    assert split.net_amount == whole.net_amount


@given(
    prices,
    rates.filter(lambda r: r > 0),
    st.dates(datetime.date(2020, 1, 1), datetime.date(2028, 12, 31)),
)
def test_r15_the_direct_discount_switches_to_the_list_price_at_month_thirteen(price, rate, start):
    """Months 1-12 of a direct subscription are discounted, month 13 on is at
    list price; a calendar month that holds the anniversary is split by day."""
    until = add_months(start, 12)
    seg = Segment(start, None, price, rate, discount_until=until)
    for n in range(1, 25):
        sub_month_start = add_months(start, n - 1)
        ym = (sub_month_start.year, sub_month_start.month)
        first, next_first = month_bounds(*ym)
        amounts = charge_for_month([seg], *ym)
        if start <= first and next_first <= until:
            assert amounts.net_exact == amounts.list_exact * (1 - Fraction(rate))
        if first >= until:
            assert amounts.net_amount == amounts.list_amount == price
            assert n >= 13
    month_13 = add_months(start.replace(day=1), 13)
    assert charge_for_month([seg], month_13.year, month_13.month).net_amount == price


@given(st.fractions(min_value=0, max_value=100000), st.integers(0, 10**7))
def test_rounding_is_half_up_to_the_cent_and_within_half_a_cent(value, cents):
    rounded = round_cents(value)
    assert rounded.as_tuple().exponent == -2
    assert -HALF_CENT < Fraction(rounded) - value <= HALF_CENT
    assert round_cents(Fraction(cents, 100) + HALF_CENT) == Decimal(cents + 1).scaleb(-2)
