"""Audit pages for partnerships (task list, themes, check and submit, report, exports)
and for Panel staff (cycles, review and moderation). Views join a selector, a form and
a service; rules and access live elsewhere."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from agencies import selectors as agency_selectors
from dashboards.disclosure import MIN_PEER_GROUP
from partnerships import access
from partnerships.exports import csv_sections, xlsx_bytes
from partnerships.mixins import PanelStaffMixin, PartnershipMixin
from partnerships.services import restricted_view_record
from surveys import selectors as survey_selectors

from . import rules, selectors, services
from .forms import (
    ACTIONS_MAX,
    ActionFilterForm,
    ActionForm,
    ActionFormSet,
    ActionUpdateForm,
    ConsistencyNoteForm,
    CycleForm,
    FollowThroughFilterForm,
    ItemAnswerForm,
    ModerationForm,
    ReturnForm,
    UnboundModeration,
    moderation_choices,
)
from .models import CYCLE_NAME_PATTERN, ActionRecord, Audit, Cycle, Response, Theme
from .reports import plan_sheets, report_sheets


class CycleMixin:
    """Loads the cycle named in the URL (404 if there is none) and puts it in the context."""

    @cached_property
    def cycle(self) -> Cycle:
        try:
            return selectors.get_cycle(self.kwargs["cycle"])
        except Cycle.DoesNotExist:
            raise Http404("No such cycle") from None

    def get_context_data(self, **kwargs):
        kwargs["cycle"] = self.cycle  # the object, in place of the URL's name
        return super().get_context_data(**kwargs)


class AuditMixin(CycleMixin, PartnershipMixin):
    """Loads the partnership (404 unless visible), its role, the cycle and the audit if any:
    the cycle and the audit in one query when there is an audit."""

    @cached_property
    def cycle_and_audit(self) -> tuple[Cycle, Audit | None]:
        try:
            return selectors.get_cycle_and_audit(self.kwargs["cycle"], partnership=self.partnership)
        except Cycle.DoesNotExist:
            raise Http404("No such cycle") from None

    @cached_property
    def cycle(self) -> Cycle:
        return self.cycle_and_audit[0]

    @cached_property
    def audit(self) -> Audit | None:
        return self.cycle_and_audit[1]

    def require_audit(self) -> Audit:
        if self.audit is None:
            raise Http404("Audit not started")
        return self.audit

    @property
    def can_change_answers(self) -> bool:
        return (
            self.audit is not None
            and access.can_edit(self.role)
            and self.audit.takes_changes_on(timezone.localdate())
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            audit=self.audit,
            can_change_answers=self.can_change_answers,
            cycle_open=self.cycle.is_open(timezone.localdate()),
            **kwargs,
        )


class AuditIndexView(PartnershipMixin, TemplateView):
    """Every cycle with this partnership's audit status."""

    template_name = "audits/audit_index.html"

    def get_context_data(self, **kwargs):
        audits = {a.cycle_id: a for a in Audit.objects.for_partnership(self.partnership)}
        cycles = [(cycle, audits.get(cycle.pk)) for cycle in selectors.current_cycles()]
        return super().get_context_data(cycles=cycles, today=timezone.localdate(), **kwargs)


class TaskListView(AuditMixin, TemplateView):
    template_name = "audits/audit_task_list.html"

    def get_context_data(self, **kwargs):
        context = {}
        if self.audit is not None:
            tasks = selectors.task_list(self.audit)
            for row in tasks["rows"]:
                # Why a theme is in progress: how many of its items still break a rule.
                row["breaking"] = rules.items_breaking(
                    b for b in tasks["breaches"] if b.response.item.theme_id == row["theme"].pk
                )
            events = selectors.timeline(self.audit)
            context.update(
                tasks=tasks,
                return_reason=selectors.latest_return_reason(self.audit, events)
                if self.audit.status == Audit.Status.RETURNED
                else "",
                events=events,
            )
        else:
            context["previous"] = services.previous_audit(
                partnership=self.partnership, cycle=self.cycle
            )
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        """Start the audit, copying the last cycle's answers if asked."""
        carry = request.POST.get("carry_forward") == "yes"
        try:
            services.audit_start(
                partnership=self.partnership, cycle=self.cycle, by=request.user, carry_forward=carry
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                "Audit started. Answers copied from your last audit are marked "
                "'carried forward' until you confirm or change them"
                if carry
                else "Audit started",
            )
        return redirect(request.path)


