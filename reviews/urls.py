from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("p/<slug:slug>/reviews/", views.ReviewListView.as_view(), name="list"),
    path("p/<slug:slug>/reviews/new/", views.ReviewCreateView.as_view(), name="new"),
    path("p/<slug:slug>/reviews/export.csv", views.ExportView.as_view(), name="export"),
    path("p/<slug:slug>/reviews/format/", views.FormatView.as_view(), name="format"),
    path("p/<slug:slug>/reviews/template.csv", views.TemplateFileView.as_view(), name="template"),
    path("p/<slug:slug>/reviews/import/", views.ImportView.as_view(), name="import"),
    path("p/<slug:slug>/reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="detail"),
    path("p/<slug:slug>/reviews/<int:pk>/edit/", views.ReviewEditView.as_view(), name="edit"),
    path(
        "p/<slug:slug>/reviews/<int:pk>/edit/<slug:page>/",
        views.ReviewSectionView.as_view(),
        name="edit_page",
    ),
    path("p/<slug:slug>/reviews/<int:pk>/check/", views.ReviewCheckView.as_view(), name="check"),
]
