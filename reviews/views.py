"""Review case pages: list, record, detail, edit, mark complete."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.views import View
from django.views.generic import TemplateView

from partnerships import access
from partnerships.mixins import PartnershipMixin
from partnerships.models import Membership

from . import exchange, selectors, services
from .choices import HarmType, Status
from .forms import (
    ChildForm,
    ImportForm,
    ReviewFilterForm,
    ReviewForm,
    RevisionsForm,
    merge_theirs,
)
from .models import Child, Review
from .rules import missing_dimensions

PAGE_SIZE = 25
CSV = "text/csv; charset=utf-8"
CHANGED_BEFORE_COMPLETE = (
    "{who} changed this review on {when}, after you opened it, so it has not been marked "
    "complete. Check their changes, then mark it complete again"
)


class ReviewPagesMixin(PartnershipMixin):
    """Every /p/<slug>/reviews/ page: record-level, so for the partnership's members only
    (partnerships.access.can_read_review_records); Panel staff are answered 404 as any
    non-member, and read reviews through the restricted analysis instead."""

    review_records = True


def route_errors(error: ValidationError, child_form, review_form):
    """Put a service's validation errors on the form fields they belong to."""
    for field, messages_ in error.message_dict.items():
        if child_form is not None and field in child_form.fields:
            child_form.add_error(field, messages_)
        elif field in review_form.fields:
            review_form.add_error(field, messages_)
        else:
            review_form.add_error(None, messages_)


def error_list(*forms_):
    """(field id, message) for the error summary, in page order."""
    return [
        (form[name].auto_id if name in form.fields else "", message)
        for form in forms_
        if form is not None
        for name, messages_ in form.errors.items()
        for message in messages_
    ]


class ReviewListView(ReviewPagesMixin, TemplateView):
    template_name = "reviews/review_list.html"

    def get_context_data(self, **kwargs):
        filters = ReviewFilterForm(self.request.GET or None)
        values = filters.cleaned_data if filters.is_valid() else {}
        page = Paginator(selectors.review_list(self.partnership, values), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filters=filters, page=page, query=query.urlencode(), **kwargs
        )


class CaseFormView(ReviewPagesMixin, TemplateView):
    """Shared by recording a new case, adding a review to a child, and editing."""

    template_name = "reviews/review_form.html"
    minimum_role = Membership.Role.CONTRIBUTOR

    def forms(self, data=None):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self.render_forms(*self.forms())

    def render_forms(self, child_form, review_form, **extra):
        return self.render_to_response(
            self.get_context_data(
                child_form=child_form,
                review_form=review_form,
                errors=error_list(child_form, review_form),
                **extra,
            )
        )

    def post(self, request, *args, **kwargs):
        child_form, review_form = self.forms(request.POST)
        valid = review_form.is_valid() & (child_form is None or child_form.is_valid())
        if not valid:
            return self.render_forms(child_form, review_form)
        try:
            review = self.save(child_form, review_form)
        except services.CaseConflict as conflict:
            return self.render_conflict(child_form, review_form, conflict)
        except ValidationError as error:
            route_errors(error, child_form, review_form)
            return self.render_forms(child_form, review_form)
        messages.success(request, f"Saved the review about {review.child.reference}")
        return redirect(review)


class ReviewCreateView(CaseFormView):
    @cached_property
    def child(self) -> Child | None:
        pk = self.request.GET.get("child")
        if not pk:
            return None
        try:
            return selectors.get_child(self.partnership, int(pk))
        except (Child.DoesNotExist, ValueError):
            raise Http404("No such child") from None

    def forms(self, data=None):
        child_form = None if self.child else ChildForm(data, prefix="child")
        return child_form, ReviewForm(data, prefix="review")

    def get_context_data(self, **kwargs):
        return super().get_context_data(child=self.child, creating=True, **kwargs)

    def save(self, child_form, review_form):
        if self.child:
            return services.review_add(
                child=self.child, review_data=review_form.cleaned_data, by=self.request.user
            )
        return services.case_create(
            partnership=self.partnership,
            child_data=child_form.cleaned_data,
            review_data=review_form.cleaned_data,
            by=self.request.user,
        )


class ReviewObjectMixin:
    @cached_property
    def review(self) -> Review:
        try:
            return selectors.get_review(self.partnership, self.kwargs["pk"])
        except Review.DoesNotExist:
            raise Http404("No such review") from None


class ReviewEditView(ReviewObjectMixin, CaseFormView):
    def post(self, request, *args, **kwargs):
        finished = self.review.status == Status.COMPLETE
        if access.can_edit(self.role) and not access.can_change_record(
            self.role, finished=finished
        ):
            # Completed by a lead since this contributor opened the page: refuse, but keep
            # everything they typed on the page rather than answering a bare 403.
            child_form = ChildForm(request.POST, prefix="child", instance=self.review.child)
            review_form = ReviewForm(request.POST, prefix="review", instance=self.review)
            review_form.add_error(
                None, ValidationError(services.COMPLETED_MEANWHILE, code="completed")
            )
            return self.render_forms(child_form, review_form)
        return super().post(request, *args, **kwargs)

    def forms(self, data=None):
        if not access.can_change_record(self.role, finished=self.review.status == Status.COMPLETE):
            raise PermissionDenied
        return (
            ChildForm(data, prefix="child", instance=self.review.child),
            ReviewForm(data, prefix="review", instance=self.review),
        )

    def get_context_data(self, **kwargs):
        if self.request.method == "POST":
            kwargs.setdefault("revisions", RevisionsForm(self.request.POST))
        kwargs.setdefault("revisions", RevisionsForm.of(self.review))
        return super().get_context_data(review=self.review, child=self.review.child, **kwargs)

    def render_conflict(self, child_form, review_form, conflict):
        """The page again after a refused save: everything the person changed is kept, the
        answers they left alone show what the other person saved, and the hidden revisions are
        the new ones, so saving again applies their changes on top of the other person's."""
        fresh = conflict.review
        base_review, base_child = selectors.as_at_revisions(
            fresh, *RevisionsForm(self.request.POST).seen()
        )
        data = self.request.POST.copy()
        clashes = merge_theirs(data, child_form, base_child, fresh.child) + merge_theirs(
            data, review_form, base_review, fresh
        )
        child_form, review_form = self.forms(data)
        return self.render_forms(
            child_form,
            review_form,
            revisions=RevisionsForm.of(fresh),
            conflict=conflict_rows(conflict),
            clashes=clashes,
        )

    def save(self, child_form, review_form):
        review_revision, child_revision = RevisionsForm(self.request.POST).seen()
        return services.case_update(
            review=self.review,
            child_data=child_form.cleaned_data,
            review_data=review_form.cleaned_data,
            review_revision=review_revision,
            child_revision=child_revision,
            by=self.request.user,
        )


