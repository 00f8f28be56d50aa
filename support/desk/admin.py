"""The daily roll-up rows (read-only: the periodic task writes them) and the dashboard page."""

from django.contrib import admin
from django.urls import path

from voxsite.core.admin import ReadOnlyAdminMixin

from .models import DailyMetric
from .views.dashboard import dashboard_view


@admin.register(DailyMetric)
class DailyMetricAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "language_display", "conversations", "turns", "handoffs", "tool_calls", "tool_errors",
                    "fallbacks", "computed_at"]
    list_filter = ["language"]
    date_hierarchy = "date"
    ordering = ["-date", "language"]
    fields = ["date", "language", "conversations", "turns", "handoffs", "tool_calls", "tool_errors", "fallbacks",
              "intents", "tools", "latency", "computed_at"]
    readonly_fields = fields
    change_list_template = "admin/support/dailymetric/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: dashboard_view(request, admin_site=self.admin_site))
        return [path("dashboard/", view, name="support_dailymetric_dashboard"), *super().get_urls()]

    @admin.display(description="language", ordering="language")
    def language_display(self, obj):
        return obj.language or "all"
