from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("p/<slug:slug>/reviews/", views.ReviewListView.as_view(), name="list"),
    path("p/<slug:slug>/reviews/new/", views.ReviewCreateView.as_view(), name="new"),
    path("p/<slug:slug>/reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="detail"),
    path("p/<slug:slug>/reviews/<int:pk>/edit/", views.ReviewEditView.as_view(), name="edit"),
]
