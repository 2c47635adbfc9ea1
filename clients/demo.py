"""Demo data for the clients app: about 300 varied clients for the demo firm."""

import random

from clients.models import (
    BillingChoice,
    Client,
    ClientStatus,
    ClientType,
    TaxPreparationStatus,
    TaxReturnStatus,
)
from practice.activity import activity_record
from practice.models import Membership
from practice.tenancy import firm_scope

FIRST_NAMES = [
    "Camille",
    "Louis",
    "Chloé",
    "Hugo",
    "Léa",
    "Jules",
    "Manon",
    "Noé",
    "Inès",
    "Éloïse",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Lucas",
    "Zoé",
    "Gabriel",
    "Maëlle",
    "Théo",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "García",
    "Tremblay",
    "Gagnon",
    "Roy",
    "Côté",
    "Bouchard",
]
TRADES = [
    "Boulangerie",
    "Garage",
    "Cabinet",
    "Atelier",
    "Studio",
    "Pharmacie",
    "Librairie",
    "Menuiserie",
    "Fromagerie",
    "Imprimerie",
    "Bistro",
    "Consulting",
    "Plomberie",
    "Épicerie",
]
PLACES = [
    "du Marais",
    "des Lilas",
    "Saint-Michel",
    "de la Gare",
    "du Port",
    "des Alpes",
    "Beaulieu",
    "Montcalm",
    "du Lac",
    "Riviera",
    "Belleville",
    "Mont-Royal",
]


def load_demo_data(*, firm, by) -> None:
    """About 300 varied clients for the demo firm; skipped when it has clients."""
    with firm_scope(firm):
        if Client.objects.filter(firm=firm).exists():
            return
        rng = random.Random(firm.pk)
        members = list(Membership.objects.filter(firm=firm, is_active=True))
        clients = []
        for n in range(300):
            if rng.random() < 0.6:
                name = f"{rng.choice(TRADES)} {rng.choice(PLACES)}"
                if rng.random() < 0.5:
                    name += f" {rng.choice(LAST_NAMES)}"
                kind, first, last, company = ClientType.BUSINESS, "", "", name
            else:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                name, kind, company = f"{first} {last}", ClientType.INDIVIDUAL, ""
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
            client = Client(
                firm=firm,
                client_type=kind,
                display_name=f"{name} ({n + 1})" if rng.random() < 0.1 else name,
                company_name=company,
                first_name=first,
                last_name=last,
                email=f"{slug}{n}@example.test",
                phone=f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                client_number=f"C-{1000 + n}" if rng.random() < 0.6 else None,
                lead_accountant=rng.choice(members) if members and rng.random() < 0.85 else None,
                status=ClientStatus.INACTIVE if rng.random() < 0.12 else ClientStatus.ACTIVE,
                firm_is_primary_admin=rng.random() < 0.3,
                tax_preparation_status=rng.choice(TaxPreparationStatus.values),
                tax_return_status=rng.choice(TaxReturnStatus.values),
                initial_billing=rng.choice(BillingChoice.values),
            )
            client.save()
            clients.append(client)
        activity_record(
            firm=firm,
            by=by.user,
            verb="client.demo_loaded",
            target_type="firm",
            target_label=str(firm),
            changes={"clients": [0, len(clients)]},
        )
