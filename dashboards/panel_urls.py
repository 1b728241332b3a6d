"""Dashboard pages under /panel/, joined into the panel namespace by config/urls.py."""

from django.urls import path

from . import views

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
]
