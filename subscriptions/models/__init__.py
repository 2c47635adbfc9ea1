"""The subscriptions app's models, by concept: the catalogue, the firm's
subscriptions and what they are billed, and the apps for clients."""

from subscriptions.models.catalogue import (
    RATE_VALIDATORS,
    DiscountPolicy,
    Feature,
    Price,
    Product,
    ProductFamily,
    ProductKind,
)
from subscriptions.models.clientapps import (
    AppSetup,
    ImportStatus,
    SetupStatus,
    SetupStep,
    TimeAccount,
    TimeAccountAccountant,
    TimeAccountOrigin,
    TimeEmployee,
    TimeProAccount,
)
from subscriptions.models.subscription import (
    LIVE,
    Billing,
    ChangeKind,
    ChargePeriod,
    ClientUsage,
    ClientUsageFeature,
    Payer,
    PlanChange,
    Subscription,
    SubscriptionStatus,
)

__all__ = [
    "LIVE",
    "RATE_VALIDATORS",
    "AppSetup",
    "Billing",
    "ChangeKind",
    "ChargePeriod",
    "ClientUsage",
    "ClientUsageFeature",
    "DiscountPolicy",
    "Feature",
    "ImportStatus",
    "Payer",
    "PlanChange",
    "Price",
    "Product",
    "ProductFamily",
    "ProductKind",
    "SetupStatus",
    "SetupStep",
    "Subscription",
    "SubscriptionStatus",
    "TimeAccount",
    "TimeAccountAccountant",
    "TimeAccountOrigin",
    "TimeEmployee",
    "TimeProAccount",
]
