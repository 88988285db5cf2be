"""API-1: SMT's own paths, without a prefix, as SMT client programs call them; the OpenAPI
document (JSON, YAML) and its docs page under /api/."""

from django.urls import path

from smt.api.common.openapi import document_routes
from smt.api.compat.openapi import TITLE, compat_document
from smt.api.compat.views import (
    authenticate,
    daily_synch,
    interval_synch,
    latest_odr_read,
    meters,
    monthly_synch,
    on_demand_read,
)

app_name = "api"

urlpatterns = [
    path("commonapi/user/authenticate", authenticate, name="api_authenticate"),
    path("api/meter", meters, name="api_meter"),
    path("api/ondemandread", on_demand_read, name="api_on_demand_read"),
    path("api/usage/latestodrread", latest_odr_read, name="api_latest_odr_read"),
    path("api/adhoc/intervalsynch", interval_synch, name="api_interval_synch"),
    path("api/adhoc/dailysynch", daily_synch, name="api_daily_synch"),
    path("api/adhoc/monthlysynch", monthly_synch, name="api_monthly_synch"),
    *document_routes("api/", compat_document, name=app_name, title=TITLE),
]
