"""A statement line's parts (R36): one per run of days at one plan, list price and
discount rate, each with its own amounts, so every figure can be recomputed by
hand. Pure functions, free of the database.

The line is rounded once (subscriptions.pricing); its parts are shown to the cent
and add up to it exactly: each part's exact amount is rounded down, and the cents
still missing from the line's rounded amount go to the parts with the largest
remainders (the earlier part on a tie). When the parts' half-up roundings already
add up to the line, which is almost always, this gives the same cents."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from subscriptions.pricing import RATE_SCALE, LineAmounts, _cents, _half_up

ONE_DAY = datetime.timedelta(days=1)


def allocate(
    numerators: list[int], denominator: int, target: int, caps: list[int] | None = None
) -> list[int]:
    """Cents per part: floor(n / denominator) each, plus one cent for the `target
    - sum` parts with the largest remainders, skipping parts already at their cap
    (a part's net never exceeds its list amount) while others can take the cent.
    `target` lies between the sum of the floors and that sum plus the number of
    parts whenever it is the rounding of the exact total."""
    floors = [n // denominator for n in numerators]
    extra = target - sum(floors)
    if not 0 <= extra <= len(numerators):
        raise ValueError("The line's amount is not a rounding of its parts.")
    order = sorted(range(len(numerators)), key=lambda i: (-(numerators[i] % denominator), i))
    if caps is not None:
        order = [i for i in order if floors[i] < caps[i]] + [
            i for i in order if floors[i] >= caps[i]
        ]
    for i in order[:extra]:
        floors[i] += 1
    return floors


@dataclass
class Part:
    label: str
    kind: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None  # inclusive, as printed
    days: int
    monthly_list: Decimal | None
    rate: Decimal | None
    list_amount: Decimal
    discount_amount: Decimal
    net_amount: Decimal

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "kind": self.kind,
            "from": self.starts_on.isoformat() if self.starts_on else None,
            "to": self.ends_on.isoformat() if self.ends_on else None,
            "days": self.days,
            "monthly_list": str(self.monthly_list) if self.monthly_list is not None else None,
            "rate": str(self.rate) if self.rate is not None else None,
            "list": str(self.list_amount),
            "discount": str(self.discount_amount),
            "net": str(self.net_amount),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Part":
        def day(value):
            return datetime.date.fromisoformat(value) if value else None

        def dec(value):
            return Decimal(value) if value not in (None, "") else None

        return cls(
            label=data.get("label", ""),
            kind=data.get("kind", ""),
            starts_on=day(data.get("from")),
            ends_on=day(data.get("to")),
            days=int(data.get("days", 0)),
            monthly_list=dec(data.get("monthly_list")),
            rate=dec(data.get("rate")),
            list_amount=dec(data.get("list")) or Decimal("0.00"),
            discount_amount=dec(data.get("discount")) or Decimal("0.00"),
            net_amount=dec(data.get("net")) or Decimal("0.00"),
        )


def _runs(amounts: LineAmounts) -> list[list]:
    """The billed pieces, contiguous pieces at the same plan, price and rate joined."""
    runs: list[list] = []
    for seg, lo, hi, days, r in amounts.pieces:
        price = _cents(seg.monthly_list)
        last = runs[-1] if runs else None
        if (
            last is not None
            and last[2] == lo
            and (last[3], last[4], last[5], last[6]) == (seg.label, seg.kind, price, r)
        ):
            last[2] = hi
            last[7] += days
            continue
        runs.append([seg, lo, hi, seg.label, seg.kind, price, r, days])
    return runs


def line_parts(amounts: LineAmounts) -> list[Part]:
    """The line's parts with amounts that add up to the line's rounded amounts."""
    runs = _runs(amounts)
    dim = amounts.days_in_month
    list_nums = [price * days for *_x, price, _r, days in runs]
    net_nums = [price * days * (RATE_SCALE - r) for *_x, price, r, days in runs]
    lists = allocate(list_nums, dim, _half_up(amounts.list_num, dim))
    nets = allocate(
        net_nums, dim * RATE_SCALE, _half_up(amounts.net_num, dim * RATE_SCALE), caps=lists
    )
    _no_negative_discount(lists, nets, net_nums, dim * RATE_SCALE)
    parts = []
    for (_seg, lo, hi, label, kind, price, r, days), list_c, net_c in zip(
        runs, lists, nets, strict=True
    ):
        parts.append(
            Part(
                label=label,
                kind=kind,
                starts_on=lo,
                ends_on=hi - ONE_DAY,
                days=days,
                monthly_list=Decimal(price).scaleb(-2),
                rate=Decimal(r).scaleb(-4),
                list_amount=Decimal(list_c).scaleb(-2),
                discount_amount=Decimal(list_c - net_c).scaleb(-2),
                net_amount=Decimal(net_c).scaleb(-2),
            )
        )
    return parts


def _no_negative_discount(
    lists: list[int], nets: list[int], net_nums: list[int], denominator: int
) -> None:
    """Rounding lists and nets separately can, in rare ties, give a part one cent
    more net than list: move that cent to a part with room for it, preferring one
    still rounded down (so it stays within a cent of its exact figure)."""
    for i in range(len(lists)):
        while nets[i] > lists[i]:
            room = [j for j in range(len(lists)) if nets[j] < lists[j]]
            room.sort(
                key=lambda j: (
                    nets[j] * denominator > net_nums[j],
                    -(net_nums[j] % denominator),
                    j,
                )
            )
            nets[i] -= 1
            nets[room[0]] += 1
