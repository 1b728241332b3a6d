"""Review case pages: list, record, detail, edit page by page (dimensions.PAGES), check
answers and mark complete."""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.views import View
from django.views.generic import TemplateView

from partnerships import access
from partnerships.mixins import PartnershipMixin
from partnerships.models import Membership

from . import dimensions, exchange, selectors, services
from .choices import HarmType, Status
from .forms import (
    PAGES_SHOWN,
    ChildForm,
    ImportForm,
    ReviewFilterForm,
    ReviewForm,
    RevisionsForm,
    is_posted,
    merge_theirs,
    start_sections,
)
from .models import Child, Review
from .rules import missing_dimensions

PAGE_SIZE = 25
CSV = "text/csv; charset=utf-8"
NOT_YET_COMPLETE = "The review cannot be marked complete yet. See what is missing"
CHANGED_BEFORE_COMPLETE = (
    "{who} changed this review on {when}, after you opened it, so it has not been marked "
    "complete. Check their changes, then mark it complete again"
)


class ReviewPagesMixin(PartnershipMixin):
    """Every /p/<slug>/reviews/ page: record-level, so for the partnership's members only
    (partnerships.access.can_read_review_records); Panel staff are answered 404 as any
    non-member, and read reviews through the restricted analysis instead."""

    review_records = True


def route_errors(error: ValidationError, pairs):
    """Put a service's validation errors on the fields they belong to (the page's first form
    when no field on the page holds them)."""
    page_forms = [form for _section, form in pairs]
    for field, messages_ in error.message_dict.items():
        form = next((f for f in page_forms if field in f.fields), page_forms[0])
        form.add_error(field if field in form.fields else None, messages_)


def error_list(pairs):
    """(field id, message) for the error summary, in page order."""
    return [
        (form.anchor(name) if name in form.fields else "", message)
        for _section, form in pairs
        for name, messages_ in form.errors.items()
        for message in messages_
    ]


BACK = "back"  # the button that goes back to the new child's answers
CARRIED = "carried"  # marks a post that carries the new child's answers in hidden fields


def carried_inputs(data, pages) -> list[tuple[str, str]]:
    """(name, value) of every posted answer to `pages`, and the pages' names, to post again as
    hidden fields."""
    names = {f"{page.on}-{name}" for page in pages for name in page.fields}
    answers = [
        (key, value)
        for key in data
        for value in data.getlist(key)
        if key in names or key.removesuffix("_month").removesuffix("_year") in names
    ]
    return answers + [(PAGES_SHOWN, page.slug) for page in pages]


def review_name(review: Review) -> str:
    """A name for a review that no other review shares: its number, type, child and month."""
    month = review.incident_month.strftime("%B %Y") if review.incident_month else ""
    kind = review.get_review_type_display()
    return (
        f"Review {review.pk}: {kind[:1].lower()}{kind[1:]} about "
        f"{review.child.reference}, incident {month}"
    )


def section_url(review: Review, section) -> str:
    return reverse(
        "reviews:edit_page",
        kwargs={"slug": review.partnership.slug, "pk": review.pk, "page": section.slug},
    )


def check_url(review: Review) -> str:
    return reverse("reviews:check", kwargs={"slug": review.partnership.slug, "pk": review.pk})


def list_title(filters, page) -> str:
    """The list page's title: which page of how many, and the filters applied."""
    parts = []
    if page.paginator.num_pages > 1:
        parts.append(f"page {page.number} of {page.paginator.num_pages}")
    if filters.is_bound and filters.is_valid():
        shown = []
        for name, value in filters.cleaned_data.items():
            if value in (None, ""):
                continue
            choices = dict(getattr(filters.fields[name], "choices", []))
            shown.append(f"{filters.fields[name].label.lower()} {choices.get(value, value)}")
        if shown:
            parts.append("filtered by " + ", ".join(shown))
    return "Reviews" + (f" ({'; '.join(parts)})" if parts else "")


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
            filters=filters,
            page=page,
            query=query.urlencode(),
            list_title=list_title(filters, page),
            **kwargs,
        )


