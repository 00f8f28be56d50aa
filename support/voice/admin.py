"""Batch jobs in the admin: read-only, their result shown, the audio and token hash left out."""

from django.contrib import admin

from voxsite.core.admin import DeferInListMixin, ReadOnlyAdminMixin, pretty_json

from support.conversations.admin import conversation_link

from .models import BatchJob


@admin.register(BatchJob)
class BatchJobAdmin(ReadOnlyAdminMixin, DeferInListMixin, admin.ModelAdmin):
    list_display = ["id", "status", "language", "mime", "attempts", "created_at", "finished_at", "conversation_link"]
    list_filter = ["status", "language"]
    search_fields = ["id"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    list_defer = ("result", "error")
    exclude = ["token_hash"]
    readonly_fields = ["result_display"]

    @admin.display(description="conversation")
    def conversation_link(self, obj):
        return conversation_link(obj.conversation_id)

    @admin.display(description="result")
    def result_display(self, obj):
        return pretty_json(obj.result)

