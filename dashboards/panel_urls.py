"""Dashboard pages under /panel/, joined into the panel namespace by config/urls.py."""

from django.urls import path

from . import analysis, views

urlpatterns = [
    path("cycles/<str:cycle>/", views.CompletionView.as_view(), name="cycle"),
    path(
        "cycles/<str:cycle>/export.<str:format>",
        views.CompletionView.as_view(),
        name="cycle_export",
    ),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("compare/export.<str:format>", views.CompareView.as_view(), name="compare_export"),
    path("reviews/", views.ReviewStatisticsView.as_view(), name="reviews"),
    path(
        "reviews/export.<str:format>",
        views.ReviewStatisticsView.as_view(),
        name="reviews_export",
    ),
    # Restricted: unperturbed figures, every view recorded, nothing to download.
    path("analysis/", analysis.AnalysisView.as_view(), name="analysis"),
    path("analysis/record/", analysis.AnalysisRecordView.as_view(), name="analysis_record"),
]
