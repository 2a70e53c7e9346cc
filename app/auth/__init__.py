"""Identity: accounts, login, the principal every request runs as, roles and permission dependencies.

Sits between app.core and the domains: it imports only app.core, and every domain imports it.
"""

from app.auth.deps import (
    Admin,
    AuditReader,
    BankPartner,
    CoverageReader,
    CurrentUser,
    Reviewer,
    StreetManager,
    Writer,
    get_principal,
    require_roles,
)
from app.auth.principal import Principal
from app.auth.roles import Role

__all__ = [
    "Admin",
    "AuditReader",
    "BankPartner",
    "CoverageReader",
    "CurrentUser",
    "Principal",
    "Reviewer",
    "Role",
    "StreetManager",
    "Writer",
    "get_principal",
    "require_roles",
]