class CaseFormView(ReviewPagesMixin, TemplateView):
    """Shared by recording a new case, adding a review to a child, and editing: a page shows
    one or more pages of dimensions.PAGES (`sections`), each its own form."""

    template_name = "reviews/review_form.html"
    minimum_role = Membership.Role.CONTRIBUTOR

    def sections(self, data=None) -> list:
        raise NotImplementedError

    def instances(self) -> tuple[Child | None, Review | None]:
        raise NotImplementedError

    def forms(self, data=None) -> list:
        """(section, form) for each section the page shows."""
        child, review = self.instances()
        pairs = []
        for section in self.sections(data):
            if section.on == dimensions.CHILD:
                form = ChildForm(data, prefix="child", instance=child, only=section.fields)
            else:
                form = ReviewForm(data, prefix="review", instance=review, only=section.fields)
            pairs.append((section, form))
        return pairs

    def get(self, request, *args, **kwargs):
        return self.render_forms(self.forms())

    def render_forms(self, pairs, **extra):
        return self.render_to_response(
            self.get_context_data(pairs=pairs, errors=error_list(pairs), **extra)
        )

    def post(self, request, *args, **kwargs):
        pairs = self.forms(request.POST)
        valid = [form.is_valid() for _section, form in pairs]  # every form, for every error
        if not all(valid):
            return self.render_forms(pairs)
        child_data, review_data = {}, {}
        for section, form in pairs:
            target = child_data if section.on == dimensions.CHILD else review_data
            target.update(form.cleaned_data)
        try:
            review = self.save(child_data, review_data)
        except services.CaseConflict as conflict:
            return self.render_conflict(pairs, conflict)
        except ValidationError as error:
            route_errors(error, pairs)
            return self.render_forms(pairs)
        messages.success(request, f"Saved the review about {review.child.reference}")
        if "later" in request.POST:
            return redirect(review)
        return redirect(self.next_url(review))

    def next_url(self, review: Review) -> str:
        """After a save: the first form page this one did not show, else check answers."""
        shown = {section.slug for section in self.sections()}
        after = [s for s in dimensions.PAGES if s.slug not in shown]
        return section_url(review, after[0]) if after else check_url(review)

    def get_context_data(self, **kwargs):
        pairs = kwargs.get("pairs") or []
        context = super().get_context_data(
            single=len(pairs) == 1, sections=dimensions.PAGES, **kwargs
        )
        if context.get("review"):
            name = context["review_name"]
            what = f"Change {name[:1].lower()}{name[1:]}"
        elif context.get("child"):
            what = f"Add a review about {context['child'].reference}"
        else:
            what = "Record a review"
        if len(pairs) == 1:
            first = f"{pairs[0][0].title} - "
        elif pairs and len({section.section for section, _form in pairs}) == 1:
            first = f"{pairs[0][0].section} - "  # a section's pages together
        else:
            first = ""
        context["page_title"] = f"{first}{what} - {self.partnership.name}"
        return context


