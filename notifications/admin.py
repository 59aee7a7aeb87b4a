from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "member", "user", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "key", "member__name"]
    list_select_related = ["member", "user"]
    raw_id_fields = ["member", "user"]
    readonly_fields = ["key", "created_at"]
