from django.contrib import admin

from .models import Organization, Role, SweepStatus


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "kind", "code", "is_online", "activity_day"]
    list_filter = ["kind", "is_online", "branch_type", "activity_day"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth", "created_at"]
    inlines = [RoleInline]
    fieldsets = [
        (None, {"fields": ["kind", "name", "code", "parent", "is_online", "branch_type"]}),
        (None, {"fields": ["activity_day", "location", "checkin_days", "reminder_offsets", "morning_hour"]}),
        (None, {"fields": ["report_every_months", "silent_after_days"]}),
        ("", {"fields": ["speaking_rule", "study_rule", "contact_rule", "reporting_rule"]}),
        ("", {"fields": ["path", "depth", "created_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description=Organization._meta.get_field("name").verbose_name, ordering="path")
    def indented_name(self, obj: Organization) -> str:
        return "— " * obj.depth + obj.name


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "organization", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__name", "user__phone", "organization__name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]


@admin.register(SweepStatus)
class SweepStatusAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_success_at", "last_for_date", "runs", "failed"]
    readonly_fields = [f.name for f in SweepStatus._meta.fields]

    @admin.display(boolean=True)
    def failed(self, obj: SweepStatus) -> bool:
        return bool(obj.last_error)

    def has_add_permission(self, request) -> bool:
        return False
