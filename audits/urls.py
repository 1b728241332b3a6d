from django.urls import path

from . import views

app_name = "audits"

base = "p/<slug:slug>/audits/<str:cycle>/"

urlpatterns = [
    path("p/<slug:slug>/audits/", views.AuditIndexView.as_view(), name="index"),
    path("p/<slug:slug>/actions/", views.ActionPlanView.as_view(), name="actions"),
    path(
        "p/<slug:slug>/actions/export.csv",
        views.ActionExportView.as_view(fmt="csv"),
        name="actions_export_csv",
    ),
    path(
        "p/<slug:slug>/actions/export.xlsx",
        views.ActionExportView.as_view(fmt="xlsx"),
        name="actions_export_xlsx",
    ),
    path("p/<slug:slug>/actions/<int:pk>/", views.ActionUpdateView.as_view(), name="action"),
    path(base, views.TaskListView.as_view(), name="task_list"),
    path(base + "themes/<int:number>/", views.ThemeView.as_view(), name="theme"),
    path(base + "check/", views.CheckView.as_view(), name="check"),
    path(base + "submitted/", views.SubmittedView.as_view(), name="submitted"),
    path(base + "report/", views.ReportView.as_view(), name="report"),
    path(base + "export.csv", views.ExportView.as_view(fmt="csv"), name="export_csv"),
    path(base + "export.xlsx", views.ExportView.as_view(fmt="xlsx"), name="export_xlsx"),
]
