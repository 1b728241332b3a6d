"""Publications are read-only everywhere: published figures are never changed or removed."""

from django.contrib import admin

from partnerships.admin import ReadOnlyAdmin

from .models import Publication


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "published_at", "published_by", "reviews_counted"]
    readonly_fields = ["year", "published_at", "published_by", "reviews_counted"]
    exclude = ["figures"]