def rebound(data, keep, key, prefix, revision, shown):
    """What one item's form is bound to. Without a conflict (`keep` None): what was posted.
    On a page shown again after a conflict: what was posted, with the stored revision and
    fingerprint, for the items the person changed (`keep`); None, so the stored values show,
    for the rest."""
    if keep is None:
        return data
    if key not in keep:
        return None
    data[f"{prefix}-revision"] = str(revision)
    data[f"{prefix}-shown"] = shown
    return data


def own_evidence(role, audit, responses) -> dict:
    """item id -> ItemEvidence (the figure from the partnership's own reviews, its flag and
    the lead's note) for a member's page of the audit; nothing for anyone else. One query on
    an audit whose version has evidence rules, none on any other."""
    if not access.sees_own_review_figures(role):
        return {}
    return selectors.audit_evidence(audit, responses, timezone.localdate())


@dataclass
class ItemBlock:
    """Everything the theme page shows for one item."""

    response: Response
    form: ItemAnswerForm
    actions: ActionFormSet
    breaches: list = field(default_factory=list)  # the rules its stored answer breaks
    closed_before: list = field(default_factory=list)  # the last plan's done and dropped lines
    evidence: selectors.ItemEvidence | None = None  # its figure from the partnership's reviews
    spread: object = None  # the agencies' ratings beside the partnership's (agencies.spread)

    @property
    def item(self):
        return self.response.item


