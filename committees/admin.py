from django.contrib import admin

from .models import Post, Term


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("organization", "kind", "member", "started_on", "ended_on")
    list_filter = ("kind",)
    raw_id_fields = ("organization", "member", "created_by")


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("organization", "elected_on", "years", "ends_on")
    raw_id_fields = ("organization", "created_by")