class ReviewCreateView(CaseFormView):
    """Starts a draft with what a draft needs, one page at a time: the child's pages (unless
    ?child=<id>), then the review's type and months, carrying the answers of the pages before
    in hidden fields (nothing is saved until the draft can be); then the review's next page.
    A post with answers to several pages (as the one-page form did) shows and saves them
    together."""

    @cached_property
    def child(self) -> Child | None:
        pk = self.request.GET.get("child")
        if not pk:
            return None
        try:
            return selectors.get_child(self.partnership, int(pk))
        except (Child.DoesNotExist, ValueError):
            raise Http404("No such child") from None

    def child_pages(self) -> list:
        start = start_sections(child_known=self.child is not None)
        return [page for page in start if page.on == dimensions.CHILD]

    def child_step(self, data) -> bool:
        """Whether this is one of the new child's pages: nothing about the review posted yet."""
        review_pages = [s for s in dimensions.PAGES if s.on == dimensions.REVIEW]
        return not self.child and not any(is_posted(s, data) for s in review_pages)

    def sections(self, data=None):
        start = start_sections(child_known=self.child is not None)
        if data is not None and BACK in data:
            return self.child_pages()[:1]
        if self.child_step(data):
            posted = [page for page in self.child_pages() if is_posted(page, data)]
            return posted or self.child_pages()[:1]
        return [
            section
            for section in dimensions.PAGES
            if section in start
            or (is_posted(section, data) and (section.on != dimensions.CHILD or not self.child))
        ]

    def post(self, request, *args, **kwargs):
        if BACK in request.POST:  # "Change the child's answers": the child's first page again
            pairs = self.forms(request.POST)
            later = [page for page in self.child_pages() if page not in self.sections()]
            return self.render_forms(pairs, carried=carried_inputs(request.POST, later))
        if not self.child_step(request.POST):
            return super().post(request, *args, **kwargs)
        pairs = self.forms(request.POST)
        if not all(form.is_valid() for _section, form in pairs):
            return self.render_forms(pairs)
        # This page's answers are fine: ask the next child page's, or the review's, carrying
        # the answers so far along.
        answered = [section for section, _form in pairs]
        rest = [page for page in self.child_pages() if page not in answered]
        if rest:
            pages = rest[:1]
        else:
            pages = [s for s in start_sections(child_known=True) if s.on == dimensions.REVIEW]
        next_pairs = [
            (
                page,
                (ChildForm if page.on == dimensions.CHILD else ReviewForm)(
                    prefix=page.on, only=page.fields
                ),
            )
            for page in pages
        ]
        return self.render_forms(next_pairs, carried=carried_inputs(request.POST, answered))

    def render_forms(self, pairs, **extra):
        data = self.request.POST if self.request.method == "POST" else None
        if data is not None and CARRIED in data and BACK not in data and "carried" not in extra:
            # The page again: the child's pages answered before stay hidden unless wrong.
            hidden = [s for s, form in pairs if s.on == dimensions.CHILD and not form.errors]
            if hidden and len(hidden) < len(pairs):
                pairs = [p for p in pairs if p[0] not in hidden]
                extra["carried"] = carried_inputs(data, hidden)
        return super().render_forms(pairs, **extra)

    def instances(self):
        return None, None

    def next_url(self, review):
        """The first review page not shown; the review itself when the post showed them all
        (as the one-page form did)."""
        shown = {section.slug for section in self.sections(self.request.POST)}
        after = [s for s in dimensions.PAGES if s.on == dimensions.REVIEW and s.slug not in shown]
        return section_url(review, after[0]) if after else review.get_absolute_url()

    def get_context_data(self, **kwargs):
        pairs = kwargs.get("pairs") or []
        child_step = bool(pairs) and all(s.on == dimensions.CHILD for s, _form in pairs)
        return super().get_context_data(
            child=self.child, creating=True, child_step=child_step, **kwargs
        )

    def save(self, child_data, review_data):
        if self.child:
            return services.review_add(
                child=self.child, review_data=review_data, by=self.request.user
            )
        return services.case_create(
            partnership=self.partnership,
            child_data=child_data,
            review_data=review_data,
            by=self.request.user,
        )


class ReviewObjectMixin:
    @cached_property
    def review(self) -> Review:
        try:
            return selectors.get_review(self.partnership, self.kwargs["pk"])
        except Review.DoesNotExist:
            raise Http404("No such review") from None

    def get_context_data(self, **kwargs):
        return super().get_context_data(review_name=review_name(self.review), **kwargs)


