from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Child, Review


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0
    fields = ["review_type", "incident_month", "notification_month", "status"]
    show_change_link = True


@admin.register(Child)
class ChildAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "partnership", "sex", "age", "ethnicity", "outcome"]
    list_filter = ["partnership__region", "outcome", "sex"]
    search_fields = ["reference", "partnership__name"]
    inlines = [ReviewInline]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "partnership", "review_type", "incident_month", "status"]
    list_filter = ["review_type", "status", "partnership__region"]
    search_fields = ["child__reference", "partnership__name"]
    raw_id_fields = ["child"]