def conflict_rows(conflict: "services.CaseConflict") -> list[dict]:
    """Who changed what and when since the page was loaded, with the answers they left."""
    review = conflict.review
    now = {
        "child": {row[2]: row for row in summary_rows(review.child, ChildForm, "child")},
        "review": {row[2]: row for row in summary_rows(review, ReviewForm, "review")},
    }
    rows = []
    for change in conflict.changes:
        answers = [
            now[change["what"]][f"id_{change['what']}-{name}"]
            for name in change["names"]
            if f"id_{change['what']}-{name}" in now[change["what"]]
        ]
        rows.append({**change, "answers": answers})
    return rows


def summary_rows(instance, form_class, prefix):
    """(question, answer as shown, id of the field on the edit page) for a summary list."""
    rows = []
    for name in form_class.Meta.fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, name)
        if name == "harm_types":
            labels = dict(HarmType.choices)
            shown = ", ".join(labels.get(v, v) for v in value) or ""
        elif field.choices:
            shown = getattr(instance, f"get_{name}_display")() if value else ""
        elif hasattr(value, "strftime"):
            shown = value.strftime("%B %Y")
        else:
            shown = "" if value is None else str(value)
        rows.append((str(field.verbose_name).capitalize(), shown, f"id_{prefix}-{name}"))
    return rows


class ReviewDetailView(ReviewObjectMixin, ReviewPagesMixin, TemplateView):
    template_name = "reviews/review_detail.html"

    def get_context_data(self, **kwargs):
        review = self.review
        return super().get_context_data(
            review=review,
            child=review.child,
            other_reviews=review.child.reviews.exclude(pk=review.pk).order_by("incident_month"),
            missing=missing_dimensions(review),
            child_rows=summary_rows(review.child, ChildForm, "child"),
            review_rows=summary_rows(review, ReviewForm, "review"),
            history=selectors.change_history(review),
            revisions=RevisionsForm.of(review),
            can_change=access.can_change_record(
                self.role, finished=review.status == Status.COMPLETE
            ),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        """Mark the review complete (leads only), as the lead's page showed it."""
        review_revision, child_revision = RevisionsForm(request.POST).seen()
        try:
            services.review_complete(
                review=self.review,
                review_revision=review_revision,
                child_revision=child_revision,
                by=request.user,
            )
        except services.CaseConflict as conflict:
            latest = conflict.changes[0] if conflict.changes else None
            messages.error(
                request,
                CHANGED_BEFORE_COMPLETE.format(
                    who=latest["who"] if latest else "Someone",
                    when=date_format(localtime(latest["when"] if latest else None), "j F Y, H:i"),
                ),
            )
            return redirect(self.review)
        except ValidationError:
            messages.error(request, "The review cannot be marked complete yet. See what is missing")
            return redirect(self.review)
        messages.success(request, "The review is marked complete")
        return redirect(self.review)


class ExportView(ReviewPagesMixin, View):
    """The partnership's own reviews in the documented CSV format.

    Members only: record-level files never leave for anyone else, Panel staff included
    (who are answered 404 on every review page).
    """

    minimum_role = Membership.Role.VIEWER

    def get(self, request, *args, **kwargs):
        response = HttpResponse(exchange.export_csv(self.partnership), content_type=CSV)
        response["Content-Disposition"] = (
            f'attachment; filename="reviews-{self.partnership.slug}.csv"'
        )
        return response


class TemplateFileView(ReviewPagesMixin, View):
    def get(self, request, *args, **kwargs):
        response = HttpResponse(exchange.template_csv(), content_type=CSV)
        response["Content-Disposition"] = 'attachment; filename="reviews-template.csv"'
        return response


class FormatView(ReviewPagesMixin, TemplateView):
    template_name = "reviews/review_format.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(columns=exchange.column_guide(), **kwargs)


class ImportView(ReviewPagesMixin, TemplateView):
    template_name = "reviews/review_import.html"
    minimum_role = Membership.Role.CONTRIBUTOR

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ImportForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        errors = exchange.check_upload(upload.name, upload.size)
        if not errors:
            result = exchange.import_csv(
                partnership=self.partnership, raw=upload.read(), by=request.user
            )
            if not result.errors:
                messages.success(
                    request,
                    f"Imported {result.reviews} review{pluralize(result.reviews)} about "
                    f"{result.children} child{pluralize(result.children, 'ren')}",
                )
                return redirect("reviews:list", slug=self.partnership.slug)
            errors = result.errors
        problems = exchange.Problems(errors, name=upload.name, file_id=form["file"].id_for_label)
        for message in problems.at_input():
            form.add_error("file", message)
        return self.render_to_response(self.get_context_data(form=form, problems=problems))