class ReviewEditView(ReviewObjectMixin, CaseFormView):
    """/edit/: every page's questions at once (what the one-page form posted); GET goes to
    the first page."""

    def sections(self, data=None):
        return list(dimensions.PAGES)

    def instances(self):
        return self.review.child, self.review

    def check_can_change(self):
        if not access.can_change_record(self.role, finished=self.review.status == Status.COMPLETE):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self.check_can_change()
        return redirect(section_url(self.review, dimensions.PAGES[0]))

    def next_url(self, review):
        return review.get_absolute_url()

    def post(self, request, *args, **kwargs):
        finished = self.review.status == Status.COMPLETE
        if access.can_edit(self.role) and not access.can_change_record(
            self.role, finished=finished
        ):
            # Completed by a lead since this contributor opened the page: refuse, but keep
            # everything they typed on the page rather than answering a bare 403.
            pairs = CaseFormView.forms(self, request.POST)
            pairs[0][1].add_error(
                None, ValidationError(services.COMPLETED_MEANWHILE, code="completed")
            )
            return self.render_forms(pairs)
        return super().post(request, *args, **kwargs)

    def forms(self, data=None):
        self.check_can_change()
        return super().forms(data)

    def get_context_data(self, **kwargs):
        if self.request.method == "POST":
            kwargs.setdefault("revisions", RevisionsForm(self.request.POST))
        kwargs.setdefault("revisions", RevisionsForm.of(self.review))
        return super().get_context_data(review=self.review, child=self.review.child, **kwargs)

    def render_conflict(self, pairs, conflict):
        """The page again after a refused save: everything the person changed is kept, the
        answers they left alone show what the other person saved, and the hidden revisions are
        the new ones, so saving again applies their changes on top of the other person's."""
        fresh = conflict.review
        base_review, base_child = selectors.as_at_revisions(
            fresh, *RevisionsForm(self.request.POST).seen()
        )
        data = self.request.POST.copy()
        clashes = []
        for section, form in pairs:
            if section.on == dimensions.CHILD:
                clashes += merge_theirs(data, form, base_child, fresh.child)
            else:
                clashes += merge_theirs(data, form, base_review, fresh)
        return self.render_forms(
            self.forms(data),
            revisions=RevisionsForm.of(fresh),
            conflict=conflict_rows(conflict),
            clashes=clashes,
        )

    def save(self, child_data, review_data):
        review_revision, child_revision = RevisionsForm(self.request.POST).seen()
        return services.case_update(
            review=self.review,
            child_data=child_data,
            review_data=review_data,
            review_revision=review_revision,
            child_revision=child_revision,
            by=self.request.user,
        )


