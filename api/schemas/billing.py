"""Subscriptions and statements. Money is a decimal string ("12.50"), never a float."""

import datetime

from ninja import Schema
from pydantic import Field

from api.schemas.common import DEFAULT_LIMIT, MAX_LIMIT, Input
from subscriptions.models import Billing, ProductKind, SubscriptionStatus


class SubscriptionOut(Schema):
    id: int
    client_id: int
    client_name: str
    product_code: str
    product_name: str
    kind: ProductKind
    plan_id: int | None = Field(description="For an add-on, the plan it belongs to.")
    billing: Billing = Field(description="Who pays: the firm (wholesale) or the client (direct).")
    status: SubscriptionStatus
    currency: str
    discount_rate: str
    discount_until: datetime.date | None = Field(description="First day at the list price.")
    start_date: datetime.date | None
    ended_on: datetime.date | None
    monthly_list_price: str | None


class MoveOption(Schema):
    plan_code: str
    plan_name: str
    allowed: bool
    reasons: list[str] = Field(description="Why the move is refused now (R16, R18, R19).")


class SubscriptionDetailOut(SubscriptionOut):
    addons: list[SubscriptionOut]
    upgrades: list[MoveOption]
    downgrades: list[MoveOption]
    blocked_by: list[str] = Field(description="Why no plan change is possible now, if so.")


class SubscriptionPageOut(Schema):
    items: list[SubscriptionOut]
    next_cursor: str | None


class SubscriptionListQuery(Schema):
    client_id: int | None = Field(None, description="Only this client's subscriptions.")
    billing: Billing | None = None
    include_cancelled: bool = False
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class PlanMove(Input):
    plan_code: str = Field(max_length=40, description="The plan to move to.")


class TotalOut(Schema):
    currency: str
    list_amount: str
    discount_amount: str
    net_amount: str
    line_count: int


class StatementOut(Schema):
    id: int
    month: datetime.date
    issued_at: datetime.datetime
    line_count: int
    totals: list[TotalOut]


class StatementListOut(Schema):
    items: list[StatementOut]


class LineOut(Schema):
    id: int
    client_id: int | None = Field(description="Null once the client was deleted.")
    client_name: str
    subscription_id: int
    product: str
    currency: str
    monthly_list_price: str
    days: int
    days_in_month: int
    list_amount: str
    discount_amount: str
    net_amount: str
    parts: list[dict] = Field(description="How the line was computed (plan, dates, rates).")


class StatementDetailOut(StatementOut):
    lines: list[LineOut]
    next_cursor: str | None = Field(description="More lines: pass as `cursor`.")


class LinesQuery(Schema):
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
