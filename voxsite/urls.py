from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from catalog.views import shop_index
from support.conversations.views import media_file

from . import health

urlpatterns = [
    # The supervisors' dashboard lives under the DailyMetric admin; this is its short address.
    path("admin/dashboard/", RedirectView.as_view(pattern_name="admin:support_dailymetric_dashboard", query_string=True)),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says; pages without a <link rel="icon"> too.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"))),
    path("api/health", health.health, name="health"),
    path("api/health/ready", health.ready, name="health-ready"),
    path("api/health/metrics", health.metrics, name="health-metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("voxsite.api_urls")),
    path("", shop_index, name="shop"),
    path("", include("support.urls")),
]

# Stored audio goes through an access check (staff, the integrator key or the shopper's token),
# never as public static files.
urlpatterns.insert(0, path(settings.MEDIA_URL.lstrip("/") + "<path:path>", media_file, name="media"))
