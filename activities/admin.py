from django.contrib import admin
from django.db import models

from .models import Activity, Attendance, CheckIn, Leave, MaterialDelivery, Report, StudyMaterial


@admin.register(StudyMaterial)
class StudyMaterialAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "kind", "handbook_chapter", "publish_at", "dispatched_at", "created_at"]
    list_filter = ["kind", "organizations"]
    search_fields = ["title", "body"]
    filter_horizontal = ["organizations"]
    readonly_fields = ["dispatched_at", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["organization", "date", "theme", "opens_at", "closes_at", "dispatched_at", "closed_at"]
    list_filter = ["organization", "year", "month"]
    search_fields = ["theme", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["materials"]
    readonly_fields = ["opens_at", "closes_at", "dispatched_at", "closed_at", "created_at"]
    date_hierarchy = "date"


class MemberActivityAdmin(admin.ModelAdmin):
    list_select_related = ["member", "activity__organization"]
    search_fields = ["member__name", "activity__organization__name"]
    raw_id_fields = ["member", "activity"]


@admin.register(CheckIn)
class CheckInAdmin(MemberActivityAdmin):
    list_display = ["member", "activity", "kind", "checked_in_at", "city"]
    list_filter = ["kind"]
    readonly_fields = ["nonce"]
    raw_id_fields = [*MemberActivityAdmin.raw_id_fields, "entered_by"]


@admin.register(Leave)
class LeaveAdmin(MemberActivityAdmin):
    list_display = ["member", "activity", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = [*MemberActivityAdmin.raw_id_fields, "decided_by"]


@admin.register(Attendance)
class AttendanceAdmin(MemberActivityAdmin):
    list_display = ["member", "activity", "outcome", "recorded_at"]
    list_filter = ["outcome"]


@admin.register(MaterialDelivery)
class MaterialDeliveryAdmin(admin.ModelAdmin):
    list_display = ["member", "material", "delivered_at", "read_at", "studied_at"]
    list_select_related = ["member", "material"]
    search_fields = ["member__name", "material__title"]
    raw_id_fields = ["member", "material", "activity"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["title", "member", "kind", "submitted_at", "replied_at"]
    list_filter = ["kind"]
    list_select_related = ["member"]
    search_fields = ["title", "member__name"]
    raw_id_fields = ["member", "replied_by"]
