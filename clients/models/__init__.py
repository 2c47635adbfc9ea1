"""The clients app's models, one module per concept."""

from clients.models.client import (
    BillingChoice,
    Client,
    ClientAssignment,
    ClientListPreference,
    ClientStatus,
    ClientType,
    TaxPreparationStatus,
    TaxReturnStatus,
    new_company_id,
)
from clients.models.companies import (
    AccountantInvitation,
    AccountantInvitationKind,
    AccountantInvitationStatus,
    Company,
    CompanyMember,
    CompanyRole,
    _new_nonce,
)
from clients.models.naming import NAME_SEPARATOR, normalize_search, search_key
from clients.models.numbering import (
    CLIENT_NUMBER_MAX_LENGTH,
    BinaryCharField,
    ClientNumber,
    last_change,
)

__all__ = [
    "CLIENT_NUMBER_MAX_LENGTH",
    "NAME_SEPARATOR",
    "AccountantInvitation",
    "AccountantInvitationKind",
    "AccountantInvitationStatus",
    "BillingChoice",
    "BinaryCharField",
    "Client",
    "ClientAssignment",
    "ClientListPreference",
    "ClientNumber",
    "ClientStatus",
    "ClientType",
    "Company",
    "CompanyMember",
    "CompanyRole",
    "TaxPreparationStatus",
    "TaxReturnStatus",
    "_new_nonce",
    "last_change",
    "new_company_id",
    "normalize_search",
    "search_key",
]
