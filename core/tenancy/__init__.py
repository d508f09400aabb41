"""Tenancy: which tenant a request or job works in, and the two layers that keep tenants apart.

Layer one is the ORM (``scoping``): every SELECT/UPDATE/DELETE gets a tenant criterion and every
flush is stamped or refused. Layer two is PostgreSQL row-level security (``rls``), set per
transaction from the same context, so raw SQL is held too. See DESIGN §3.
"""

from core.tenancy.context import (
    current_tenant,
    current_tenant_id,
    current_user_id,
    tenant_context,
)
from core.tenancy.models import Tenant, TenantScoped

__all__ = [
    "Tenant",
    "TenantScoped",
    "current_tenant",
    "current_tenant_id",
    "current_user_id",
    "tenant_context",
]
