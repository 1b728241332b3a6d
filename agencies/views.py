"""A partnership's agencies (/p/<slug>/agencies/) and an agency's answers to a theme."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from audits import selectors as audit_selectors
from audits.models import Response
from audits.views import AuditMixin, rating_target
from partnerships import access
from partnerships.mixins import PartnershipMixin

from . import selectors, services
from .forms import AgencyAnswerForm, AgencyMemberForm, AgencyNameForm
from .models import STATUTORY_AGENCIES, Agency


class AgencyListView(PartnershipMixin, TemplateView):
    """Every member reads the partnership's agencies and who is attached to which; a lead
    adds agencies and attaches members. A GET never writes: until a lead sets them up (or
    adds an agency) the page names the three statutory partners that will be made."""

    template_name = "agencies/agency_list.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(AgencyNameForm(), None)

    def post(self, request, *args, **kwargs):
        if not access.can_manage_agencies(self.role):
            raise PermissionDenied
        if "set_up" in request.POST:
            services.agencies_ensure_defaults(self.partnership)
            messages.success(request, "The statutory partners have been added")
            return redirect(request.path)
        if "attach" in request.POST:
            return self.attach(request)
        form = AgencyNameForm(request.POST)
        if form.is_valid():
            try:
                agency = services.agency_add(
                    partnership=self.partnership, name=form.cleaned_data["name"], by=request.user
                )
            except ValidationError as error:
                form.add_error("name", error)
            else:
                messages.success(request, f"{agency.name} has been added")
                return redirect(request.path)
        return self.render_page(form, None)

    def attach(self, request):
        members = selectors.members_with_agencies(self.partnership)
        agencies = selectors.agency_list(self.partnership)
        form = AgencyMemberForm(request.POST, members=members, agencies=agencies)
        if form.is_valid():
            membership = next(m for m in members if m.pk == form.cleaned_data["membership"])
            agency_id = form.cleaned_data["agency"]
            agency = next((a for a in agencies if a.pk == agency_id), None)
            services.agency_member_set(membership=membership, agency=agency, by=request.user)
            messages.success(
                request,
                f"{membership.user.email} is now attached to {agency.name}"
                if agency
                else f"{membership.user.email} is no longer attached to an agency",
            )
            return redirect(request.path)
        return self.render_page(AgencyNameForm(), form)

    def render_page(self, add_form, member_form):
        agencies = selectors.agency_list(self.partnership)
        members = selectors.members_with_agencies(self.partnership)
        if member_form is None:
            member_form = AgencyMemberForm(members=members, agencies=agencies)
        return self.render_to_response(
            self.get_context_data(
                agencies=agencies,
                statutory=STATUTORY_AGENCIES,
                members=members,
                add_form=add_form,
                member_form=member_form,
                can_manage=access.can_manage_agencies(self.role),
                error_list=[
                    (form[name].auto_id, message)
                    for form in (add_form, member_form)
                    if form.is_bound
                    for name, messages_ in form.errors.items()
                    for message in messages_
                ],
            )
        )


class AgencyChangeView(PartnershipMixin, TemplateView):
    """A lead renames an agency, or removes one that is not statutory and has no answers."""

    template_name = "agencies/agency_change.html"
    minimum_role = access.Role.LEAD

    @cached_property
    def agency(self) -> Agency:
        try:
            return Agency.objects.select_related("partnership").get(
                pk=self.kwargs["pk"], partnership=self.partnership
            )
        except Agency.DoesNotExist:
            raise Http404("No such agency") from None

    def list_url(self):
        return reverse("agencies:list", kwargs={"slug": self.partnership.slug})

    def get(self, request, *args, **kwargs):
        form = AgencyNameForm(initial={"name": self.agency.name}, button="Rename agency")
        return self.render_page(form)

    def post(self, request, *args, **kwargs):
        agency = self.agency
        if "remove" in request.POST:
            try:
                services.agency_remove(agency=agency, by=request.user)
            except ValidationError as error:
                form = AgencyNameForm(initial={"name": agency.name}, button="Rename agency")
                return self.render_page(form, remove_error=error.messages[0])
            messages.success(request, f"{agency.name} has been removed")
            return redirect(self.list_url())
        form = AgencyNameForm(request.POST, button="Rename agency")
        if form.is_valid():
            try:
                services.agency_rename(
                    agency=agency, name=form.cleaned_data["name"], by=request.user
                )
            except ValidationError as error:
                form.add_error("name", error)
            else:
                messages.success(request, f"The agency is now called {agency.name}")
                return redirect(self.list_url())
        return self.render_page(form)

    def render_page(self, form, remove_error=""):
        return self.render_to_response(
            self.get_context_data(agency=self.agency, form=form, remove_error=remove_error)
        )


class AgencyAnswerView(AuditMixin, TemplateView):
    """One agency's own rating and evidence for each item of one theme. Members read it;
    those partnerships.access.can_answer_for_agency allows change it while the audit takes
    changes. The partnership's own answers are on the theme page and are not touched."""

    template_name = "agencies/agency_answers.html"

    @cached_property
    def theme(self):
        themes = audit_selectors.version_themes(self.cycle.version)
        theme = next((t for t in themes if t.number == self.kwargs["number"]), None)
        if theme is None:
            raise Http404("No such theme")
        return theme

    @cached_property
    def agency(self) -> Agency:
        try:
            return Agency.objects.get(pk=self.kwargs["pk"], partnership=self.partnership)
        except Agency.DoesNotExist:
            raise Http404("No such agency") from None

    @property
    def can_answer(self) -> bool:
        if not self.can_change_answers:
            return False
        attached = services.attached_agency_id(self.request.user, self.partnership)
        return access.can_answer_for_agency(
            self.role, attached_agency_id=attached, agency_id=self.agency.pk
        )

    def theme_url(self):
        return reverse(
            "audits:theme",
            kwargs={
                "slug": self.partnership.slug,
                "cycle": self.cycle.name,
                "number": self.theme.number,
            },
        )

    def rows(self, data=None):
        responses = list(
            Response.objects.filter(audit=self.audit, item__theme=self.theme)
            .select_related("item")
            .order_by("item__order")
        )
        stored = selectors.theme_answers(self.agency, responses)
        levels = audit_selectors.version_levels(self.cycle.version)
        rows = []
        for response in responses:
            answer = stored.get(response.pk)
            form = AgencyAnswerForm(
                data,
                prefix=f"i{response.item_id}",
                levels=levels,
                item=response.item,
                agency=self.agency,
                initial={
                    "rating": answer.rating if answer else None,
                    "evidence": answer.evidence if answer else "",
                    "revision": answer.revision if answer else 0,
                },
            )
            rows.append((response, answer, form))
        return rows

    def get(self, request, *args, **kwargs):
        self.require_audit()
        return self.render_page(self.rows())

    def post(self, request, *args, **kwargs):
        audit = self.require_audit()
        if not self.can_answer:
            raise PermissionDenied
        rows = self.rows(request.POST)
        if not all(form.is_valid() for _, _, form in rows):
            return self.render_page(rows, show_errors=True)
        answers = {
            response.item_id: services.AgencyItemAnswer(
                rating=form.cleaned_data["rating"], evidence=form.cleaned_data["evidence"].strip()
            )
            for response, _, form in rows
        }
        revisions = {response.item_id: form.cleaned_data["revision"] for response, _, form in rows}
        try:
            services.agency_answers_save(
                audit=audit,
                agency=self.agency,
                theme=self.theme,
                answers=answers,
                seen_revisions=revisions,
                by=request.user,
            )
        except services.AgencyConflict as conflict:
            return self.render_page(self.rows(), conflict=conflict.answers)
        except ValidationError as error:
            return self.render_page(
                rows, errors=[("main-content", message) for message in error.messages]
            )
        messages.success(
            request, f"{self.agency.name}'s answers to theme {self.theme.number} saved"
        )
        return redirect(self.theme_url())

    def render_page(self, rows, *, show_errors=False, errors=(), conflict=None):
        errors = list(errors)
        for _, _, form in rows:
            if show_errors:
                for name, field_errors in form.errors.items():
                    target = rating_target(form) if name == "rating" else form[name].auto_id
                    errors += [(target, f"{form.item.ref}: {e}") for e in field_errors]
        return self.render_to_response(
            self.get_context_data(
                theme=self.theme,
                agency=self.agency,
                rows=rows,
                can_answer=self.can_answer,
                error_list=errors,
                conflict=conflict,
                theme_url=self.theme_url(),
                level_map=audit_selectors.level_map(self.cycle.version),
                today=timezone.localdate(),
            )
        )