def _line_id(value) -> int | None:
    """The id of the plan line an action form edits, as posted or as shown (else None)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ThemeView(AuditMixin, TemplateView):
    template_name = "audits/theme_form.html"

    @cached_property
    def themes(self) -> list[Theme]:
        """The version's themes in order: this one and the next."""
        return selectors.version_themes(self.cycle.version)

    @cached_property
    def theme(self) -> Theme:
        theme = next((t for t in self.themes if t.number == self.kwargs["number"]), None)
        if theme is None:
            raise Http404("No such theme")
        return theme

    def get(self, request, *args, **kwargs):
        self.require_audit()
        blocks = self.blocks(None)
        return self.render_page(blocks, show_errors=False, breaches=self.breaches(blocks))

    @staticmethod
    def breaches(blocks):
        """The rules the stored answers still break, once the theme is started: a save never
        refuses them, so the page says which items break which rule after every save."""
        responses = [block.response for block in blocks]
        if not any(response.is_started for response in responses):
            return []
        breaches = rules.broken_rules(responses)
        for block in blocks:
            block.breaches = [b for b in breaches if b.response is block.response]
        return breaches

    def post(self, request, *args, **kwargs):
        audit = self.require_audit()
        if not self.can_change_answers:
            raise PermissionDenied
        data = request.POST.copy()
        if "add_action" in data:
            prefix = f"i{data['add_action']}-actions"
            if f"{prefix}-TOTAL_FORMS" in data:
                count = posted_action_count(data, prefix)
                data[f"{prefix}-TOTAL_FORMS"] = str(min(count + 1, ACTIONS_MAX))
            return self.render_page(self.blocks(data), show_errors=False)
        if "remove_action" in data:
            data[f"{data['remove_action']}-DELETE"] = "on"
            return self.render_page(self.blocks(data), show_errors=False)
        blocks = self.blocks(data)
        if not all(block.form.is_valid() and block.actions.is_valid() for block in blocks):
            return self.render_page(blocks, show_errors=True)
        answers, revisions = self.answers(blocks)
        try:
            services.theme_save(
                audit=audit,
                theme=self.theme,
                answers=answers,
                seen_revisions=revisions,
                by=request.user,
            )
        except services.ThemeConflict as conflict:
            # Keep what they changed, now against what is stored; show the rest as stored.
            typed = {item_id for item_id, answer in answers.items() if answer.changed_on_page()}
            return self.render_page(
                self.blocks(data, keep=typed), show_errors=False, conflict=conflict.responses
            )
        except ValidationError as error:
            # Locked or closed since the page was loaded: say so, keeping what was typed.
            first = rating_target(blocks[0].form) if blocks else "main-content"
            return self.render_page(
                blocks, show_errors=True, errors=[(first, message) for message in error.messages]
            )
        saved = Response.objects.for_theme(audit, self.theme)
        breaking = rules.items_breaking(rules.broken_rules(saved))
        if not breaking:
            messages.success(request, f"Theme {self.theme.number} saved")
            if data.get("action") == "continue":
                return redirect(self.next_url())
            return redirect(audit.get_absolute_url())
        messages.success(request, saved_message(self.theme.number, breaking))
        if data.get("action") == "continue":
            # Stay on the theme, which lists the items that still break a rule.
            return redirect(f"{request.path}#rule-breaches")
        return redirect(audit.get_absolute_url())

    @cached_property
    def next_theme(self) -> int | None:
        return next((t.number for t in self.themes if t.number > self.theme.number), None)

    def next_url(self):
        kwargs = {"slug": self.partnership.slug, "cycle": self.cycle.name}
        if self.next_theme is None:
            return reverse("audits:check", kwargs=kwargs)
        return reverse("audits:theme", kwargs={**kwargs, "number": self.next_theme})

    def blocks(self, data, keep=None) -> list[ItemBlock]:
        """A block per item, bound to `data` when given. With `keep` (after a conflict) only
        those items are bound, to what was posted but with the revision and what-was-shown
        of what is stored now; every other item shows what is stored now."""
        blocks = []
        # Whether the partnership has agencies comes with the responses: no query of its own.
        responses = Response.objects.for_theme(self.audit, self.theme).annotate(
            agencies_exist=agency_selectors.has_agencies(self.partnership)
        )
        for response in responses:
            prefix = f"i{response.item_id}"
            actions = [ActionForm.initial_for(action) for action in response.action_list]
            if not actions and response.rating not in rules.EVIDENCE_RULE.levels:
                actions = [{}]  # a blank line to fill in, unless the rating needs no plan
            shown = services.answer_shown(response)
            bound = rebound(data, keep, response.item_id, prefix, response.revision, shown)
            form = ItemAnswerForm(
                bound,
                prefix=prefix,
                levels=self.levels,
                response=response,
                initial={
                    "rating": response.rating,
                    "evidence": response.evidence,
                    "revision": response.revision,
                    "shown": shown,
                },
            )
            formset = ActionFormSet(
                bound,
                prefix=f"{prefix}-actions",
                initial=actions,
                form_kwargs={"item": response.item},
            )
            lines = {line.pk: line for line in response.action_list}
            for action_form in formset.forms:
                action_form.is_removed = bool(bound and bound.get(action_form.add_prefix("DELETE")))
                action_form.line = lines.get(_line_id(action_form["id"].value()))
            blocks.append(ItemBlock(response=response, form=form, actions=formset))
        closed = selectors.closed_before(self.audit, [block.item.ref for block in blocks])
        for block in blocks:
            block.closed_before = closed.get(block.item.ref, [])
        return blocks

    @staticmethod
    def answers(blocks):
        answers, revisions = {}, {}
        for block in blocks:
            cleaned = block.form.cleaned_data
            lines = [
                services.ActionLine(
                    id=form.cleaned_data.get("id"),
                    what=form.cleaned_data.get("what", ""),
                    owner=form.cleaned_data.get("owner", ""),
                    due_month=form.cleaned_data.get("due"),
                )
                for form in block.actions.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            answers[block.item.pk] = services.ItemAnswer(
                rating=cleaned["rating"],
                evidence=cleaned["evidence"].strip(),
                actions=lines,
                confirm_carried_forward=cleaned["confirm"],
                shown=cleaned["shown"] or None,
            )
            revisions[block.item.pk] = cleaned["revision"]
        return answers, revisions

    @cached_property
    def levels(self):
        return selectors.version_levels(self.cycle.version)

    def render_page(self, blocks, *, show_errors, conflict=None, errors=(), breaches=()):
        errors = list(errors)
        if show_errors:
            for block in blocks:
                for name, field_errors in block.form.errors.items():
                    target = block.form[name].auto_id
                    if name == "rating":
                        target = rating_target(block.form)
                    errors += [(target, f"{block.item.ref}: {e}") for e in field_errors]
                actions = block.actions
                if actions.non_form_errors():
                    target = (
                        actions.forms[0]["what"].auto_id if actions.forms else block.item.anchor
                    )
                    errors += [
                        (target, f"{block.item.ref}: {e}") for e in actions.non_form_errors()
                    ]
                for form in actions.forms:
                    if form.is_removed:
                        continue
                    for name, field_errors in form.errors.items():
                        target = form[name].auto_id if name != "__all__" else form["what"].auto_id
                        if name == "due":
                            target += "_0"  # the month input, first of the two
                        errors += [(target, f"{block.item.ref}: {e}") for e in field_errors]
        else:
            for block in blocks:
                block.form.hide_errors()
                for form in block.actions.forms:
                    form.hide_errors()
        found = own_evidence(self.role, self.audit, [block.response for block in blocks])
        for block in blocks:
            block.evidence = found.get(block.item.pk)
        agencies = []
        if blocks and blocks[0].response.agencies_exist:
            agencies, spreads = agency_selectors.spreads(
                self.partnership, [block.response for block in blocks]
            )
            for block in blocks:
                block.spread = spreads.get(block.response.pk)
        return self.render_to_response(
            self.get_context_data(
                theme=self.theme,
                blocks=blocks,
                agencies=agencies,
                has_evidence=bool(found),
                survey_figures=survey_selectors.item_figures(self.partnership, self.cycle),
                level_map={level.value: level for level in self.levels},
                show_errors=show_errors,
                error_list=errors,
                conflict=conflict,
                actions_max=ACTIONS_MAX,
                breaches=breaches,
                breaking=rules.items_breaking(breaches),
                next_theme=self.next_theme,
                next_url=self.next_url(),
                action_rule=rules.ACTION_RULE,
            )
        )


def saved_message(number, breaking) -> str:
    items = "1 item still breaks" if breaking == 1 else f"{breaking} items still break"
    return f"Theme {number} saved. {items} a rule, so the theme is not complete yet"


def rating_target(form) -> str:
    """The id of an item's first rating radio (crispy numbers the radios from 1)."""
    return f"id_{form['rating'].html_name}_1"


def posted_action_count(data, prefix) -> int:
    """How many action lines the page posted for an item: its TOTAL_FORMS, or if that was
    forged into something other than a small number, the lines actually present."""
    raw = data.get(f"{prefix}-TOTAL_FORMS", "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 4:
        return int(raw)
    return sum(f"{prefix}-{n}-what" in data for n in range(ACTIONS_MAX))


class CheckView(AuditMixin, TemplateView):
    template_name = "audits/audit_check.html"

    @property
    def can_lead_audit(self) -> bool:
        """A lead, while the audit takes changes: submits it, and writes notes for the Panel."""
        return access.can_lead(self.role) and self.can_change_answers

    def get_context_data(self, *, notes=None, keep=None, **kwargs):
        """The page; with `notes` (posted) the notes' forms bound to them, or after a
        conflict only those of the items in `keep`, the rest as stored."""
        audit = self.require_audit()
        check = selectors.check_answers(audit)
        rows = [row for group in check["themes"] for row in group.rows]
        found = own_evidence(self.role, audit, [row.response for row in rows])
        for group in check["themes"]:
            theme_url = self.theme_url(group.theme)  # one reverse a theme, not one an item
            for row in group.rows:
                row.change_url = f"{theme_url}#{row.item.anchor}"
        # Flagged items, and any mapped item with a note from when it was (so the lead can
        # change or clear a note whose flag has gone).
        flagged = [
            (row, found[row.item.pk])
            for row in rows
            if row.item.pk in found and (found[row.item.pk].flagged or found[row.item.pk].note)
        ]
        note_forms = self.note_forms(flagged, notes, keep) if self.can_lead_audit else {}
        count = len(check["breaches"])
        return super().get_context_data(
            check=check,
            broken_title=f"{count} thing{'' if count == 1 else 's'} to fix before you can submit",
            broken=[
                (row.change_url, breach.message)
                for group in check["themes"]
                for row in group.rows
                for breach in row.breaches
            ],
            level_map=selectors.level_map(self.cycle.version),
            can_submit=self.can_lead_audit,
            rules=[rule.text() for rule in rules.RULES],
            item_evidence=found,
            flagged=[(row, shown, note_forms.get(row.item.pk)) for row, shown in flagged],
            flagged_count=sum(1 for _row, shown in flagged if shown.flagged),
            note_forms=note_forms,
            note_errors=[],
            changed_meanwhile=set(),  # items whose note someone else saved meanwhile
            **kwargs,
        )

    @staticmethod
    def note_forms(flagged, data, keep) -> dict:
        """item id -> the lead's note form of each flagged item: bound to `data` when posted;
        after a conflict (`keep`), the items typed in are bound to what was typed against the
        note stored now, and the rest show what is stored."""
        forms = {}
        for row, shown in flagged:
            prefix, bound = f"n{row.item.pk}", data
            if keep is not None:
                bound = data if row.item.pk in keep else None
                if bound is not None:
                    bound[f"{prefix}-seen"] = shown.note
            forms[row.item.pk] = ConsistencyNoteForm(
                bound,
                prefix=prefix,
                ref=row.item.ref,
                initial={"note": shown.note, "seen": shown.note},
            )
        return forms

    def theme_url(self, theme) -> str:
        """The theme's page, where its items' answers are changed."""
        kwargs = {"slug": self.partnership.slug, "cycle": self.cycle.name, "number": theme.number}
        return reverse("audits:theme", kwargs=kwargs)

    def post(self, request, *args, **kwargs):
        audit = self.require_audit()
        if "save_notes" in request.POST:
            return self.save_notes(request, audit)
        try:
            services.audit_submit(audit=audit, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect(request.path)
        return redirect("audits:submitted", slug=self.partnership.slug, cycle=self.cycle.name)

    def save_notes(self, request, audit):
        """Save the lead's notes on the flagged ratings; refused, keeping what was typed, if
        a note changed since the page showed it."""
        if not self.can_lead_audit:
            raise PermissionDenied
        data = request.POST.copy()
        context = self.get_context_data(notes=data)
        forms = context["note_forms"]
        if not all(form.is_valid() for form in forms.values()):
            context["note_errors"] = [
                (form["note"].auto_id, message)
                for form in forms.values()
                for message in form.errors.get("note", [])
            ]
            return self.render_to_response(context)
        try:
            changed = services.consistency_notes_save(
                audit=audit,
                notes={pk: form.cleaned_data["note"] for pk, form in forms.items()},
                seen={pk: form.cleaned_data["seen"] for pk, form in forms.items()},
                by=request.user,
            )
        except ValidationError as error:
            # Changed meanwhile, or locked or closed: say so, keeping what was typed.
            typed = {
                pk
                for pk, form in forms.items()
                if services.consistency_note_changed(
                    form.cleaned_data["note"], form.cleaned_data["seen"]
                )
            }
            context = self.get_context_data(notes=data, keep=typed)
            problems = [
                (problem, (problem.params or {}).get("item_id")) for problem in error.error_list
            ]
            context["note_errors"] = [
                (note_target(context["note_forms"], item_id), message)
                for problem, item_id in problems
                for message in problem.messages
            ]
            context["changed_meanwhile"] = {item_id for _, item_id in problems if item_id}
            return self.render_to_response(context)
        messages.success(request, "Notes for the Panel saved" if changed else "No note was changed")
        return redirect(f"{request.path}#consistency")


def note_target(forms: dict, item_id) -> str:
    """Where an error about a lead's note links to: its item's note, else the first note."""
    form = forms.get(item_id) or next(iter(forms.values()), None)
    return form["note"].auto_id if form else "consistency"


class SubmittedView(AuditMixin, TemplateView):
    """The confirmation after submitting; only shown while the audit is with the Panel."""

    template_name = "audits/audit_submitted.html"

    def get(self, request, *args, **kwargs):
        audit = self.require_audit()
        if audit.status != Audit.Status.SUBMITTED:
            return redirect(audit.get_absolute_url())
        return super().get(request, *args, **kwargs)


class ReportView(AuditMixin, TemplateView):
    template_name = "audits/audit_report.html"

    def get_context_data(self, **kwargs):
        audit = self.require_audit()
        themes = selectors.themes_with_responses(audit)
        responses = [
            r for theme in themes for item in theme.audit_items for r in item.audit_responses
        ]
        return super().get_context_data(
            themes=themes,
            item_evidence=own_evidence(self.role, audit, responses),
            spreads=agency_selectors.spreads(self.partnership, responses)[1],
            survey_figures=survey_selectors.item_figures(self.partnership, self.cycle),
            scores=selectors.audit_scores(audit, themes),
            level_map=selectors.level_map(self.cycle.version),
            events=selectors.timeline(audit),
            **kwargs,
        )


class ExportView(AuditMixin, TemplateView):
    fmt = "csv"

    def get(self, request, *args, **kwargs):
        audit = self.require_audit()
        name = f"audit-{self.partnership.slug}-{self.cycle.name}"
        if self.fmt == "csv":
            response = HttpResponse(
                csv_sections(report_sheets(audit)), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                xlsx_bytes(report_sheets(audit)),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{self.fmt}"'
        return response


# Panel -------------------------------------------------------------------------------


class CycleListView(PanelStaffMixin, TemplateView):
    template_name = "audits/cycle_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            cycles=selectors.cycles_with_counts(), today=timezone.localdate(), **kwargs
        )


class CycleCreateView(PanelStaffMixin, FormView):
    template_name = "audits/cycle_form.html"
    form_class = CycleForm

    def form_valid(self, form):
        try:
            cycle = services.cycle_open(
                name=form.cleaned_data["name"],
                version=form.cleaned_data["version"],
                opens_on=form.cleaned_data["opens_on"],
                closes_on=form.cleaned_data["closes_on"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error("name", error)
            return self.form_invalid(form)
        messages.success(self.request, f"Cycle {cycle.name} opened")
        return redirect("panel:cycle", cycle=cycle.name)


# Above the kept figures on the Panel's audit page (templates/includes/restricted_marker.html).
EVIDENCE_WARNING = (
    "Restricted: the figures from the partnership's own reviews are not protected; do not "
    "copy them into anything you share"
)


def not_borne_out(themes, found: dict) -> list:
    """The items whose kept check flagged the rating, in the page's order."""
    return [
        item
        for theme in themes
        for item in theme.audit_items
        if (evidence := found.get(item.pk)) is not None and evidence.flagged
    ]


class PanelAuditView(CycleMixin, PanelStaffMixin, TemplateView):
    """Read the whole audit, moderate each item, and return or accept it.

    The page is one form: Save, Accept and Return all save the moderated ratings and notes
    changed on it, in the same transaction as the decision. If anything is invalid, or
    someone else changed meanwhile a moderation this person changed too, nothing is saved
    and the page is shown again with every value they changed.

    On a submitted or accepted audit of a version with evidence rules, each mapped item shows
    the figure kept at submission, its flag and the lead's note, with the flagged ratings
    listed at the top: a restricted view, recorded each time the page shows them.
    """

    template_name = "audits/panel_audit.html"

    @cached_property
    def audit(self) -> Audit:
        """The audit of the partnership named in the URL in the cycle named (404 if none):
        one query, the partnership and the cycle with its version coming with it."""
        name = self.kwargs["cycle"]
        if not CYCLE_NAME_PATTERN.fullmatch(name):
            raise Http404("No such cycle")  # as get_cycle: never a query with a NUL byte
        return get_object_or_404(
            Audit.objects.select_related("partnership", "cycle__version__framework"),
            partnership__slug=self.kwargs["slug"],
            cycle__name=name,
        )

    @cached_property
    def cycle(self) -> Cycle:
        return self.audit.cycle

    @cached_property
    def levels(self):
        return selectors.version_levels(self.cycle.version)

    @property
    def can_moderate(self) -> bool:
        return self.audit.status in (Audit.Status.SUBMITTED, Audit.Status.ACCEPTED)

    def moderation_forms(self, themes, data=None, keep=None) -> dict:
        """A form per response (keyed by its id), bound to `data` when given. With `keep`
        (after a conflict) only those responses are bound, to what was posted but with the
        revision and what-was-shown of what is stored now; the rest show what is stored.
        Without `data` (the page as first shown) each is an UnboundModeration, which shows
        the same fields without building a form."""
        if not self.can_moderate:
            return {}
        forms = {}
        choices = moderation_choices(self.levels)
        for theme in themes:
            for item in theme.audit_items:
                for response in item.audit_responses:
                    prefix = f"m{response.pk}"
                    shown = services.moderation_shown(response)
                    initial = {
                        "rating": response.moderated_rating,
                        "note": response.moderation_note,
                        "revision": response.moderation_revision,
                        "shown": shown,
                    }
                    if data is None:
                        forms[response.pk] = UnboundModeration(prefix, item.ref, choices, initial)
                        continue
                    bound = rebound(
                        data, keep, response.pk, prefix, response.moderation_revision, shown
                    )
                    forms[response.pk] = ModerationForm(
                        bound, prefix=prefix, levels=self.levels, response=response, initial=initial
                    )
        return forms

    def get(self, request, *args, **kwargs):
        themes = selectors.themes_with_responses(self.audit)
        return self.render_page(themes, self.moderation_forms(themes), ReturnForm())

    def post(self, request, *args, **kwargs):
        audit = self.audit
        themes = selectors.themes_with_responses(audit)
        data = request.POST
        forms = self.moderation_forms(themes, data)
        returning = "return" in data
        # A reason typed before pressing another button is shown again, though not checked.
        return_form = (
            ReturnForm(data) if returning else ReturnForm(initial={"reason": data.get("reason")})
        )
        valid = [form.is_valid() for form in forms.values()]
        if not all(valid) or (returning and not return_form.is_valid()):
            return self.render_page(themes, forms, return_form, show_errors=True)
        # Only what the page posted: a response whose fields were not sent is left alone.
        moderations = {
            pk: form.moderation()
            for pk, form in forms.items()
            if form.add_prefix("revision") in data
        }
        name = audit.partnership.name
        try:
            if returning:
                reason = return_form.cleaned_data["reason"]
                services.audit_return(
                    audit=audit, by=request.user, reason=reason, moderations=moderations
                )
                done = f"The audit has been returned to {name}"
            elif "accept" in data:
                services.audit_accept(audit=audit, by=request.user, moderations=moderations)
                done = f"The audit of {name} has been accepted"
            else:
                count = services.moderation_save(
                    audit=audit, moderations=moderations, by=request.user
                )
                done = f"Moderated ratings saved ({count} changed)"
        except services.ModerationConflict as conflict:
            # Keep what they changed, now against what is stored; show the rest as stored.
            typed = {pk for pk, moderation in moderations.items() if moderation.changed_on_page()}
            themes = selectors.themes_with_responses(audit)
            forms = self.moderation_forms(themes, data.copy(), keep=typed)
            return self.render_page(themes, forms, return_form, conflict=conflict.responses)
        except ValidationError as error:
            errors = [("audit-status", message) for message in error.messages]
            return self.render_page(themes, forms, return_form, errors=errors)
        messages.success(request, done)
        return redirect(request.path)

    def kept_evidence(self, themes) -> dict:
        """item id -> ItemEvidence kept when the audit was submitted, for someone who may
        read these figures (partnerships.access); empty for a version without evidence, an
        audit neither submitted nor accepted, or anyone else. One query, or none."""
        audit = self.audit
        if audit.status not in services.SCORED_STATUSES:
            return {}
        if not access.sees_kept_evidence(self.request.user):
            return {}
        responses = [
            response
            for theme in themes
            for item in theme.audit_items
            for response in item.audit_responses
        ]
        return selectors.audit_evidence(audit, responses, timezone.localdate())

    def record_view(self, found: dict, flagged: list) -> None:
        """Kept figures are one partnership's unperturbed review counts: each page showing
        them, on a GET or a POST shown again, is a restricted view, recorded."""
        if not found:
            return
        audit = self.audit
        restricted_view_record(
            user=self.request.user,
            path=self.request.path,
            filters={"partnership": audit.partnership.slug, "cycle": audit.cycle.name},
            summary=(
                f"Panel audit of {audit.partnership.name}, {audit.cycle.name}: "
                f"{len(found)} figures from its reviews, {len(flagged)} ratings flagged"
            ),
        )

    def render_page(
        self, themes, forms, return_form, *, show_errors=False, errors=(), conflict=None
    ):
        found = self.kept_evidence(themes)
        flagged = not_borne_out(themes, found)
        self.record_view(found, flagged)
        errors = list(errors)
        if show_errors:
            for form in forms.values():
                for name, field_errors in form.errors.items():
                    errors += [(form[name].auto_id, f"{form.item.ref}: {e}") for e in field_errors]
            for name, field_errors in return_form.errors.items():
                errors += [(return_form[name].auto_id, e) for e in field_errors]
        audit = self.audit
        return self.render_to_response(
            self.get_context_data(
                audit=audit,
                partnership=audit.partnership,
                themes=themes,
                scores=selectors.audit_scores(audit, themes),
                levels=self.levels,
                level_map={level.value: level for level in self.levels},
                events=selectors.timeline(audit),
                return_form=return_form,
                moderation_forms=forms,
                can_moderate=self.can_moderate,
                error_list=errors,
                conflict=conflict,
                evidence=found,
                spreads=agency_selectors.spreads(
                    audit.partnership,
                    [
                        r
                        for theme in themes
                        for item in theme.audit_items
                        for r in item.audit_responses
                    ],
                )[1],
                not_borne_out=flagged,
                evidence_warning=EVIDENCE_WARNING,
            )
        )


class ActionUpdateView(PartnershipMixin, FormView):
    """One action: what each plan held, its status and history; contributors and leads record
    its status and progress here at any time. Viewers and Panel staff read it; their posts
    are refused (403) before the form is read."""

    template_name = "audits/action_form.html"
    form_class = ActionUpdateForm
    conflict = None

    @cached_property
    def record(self) -> ActionRecord:
        try:
            return selectors.get_action_record(self.partnership, self.kwargs["pk"])
        except ActionRecord.DoesNotExist:
            raise Http404("No such action") from None

    @property
    def can_update(self) -> bool:
        return access.can_update_actions(self.role)

    def post(self, request, *args, **kwargs):
        if not self.can_update:
            raise PermissionDenied
        self.record  # noqa: B018 (404 for another partnership's action, before the form)
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        record = self.record
        return {
            "status": record.status,
            "reason": record.dropped_reason,
            "revision": record.revision,
        }

    def get_context_data(self, **kwargs):
        record = self.record
        return super().get_context_data(
            record=record,
            lines=selectors.action_lines(record),
            history=selectors.action_history(record),
            can_update=self.can_update,
            conflict=self.conflict,
            today=timezone.localdate(),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.action_update(
                record=self.record,
                status=data["status"],
                reason=data["reason"],
                note=data["note"],
                seen_revision=data["revision"],
                by=self.request.user,
            )
        except services.ActionConflict as conflict:
            # Keep what was typed, on the revision now stored, so saving again overwrites
            # knowingly.
            self.conflict = conflict.record
            form.data = form.data.copy()
            form.data["revision"] = str(conflict.record.revision)
            del self.record
            return self.render_to_response(self.get_context_data(form=form))
        except ValidationError as error:
            form.add_error("reason" if error.code == "reason" else None, error)
            return self.form_invalid(form)
        messages.success(self.request, "Action updated")
        return redirect(self.success_url_for(self.record))

    def success_url_for(self, record) -> str:
        plan = reverse("audits:actions", kwargs={"slug": self.partnership.slug})
        return f"{plan}#action-{record.pk}"


class ActionPlanMixin(PartnershipMixin):
    """The plan's filters, read from the query string, with what they offer."""

    @cached_property
    def themes(self) -> list[Theme]:
        return selectors.plan_themes(self.partnership)

    @cached_property
    def filter_form(self) -> ActionFilterForm:
        query = {k: v for k, v in self.request.GET.items() if k != "page"}
        return ActionFilterForm(
            query or None,
            themes=self.themes,
            owners=selectors.plan_owners(self.partnership),
        )

    @cached_property
    def filters(self) -> dict:
        return self.filter_form.values()


class ActionPlanView(ActionPlanMixin, TemplateView):
    """Every action of the partnership across cycles, filtered, 50 to a page, with how many
    are overdue, due soon, open, done and dropped."""

    template_name = "audits/action_list.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        page, rows = selectors.plan_page(
            self.partnership, self.filters, today, self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        peers, peers_counted_at = selectors.peer_follow_through(
            self.partnership, today, self.themes
        )
        return super().get_context_data(
            peers=peers,
            peers_counted_at=peers_counted_at,
            form=self.filter_form,
            page=page,
            rows=rows,
            summary=selectors.plan_summary(self.partnership, today),
            query=query.urlencode(),
            can_update=access.can_update_actions(self.role),
            today=today,
            min_peers=MIN_PEER_GROUP,
            **kwargs,
        )


class ActionExportView(ActionPlanMixin, TemplateView):
    """The actions the plan's filters choose, and their notes, as CSV or XLSX."""

    fmt = "csv"

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        sheets = plan_sheets(selectors.plan_rows(self.partnership, self.filters, today))
        name = f"actions-{self.partnership.slug}-{today:%Y-%m-%d}"
        if self.fmt == "csv":
            response = HttpResponse(csv_sections(sheets), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                xlsx_bytes(sheets),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{self.fmt}"'
        return response


class PanelActionsView(PanelStaffMixin, TemplateView):
    """/panel/actions/: the follow-through of every partnership's committed actions, theme by
    theme nationally and partnership by partnership (in one theme if chosen)."""

    template_name = "audits/panel_actions.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        themes = selectors.follow_through_themes()
        form = FollowThroughFilterForm(self.request.GET or None, themes=themes)
        theme = form.theme_number()
        england = selectors.england_follow_through(today)
        return super().get_context_data(
            form=form,
            national=selectors.national_follow_through(england, themes),
            partnerships=selectors.partnership_follow_through(england, theme),
            counted_at=england.counted_at,
            theme=next((t for t in themes if t.number == theme), None),
            today=today,
            **kwargs,
        )
