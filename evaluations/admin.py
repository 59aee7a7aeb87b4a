from django.contrib import admin

from .models import Assessment, Evaluation, Item, Objection, Scheme, ScoreChange, Section


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "version", "subject", "organization"]
    list_filter = ["year", "subject"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "cap", "branch_type", "scheme"]
    list_select_related = ["scheme"]
    inlines = [ItemInline]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["organization", "year", "scheme", "stage", "publicity_ends_at", "finalized_at"]
    list_filter = ["year", "stage"]
    list_select_related = ["organization", "scheme"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    # Scores change only through the site, where each change is logged with its reason.
    list_display = ["evaluation", "member", "branch", "total", "rating", "vetoed"]
    list_filter = ["rating", "vetoed"]
    list_select_related = ["evaluation__organization", "evaluation__scheme", "member", "branch"]
    search_fields = ["member__name", "branch__name"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ScoreChange)
class ScoreChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "what", "assessment", "item", "old", "new", "user"]
    list_filter = ["what"]
    list_select_related = ["assessment__member", "assessment__branch", "item", "user"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["raised_at", "raised_by", "assessment", "status"]
    list_filter = ["status"]
    list_select_related = ["raised_by", "assessment__member", "assessment__branch"]