class ReviewSectionView(ReviewEditView):
    """/edit/<page>/: one page's questions; saving goes on to the next page, and after the
    last to check answers. "Save and come back later" goes to the review."""

    @cached_property
    def section(self):
        try:
            return dimensions.PAGES_BY_SLUG[self.kwargs["page"]]
        except KeyError:
            raise Http404("No such page") from None

    def sections(self, data=None):
        return [self.section]

    def get(self, request, *args, **kwargs):
        return CaseFormView.get(self, request, *args, **kwargs)

    def next_url(self, review):
        after = dimensions.PAGES[dimensions.PAGES.index(self.section) + 1 :]
        return section_url(review, after[0]) if after else check_url(review)

    def get_context_data(self, **kwargs):
        index = dimensions.PAGES.index(self.section)
        return super().get_context_data(
            section=self.section, step=index + 1, steps=len(dimensions.PAGES), **kwargs
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


def _shown(instance, name) -> str:
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if name == "harm_types":
        labels = dict(HarmType.choices)
        return ", ".join(labels.get(v, v) for v in value) or ""
    if field.choices:
        return getattr(instance, f"get_{name}_display")() if value else ""
    if hasattr(value, "strftime"):
        return value.strftime("%B %Y")
    return "" if value is None else str(value)


def _question(instance, name) -> str:
    text = str(instance._meta.get_field(name).verbose_name)
    return text[:1].upper() + text[1:]  # "First language other than English"


def summary_rows(instance, form_class, prefix):
    """(question, answer as shown, id of the field on the edit page) for a summary list."""
    return [
        (_question(instance, name), _shown(instance, name), f"id_{prefix}-{name}")
        for name in form_class.Meta.fields
    ]


@functools.cache
def field_anchors() -> dict[str, str]:
    """{field: the id of its first input on its form page}, worked out once from one form
    per page: the ids depend on the page alone, and a form per Change link was most of the
    time of the review and check pages."""
    anchors = {}
    for section in dimensions.PAGES:
        form_class = ChildForm if section.on == dimensions.CHILD else ReviewForm
        form = form_class(prefix=section.on, only=section.fields)
        anchors.update({name: form.anchor(name) for name in section.fields})
    return anchors


def check_sections(review: Review) -> list[dict]:
    """Every answer by page for check answers: (question, answer, Change link, whether a
    rule still needs it), the questions not asked of this review left out."""
    missing = {name for name, _question in missing_dimensions(review)}
    anchors = field_anchors()
    sections = []
    for section in dimensions.PAGES:
        instance = review.child if section.on == dimensions.CHILD else review
        url = section_url(review, section)
        rows = []
        for name in section.fields:
            dimension = dimensions.BY_NAME.get(name)
            if dimension and not dimensions.is_asked(dimension, review):
                continue
            rows.append(
                {
                    "question": _question(instance, name),
                    "answer": _shown(instance, name),
                    "change": f"{url}#{anchors[name]}",
                    "missing": name in missing,
                }
            )
        sections.append({"section": section, "url": url, "rows": rows})
    return sections


def change_url(review: Review, name: str) -> str:
    """The form page asking a field, at the field's first input."""
    for section in dimensions.PAGES:
        if name in section.fields:
            return f"{section_url(review, section)}#{field_anchors()[name]}"
    return check_url(review)


def detail_rows(review: Review, on: str) -> list[tuple[str, str, str]]:
    """(question, answer as shown, Change link) of the child's or the review's answers."""
    instance = review.child if on == dimensions.CHILD else review
    form_class = ChildForm if on == dimensions.CHILD else ReviewForm
    return [
        (_question(instance, name), _shown(instance, name), change_url(review, name))
        for name in form_class.Meta.fields
    ]


class ReviewDetailView(ReviewObjectMixin, ReviewPagesMixin, TemplateView):
    template_name = "reviews/review_detail.html"

    def get_context_data(self, **kwargs):
        review = self.review
        missing = missing_dimensions(review)
        return super().get_context_data(
            review=review,
            child=review.child,
            other_reviews=review.child.reviews.exclude(pk=review.pk)
            .select_related("partnership")  # for their links, in the same query
            .order_by("incident_month"),
            missing=missing,
            child_rows=detail_rows(review, dimensions.CHILD),
            review_rows=detail_rows(review, dimensions.REVIEW),
            missing_links=[(change_url(review, field), question) for field, question in missing],
            history=selectors.change_history(review),
            revisions=RevisionsForm.of(review),
            can_change=access.can_change_record(
                self.role, finished=review.status == Status.COMPLETE
            ),
            first_section=section_url(review, dimensions.PAGES[0]),
            check_url=check_url(review),
            **kwargs,
        )

    def after_complete(self, done: bool) -> str:
        return self.review.get_absolute_url()

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
            return redirect(self.after_complete(False))
        except ValidationError:
            messages.error(request, NOT_YET_COMPLETE)
            return redirect(self.after_complete(False))
        messages.success(request, "The review is marked complete")
        return redirect(self.after_complete(True))


class ReviewCheckView(ReviewDetailView):
    """/check/: every answer by section and page with a Change link to its field on its
    page, the rules still broken, and "Mark complete" for a lead."""

    template_name = "reviews/review_check.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(check=check_sections(self.review), **kwargs)

    def after_complete(self, done: bool) -> str:
        return self.review.get_absolute_url() if done else check_url(self.review)


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
