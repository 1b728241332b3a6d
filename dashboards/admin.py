"""Publications are read-only everywhere: published figures are never changed or removed."""

from django.contrib import admin

from .models import Publication


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "published_at", "published_by", "reviews_counted"]
    readonly_fields = ["year", "published_at", "published_by", "reviews_counted"]
    exclude = ["figures"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
