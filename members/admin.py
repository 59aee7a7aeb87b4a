from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Contact, Invitation, Member, MemberChange, RosterImport, SignupRequest, User, Visit


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["phone"]
    list_display = ["phone", "name", "phone_verified", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "phone_verified"]
    search_fields = ["phone", "name", "email"]
    fieldsets = [
        (None, {"fields": ["phone", "phone_verified", "password"]}),
        (_("Personal info"), {"fields": ["name", "email"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["phone", "name", "password1", "password2"]})]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "masked_phone",
        "organization",
        "group",
        "status",
        "is_itinerant",
        "province",
        "in_hardship",
        "state",
    ]
    list_filter = ["state", "status", "is_itinerant", "in_hardship", "gender", "province", "organization"]
    search_fields = ["name", "phone", "city", "workplace"]
    list_select_related = ["organization", "group"]
    autocomplete_fields = ["organization", "group", "user"]
    readonly_fields = ["masked_id_number", "created_at", "updated_at"]
    date_hierarchy = "joined_party_on"
    list_per_page = 50

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: Member) -> str:
        return obj.masked_phone

    @admin.display(description=_("ID number (masked)"))
    def masked_id_number(self, obj: Member) -> str:
        return obj.masked_id_number


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["code", "organization", "uses", "max_uses", "expires_at", "revoked_at"]
    list_filter = ["organization"]
    search_fields = ["code", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["uses", "created_by", "created_at"]


@admin.register(SignupRequest)
class SignupRequestAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "status", "created_at", "decided_at"]
    list_filter = ["status", "organization"]
    search_fields = ["name", "user__phone"]
    list_select_related = ["organization", "user"]
    raw_id_fields = ["user", "invitation", "member", "decided_by"]


@admin.register(MemberChange)
class MemberChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "member", "user", "organization"]
    list_filter = ["action"]
    search_fields = ["member__name", "note"]
    list_select_related = ["member", "user", "organization"]
    readonly_fields = [f.name for f in MemberChange._meta.fields]

    # The audit log is written by the application only.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["member", "channel", "at", "by"]
    list_filter = ["channel"]
    search_fields = ["member__name", "note"]
    list_select_related = ["member", "by"]
    raw_id_fields = ["member", "by"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["member", "visited_on", "amount", "next_visit_on", "responsible"]
    search_fields = ["member__name", "help_given"]
    list_select_related = ["member", "responsible"]
    raw_id_fields = ["member", "by", "responsible"]


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "organization", "status", "total_rows", "processed_rows", "created_at"]
    list_filter = ["status"]
    search_fields = ["filename"]
    list_select_related = ["organization"]
    readonly_fields = ["summary", "errors", "finished_at"]
