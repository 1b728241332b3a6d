from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, Partnership, Region, RestrictedView, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    """People. Making someone Panel staff is refused while they belong to a partnership
    (User.clean), and adding Panel staff to a partnership is refused (Membership.clean)."""

    ordering = ["email"]
    list_display = ["email", "full_name", "is_panel_staff", "is_staff", "is_active", "last_login"]
    list_filter = ["is_panel_staff", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("About", {"fields": ["full_name"]}),
        (
            "Access",
            {
                "fields": [
                    "is_active",
                    "is_panel_staff",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Partnership)
class PartnershipAdmin(SimpleHistoryAdmin):
    list_display = ["name", "region", "active"]
    list_filter = ["region", "active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "partnership", "role", "created_at"]
    list_filter = ["role", "partnership__region"]
    search_fields = ["user__email", "partnership__name"]
    autocomplete_fields = ["user", "partnership"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that only reads: records kept as evidence are never added, changed or deleted
    by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RestrictedView)
class RestrictedViewAdmin(ReadOnlyAdmin):
    """The record of restricted views, to read only: nobody adds, changes or deletes a line."""

    list_display = ["viewed_at", "email", "path", "summary"]
    list_filter = ["viewed_at"]
    search_fields = ["email", "summary"]
    date_hierarchy = "viewed_at"
    readonly_fields = ["user", "email", "viewed_at", "path", "filters", "summary"]
