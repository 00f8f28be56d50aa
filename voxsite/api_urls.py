"""Everything under /api/v1/: each app contributes its own routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("", include("crm.urls")),
    path("", include("support.conversations.api_urls")),
]
