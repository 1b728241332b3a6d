"""/panel/ pages of the notifications app, joined into the `panel` namespace by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [path("messages/", views.MessageListView.as_view(), name="messages")]
