"""The initial catalogue (R14): plans, add-ons, user limits, features, monthly
list prices in EUR, CAD and USD, and the discount terms (R15). Edited afterwards
in the Django admin."""

from decimal import Decimal

from django.db import migrations

FEATURES = [
    ("bills", "Bills and payables", "Factures fournisseurs"),
    ("multicurrency", "Multicurrency", "Multidevise"),
    ("inventory", "Inventory tracking", "Suivi des stocks"),
    ("projects", "Projects", "Projets"),
    ("class_tracking", "Classes and locations", "Catégories et emplacements"),
    ("custom_roles", "Custom user roles", "Rôles utilisateur personnalisés"),
    ("mileage", "Mileage tracking", "Suivi du kilométrage"),
]

# code, name, kind, family, tier, user limit, features, (EUR, CAD, USD), order
PRODUCTS = [
    ("ledger", "Ledger", "plan", "ledger", 0, 3, [], ("10", "15", "12"), 0),
    ("simple_start", "Simple Start", "plan", "online", 1, 1, [], ("16", "25", "30"), 1),
    ("essentials", "Essentials", "plan", "online", 2, 3, ["bills"], ("28", "50", "60"), 2),
    (
        "plus",
        "Plus",
        "plan",
        "online",
        3,
        5,
        ["bills", "multicurrency", "inventory", "projects", "class_tracking"],
        ("42", "75", "90"),
        3,
    ),
    (
        "advanced",
        "Advanced",
        "plan",
        "online",
        4,
        25,
        ["bills", "multicurrency", "inventory", "projects", "class_tracking", "custom_roles"],
        ("90", "175", "200"),
        4,
    ),
    ("self_employed", "Self-Employed", "plan", "self_employed", None, 1, ["mileage"], ("9", "15", "15"), 5),
    ("payroll", "Payroll", "addon", "addon", None, None, [], ("25", "40", "45"), 10),
    ("time", "Time", "addon", "addon", None, None, [], ("10", "20", "20"), 11),
]


def load(apps, schema_editor):
    Feature = apps.get_model("subscriptions", "Feature")
    Product = apps.get_model("subscriptions", "Product")
    Price = apps.get_model("subscriptions", "Price")
    DiscountPolicy = apps.get_model("subscriptions", "DiscountPolicy")
    features = {}
    for code, name, name_fr in FEATURES:
        features[code], _ = Feature.objects.get_or_create(
            code=code, defaults={"name": name, "name_fr": name_fr}
        )
    for code, name, kind, family, tier, limit, feats, prices, order in PRODUCTS:
        product, created = Product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "family": family,
                "tier": tier,
                "user_limit": limit,
                "sort_order": order,
            },
        )
        if created:
            product.features.set([features[f] for f in feats])
            for currency, amount in zip(("EUR", "CAD", "USD"), prices, strict=True):
                Price.objects.create(product=product, currency=currency, monthly_amount=Decimal(amount))
    if not DiscountPolicy.objects.exists():
        DiscountPolicy.objects.create(
            wholesale_rate=Decimal("0.3000"), direct_rate=Decimal("0.5000"), direct_months=12
        )


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
