"""Every change to cycles and audits. Each runs in a transaction and records who and when.

Who may do what is asked of partnerships.access; these functions refuse anything else
with PermissionDenied (the view shows 403) or ValidationError (shown to the person).
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Message
from notifications.services import message_queue
from partnerships import access
from partnerships.models import Membership, User

from . import evidence, means, rules, selectors
from .models import (
    CYCLE_NAME_PATTERN,
    Action,
    ActionNote,
    ActionRecord,
    Audit,
    AuditEvent,
    AuditMean,
    Cycle,
    EvidenceCheck,
    FrameworkVersion,
    Response,
    Theme,
)
from .querysets import SCORED

CYCLE_CLOSED = "The {cycle} cycle closed on {date:%-d %B %Y}. Its audits can no longer change"
CYCLE_NOT_OPEN = "The {cycle} cycle opens on {date:%-d %B %Y}"
AUDIT_LOCKED = "This audit has been {status} and cannot be changed"
ALREADY_STARTED = "This partnership has already started its audit for {cycle}"
NOT_SUBMITTABLE = "Only a draft or returned audit can be submitted"
RULES_BROKEN = "The audit cannot be submitted until every rule is met"
NOT_SUBMITTED = "Only a submitted audit can be returned or accepted"
REASON_REQUIRED = "Enter the reason for returning the audit"
NOT_MODERATABLE = "Moderated ratings can be set only on a submitted or accepted audit"
RATING_INVALID = "Select a rating from {lowest} to {highest}"
CYCLE_NAME_TAKEN = "There is already a cycle called {name}"
CYCLE_DATES = "The closing date must be on or after the opening date"
VERSION_NOT_PUBLISHED = "Only a published framework version can be used for a cycle"
CYCLE_NAME_FORMAT = "Enter the cycle name as a year range, like 2027-28"
DROPPED_REASON_REQUIRED = "Enter why the action was dropped"
NOTHING_TO_SAVE = "Choose a different status or enter a progress note"
STATUS_INVALID = "Select the action's status"
LINE_CARRIED = (
    "Action {n} of item {ref} is carried from an earlier plan. To stop it, mark it dropped "
    "in the action plan"
)
NOTE_CHANGED = (
    "Someone else changed the note on item {ref} while you were writing yours. The saved "
    "note is shown above yours: check it, then save again"
)
LINE_HAS_PROGRESS = (
    "Action {n} of item {ref} has progress recorded. Mark it dropped in the action plan instead"
)


@dataclass
class ActionLine:
    what: str
    owner: str
    due_month: date | None
    id: int | None = None


def _plain(text: str) -> str:
    """Text as compared for "did the person change it": new lines as a browser may send them
    (CRLF, CR or LF) read alike, and space at either end ignored, as it is never stored."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _digest(values) -> str:
    return hashlib.blake2b(json.dumps(values).encode(), digest_size=16).hexdigest()


def _lines_shown(lines) -> list:
    return [
        [line.id, _plain(line.what), _plain(line.owner), str(line.due_month or "")]
        for line in lines
    ]


@dataclass
class ItemAnswer:
    """What someone entered for one item on a theme page.

    `shown` is `answer_shown` of the item as the page was rendered (sent back hidden); an
    answer the same as what was shown was not changed on the page, so it is neither written
    nor checked for conflicts. Without it (or with anything else) the answer counts as changed.
    """

    rating: int | None
    evidence: str
    actions: list[ActionLine] = field(default_factory=list)
    confirm_carried_forward: bool = False
    shown: str | None = None

    def lines(self) -> list[ActionLine]:
        """The action lines worth keeping: a line with neither what nor owner is dropped."""
        return [line for line in self.actions if line.what.strip() or line.owner.strip()]

    def changed_on_page(self) -> bool:
        if self.confirm_carried_forward:
            return True
        current = _digest([self.rating, _plain(self.evidence), _lines_shown(self.lines())])
        return self.shown != current


def answer_shown(response: Response) -> str:
    """A short fingerprint of a response's answer (rating, evidence, action lines), for a
    page to send back hidden with the revision, so a save can tell what the person changed."""
    lines = [ActionLine(a.what, a.owner, a.due_month, a.id) for a in response.action_list]
    return _digest([response.rating, _plain(response.evidence), _lines_shown(lines)])


@dataclass
class Moderation:
    """What Panel staff entered for one response, and its moderation revision when read.

    `shown` is `moderation_shown` of the response as the page was rendered: a moderation
    the same as what was shown was not changed on the page, so it is neither written nor
    checked for conflicts. Without it (or with anything else) it counts as changed.
    """

    rating: int | None
    note: str
    revision: int | None
    shown: str | None = None

    def changed_on_page(self) -> bool:
        return self.shown != _digest([self.rating, _plain(self.note)])


def moderation_shown(response: Response) -> str:
    """A short fingerprint of a response's moderated rating and note, sent back hidden."""
    return _digest([response.moderated_rating, _plain(response.moderation_note)])


class ThemeConflict(Exception):
    """Raised when answers changed since the person loaded the page; nothing was saved."""

    def __init__(self, responses):
        super().__init__("Someone else has saved this theme since you opened it")
        self.responses = responses


class ActionConflict(Exception):
    """Raised when the action changed since the person loaded the page; nothing was saved."""

    def __init__(self, record):
        super().__init__("Someone else has updated this action since you opened it")
        self.record = record


class ModerationConflict(Exception):
    """Raised when moderations changed since the person loaded the page; nothing was saved."""

    def __init__(self, responses):
        super().__init__("Someone else has changed moderated ratings since you opened the page")
        self.responses = responses


def rating_invalid(levels) -> str:
    """The message for a rating that is not on the scale, with the scale's own bounds."""
    values = [level.value for level in levels]
    return RATING_INVALID.format(lowest=min(values), highest=max(values))


def _check_ratings(ratings, version_id) -> None:
    levels = selectors.scale_levels(version_id)
    allowed = {level.value for level in levels}
    if any(rating is not None and rating not in allowed for rating in ratings):
        raise ValidationError(rating_invalid(levels), code="rating")


def _notify(*, kind, audit, recipients, **personalisation):
    """Queue one message of `kind` about the audit to each user in `recipients`."""
    for user in recipients:
        message_queue(
            kind=kind,
            to_address=user.email,
            user=user,
            partnership=audit.partnership,
            cycle=audit.cycle,
            personalisation={
                "partnership": audit.partnership.name,
                "cycle": audit.cycle.name,
                **personalisation,
            },
        )


def _panel_users():
    return User.objects.filter(is_panel_staff=True, is_active=True).exclude(email="")


def _lead_users(partnership):
    return User.objects.filter(
        is_active=True, memberships__in=Membership.objects.filter(partnership=partnership).leads()
    ).exclude(email="")


def _audit_link(audit, suffix=""):
    return f"{settings.SITE_URL}/p/{audit.partnership.slug}/audits/{audit.cycle.name}/{suffix}"


def _record_event(audit, kind, by, reason=""):
    return AuditEvent.objects.create(
        audit=audit, kind=kind, by=by, at=timezone.now(), reason=reason
    )


def _ensure_cycle_open(cycle: Cycle, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if today > cycle.closes_on:
        raise ValidationError(
            CYCLE_CLOSED.format(cycle=cycle.name, date=cycle.closes_on), code="cycle_closed"
        )
    if today < cycle.opens_on:
        raise ValidationError(
            CYCLE_NOT_OPEN.format(cycle=cycle.name, date=cycle.opens_on), code="cycle_not_open"
        )


def ensure_audit_editable(*, audit: Audit, by) -> None:
    """Refuse unless `by` may change the partnership's own answers in this audit now."""
    if not access.can_edit(access.role_in(by, audit.partnership)):
        raise PermissionDenied
    if not audit.is_editable_status:
        raise ValidationError(
            AUDIT_LOCKED.format(status=audit.get_status_display().lower()), code="locked"
        )
    _ensure_cycle_open(audit.cycle)


@transaction.atomic
def cycle_open(
    *, name: str, version: FrameworkVersion, opens_on: date, closes_on: date, by
) -> Cycle:
    """Panel staff open an audit cycle pinned to a published framework version."""
    access.require_panel_staff(by)
    if not CYCLE_NAME_PATTERN.fullmatch(name):
        raise ValidationError(CYCLE_NAME_FORMAT, code="name_format")
    if version.status != FrameworkVersion.Status.PUBLISHED:
        raise ValidationError(VERSION_NOT_PUBLISHED, code="version")
    if closes_on < opens_on:
        raise ValidationError(CYCLE_DATES, code="dates")
    if Cycle.objects.filter(name=name).exists():
        raise ValidationError(CYCLE_NAME_TAKEN.format(name=name), code="name")
    cycle = Cycle(name=name, version=version, opens_on=opens_on, closes_on=closes_on, created_by=by)
    cycle._history_user = by
    cycle.save()
    return cycle


def previous_audit(*, partnership, cycle: Cycle) -> Audit | None:
    """The partnership's latest audit in an earlier cycle of the same framework, of any of
    its versions (answers and actions are carried by item ref)."""
    return (
        Audit.objects.filter(
            partnership=partnership,
            cycle__opens_on__lt=cycle.opens_on,
            cycle__version__framework_id=cycle.version.framework_id,
        )
        .order_by("-cycle__opens_on")
        .first()
    )


@transaction.atomic
def audit_start(*, partnership, cycle: Cycle, by, carry_forward: bool = False) -> Audit:
    """Start a partnership's audit, optionally copying its last audit's answers as unreviewed
    (item by item, matched by ref, so across framework versions too).

    Its plan always starts with the partnership's open actions from earlier cycles (carried
    lines of the same records), whether or not the answers are copied; done and dropped
    actions stay where they were."""
    if not access.can_edit(access.role_in(by, partnership)):
        raise PermissionDenied
    _ensure_cycle_open(cycle)
    if Audit.objects.filter(partnership=partnership, cycle=cycle).exists():
        raise ValidationError(ALREADY_STARTED.format(cycle=cycle.name), code="exists")
    source = previous_audit(partnership=partnership, cycle=cycle) if carry_forward else None
    try:
        # A second press of the button may pass the check above before the first commits;
        # the unique constraint then refuses it here, inside a savepoint.
        with transaction.atomic():
            audit = Audit.objects.create(
                partnership=partnership, cycle=cycle, carried_forward_from=source
            )
    except IntegrityError:
        raise ValidationError(ALREADY_STARTED.format(cycle=cycle.name), code="exists") from None
    items = list(cycle.version.themes.values_list("items__id", "items__ref"))
    previous = {}
    if source is not None:
        # By item ref, as actions are carried: the last audit may be of an earlier version.
        previous = {
            response.item.ref: response for response in source.responses.select_related("item")
        }
    now = timezone.now()
    responses = []
    for item_id, ref in items:
        old = previous.get(ref)
        copied = old is not None and (old.rating is not None or old.evidence)
        responses.append(
            Response(
                audit=audit,
                item_id=item_id,
                rating=old.rating if copied else None,
                evidence=old.evidence if copied else "",
                carried_forward=bool(copied),
                updated_by=by if copied else None,
                updated_at=now if copied else None,
            )
        )
    Response.objects.bulk_create(responses)
    _carry_open_actions(audit)
    _record_event(audit, AuditEvent.Kind.STARTED, by)
    return audit


def _carry_open_actions(audit: Audit) -> None:
    """Put each open action of an earlier cycle's plan into this audit's plan, under the item
    of the same ref, as planned in its newest line; the record's newest line is then this."""
    records = list(
        ActionRecord.objects.for_partnership(audit.partnership)
        .open()
        .filter(latest_line__response__audit__cycle__opens_on__lt=audit.cycle.opens_on)
        .select_related("latest_line__response__item")
        .order_by("pk")
    )
    by_ref = {r.item.ref: r for r in audit.responses.select_related("item")}
    lines = [
        Action(
            response=by_ref[record.latest_line.response.item.ref],
            record=record,
            what=record.latest_line.what,
            owner=record.latest_line.owner,
            due_month=record.latest_line.due_month,
            order=record.latest_line.order,
            carried=True,
        )
        for record in records
        if record.latest_line.response.item.ref in by_ref
    ]
    Action.objects.bulk_create(lines)
    for line in lines:
        line.record.latest_line = line
    ActionRecord.objects.bulk_update([line.record for line in lines], ["latest_line"])


def _actions_differ(response: Response, lines: list[ActionLine]) -> bool:
    current = [(a.id, a.what, a.owner, a.due_month) for a in response.actions.all()]
    wanted = [(line.id, line.what, line.owner, line.due_month) for line in lines]
    return current != wanted


@transaction.atomic
def theme_save(
    *,
    audit: Audit,
    theme: Theme,
    answers: dict[int, ItemAnswer],
    seen_revisions: dict[int, int],
    by,
) -> list[Response]:
    """Save the answers a person changed on one theme's page, refusing (ThemeConflict) if
    any of those changed since the page was read.

    `answers` and `seen_revisions` are keyed by item id. An answer the same as the page
    showed (see ItemAnswer.shown) is left alone and never conflicts; a changed or confirmed
    one is checked against its revision, and written if it differs from what is stored.
    Each write raises the response's revision and records who and when.
    """
    audit = (
        Audit.objects.select_for_update(of=("self",))
        .select_related("cycle", "partnership")
        .get(pk=audit.pk)
    )
    ensure_audit_editable(audit=audit, by=by)
    responses = list(
        Response.objects.select_for_update(of=("self",))
        .filter(audit=audit, item__theme=theme)
        .select_related("item", "updated_by")
        .with_actions()
        .order_by("item__order")
    )
    _check_ratings((answer.rating for answer in answers.values()), audit.cycle.version_id)
    typed = {
        response.item_id: answers[response.item_id]
        for response in responses
        if response.item_id in answers and answers[response.item_id].changed_on_page()
    }
    stale = [
        r for r in responses if r.item_id in typed and seen_revisions.get(r.item_id) != r.revision
    ]
    if stale:
        raise ThemeConflict(stale)
    now = timezone.now()
    for response in responses:
        answer = typed.get(response.item_id)
        if answer is None:
            continue
        lines = answer.lines()
        changed = (
            response.rating != answer.rating
            or response.evidence != answer.evidence
            or _actions_differ(response, lines)
        )
        if not changed and not (answer.confirm_carried_forward and response.carried_forward):
            continue
        if changed:
            response.audit, response.item.theme = audit, theme
            _replace_actions(response, lines, by)
        response.rating = answer.rating
        response.evidence = answer.evidence
        response.carried_forward = False
        response.revision += 1
        response.updated_by = by
        response.updated_at = now
        response._history_user = by
        response.save()
    audit._history_user = by
    audit.save(update_fields=["updated_at"])
    return responses


def _ensure_removable(action: Action, number: int, ref: str) -> None:
    """A line may be removed only while its action is this plan's alone and untouched: a
    carried or worked-on action is stopped by marking it dropped in the action plan."""
    if action.carried:
        raise ValidationError(LINE_CARRIED.format(n=number, ref=ref), code="carried")
    record = action.record
    if (
        record.status != ActionRecord.Status.NOT_STARTED
        or record.notes.exists()
        or record.lines.exclude(pk=action.pk).exists()
    ):
        raise ValidationError(LINE_HAS_PROGRESS.format(n=number, ref=ref), code="progress")


def _new_record(response: Response, by) -> ActionRecord:
    """The record of an action first planned on this response's item in this audit."""
    audit = response.audit
    record = ActionRecord(
        partnership_id=audit.partnership_id,
        item_ref=response.item.ref,
        theme_number=response.item.theme.number,
        planned_in_id=audit.cycle_id,
    )
    record._history_user = by
    record.save()
    return record


def _replace_actions(response: Response, lines: list[ActionLine], by) -> None:
    """Write the response's plan lines: an edited line keeps its record (its status and
    progress); a new line gets a new record; a removed line goes, and its record with it
    when no other plan holds it."""
    existing = {action.id: action for action in response.actions.all()}
    kept = {line.id for line in lines if line.id}
    for number, action in enumerate(existing.values(), start=1):
        if action.id not in kept:
            _ensure_removable(action, number, response.item.ref)
    keep = set()
    for order, line in enumerate(lines):
        action = existing.get(line.id) if line.id else None
        if action is None:
            action = Action(response=response, record=_new_record(response, by))
        else:
            keep.add(action.id)
        action.what, action.owner, action.due_month, action.order = (
            line.what.strip(),
            line.owner.strip(),
            line.due_month,
            order,
        )
        action._history_user = by
        action.save()
        if action.record.latest_line_id is None:
            # Which line is newest is bookkeeping, not a change to the action: no history row.
            ActionRecord.objects.filter(pk=action.record_id).update(latest_line=action)
            action.record.latest_line = action
    for action_id, action in existing.items():
        if action_id not in keep:
            record = action.record
            action._history_user = by
            action.delete()
            if not record.lines.exists():
                record._history_user = by
                record.delete()


def audit_responses(audit: Audit):
    """All of an audit's responses with what the rules need."""
    return (
        audit.responses.select_related("item", "item__theme")
        .with_actions()
        .order_by("item__theme__number", "item__order")
    )


@transaction.atomic
def audit_submit(*, audit: Audit, by) -> Audit:
    """A lead submits the audit to the Panel once no rule is broken; Panel staff are emailed."""
    audit = (
        Audit.objects.select_for_update(of=("self",))
        .select_related("cycle", "partnership")
        .get(pk=audit.pk)
    )
    if not access.can_lead(access.role_in(by, audit.partnership)):
        raise PermissionDenied
    if not audit.is_editable_status:
        raise ValidationError(NOT_SUBMITTABLE, code="status")
    _ensure_cycle_open(audit.cycle)
    if rules.broken_rules(audit_responses(audit)):
        raise ValidationError(RULES_BROKEN, code="rules")
    resubmitted = audit.status == Audit.Status.RETURNED
    audit.status = Audit.Status.SUBMITTED
    audit._history_user = by
    audit.save(update_fields=["status", "updated_at"])
    audit_means_store(audit)
    evidence_checks_store(audit=audit)
    _record_event(audit, AuditEvent.Kind.SUBMITTED, by)
    _notify(
        kind=Message.Kind.AUDIT_RESUBMITTED if resubmitted else Message.Kind.AUDIT_SUBMITTED,
        audit=audit,
        recipients=_panel_users(),
        submitted_by=by.email,
        link=f"{settings.SITE_URL}/panel/cycles/{audit.cycle.name}/audits/{audit.partnership.slug}/",
    )
    return audit


# "Submitted or accepted" is stated once, in querysets.SCORED.
SCORED_STATUSES = SCORED


def audit_means_store(audits) -> None:
    """Store (again) the means of each audit given (an Audit, or a queryset or list of them)
    as its responses now stand, from audits/means.py's rule: submitted and accepted audits
    get a row per theme and one for all themes; any other keeps none.

    Called by every change here that makes an audit submitted, accepted or returned, or
    changes a moderated rating, in the same transaction; and by `manage.py store_audit_means`
    for audits written some other way (the demo data, a repair).
    """
    audits = [audits] if isinstance(audits, Audit) else list(audits)
    ids = [audit.pk for audit in audits]
    AuditMean.objects.filter(audit_id__in=ids).delete()
    scored = {audit.pk for audit in audits if audit.status in SCORED_STATUSES}
    if not scored:
        return
    rows: dict = {pk: [] for pk in scored}
    answers = (
        Response.objects.filter(audit_id__in=scored)
        .order_by()
        .values_list(
            "audit_id", "item__theme__number", "rating", "carried_forward", "moderated_rating"
        )
    )
    for audit_id, *row in answers:
        rows[audit_id].append(row)
    AuditMean.objects.bulk_create(
        AuditMean(audit_id=audit_id, theme_number=theme, **counts)
        for audit_id, answers_of_audit in rows.items()
        for theme, counts in means.tally(answers_of_audit).items()
    )


def evidence_checks_store(*, audit: Audit, today: date | None = None) -> None:
    """Keep, for each mapped item of a submitted audit, the figure from the partnership's own
    reviews and whether its rating is flagged (audits/evidence.py), as they are at submission;
    a returned or draft audit keeps none. Called in the transaction that submits or returns
    (acceptance keeps what submission kept), and by the demo data for the audits it writes."""
    EvidenceCheck.objects.filter(response__audit=audit).delete()
    if audit.status not in SCORED_STATUSES:
        return
    version = audit.cycle.version
    rule = evidence.Rules.of(version)
    responses = list(audit.responses.select_related("item"))
    figures = evidence.live_figures(
        audit.partnership, [r.item for r in responses], rule, today or timezone.localdate()
    )
    EvidenceCheck.objects.bulk_create(
        EvidenceCheck(
            response=response,
            since=figure.since,
            complete=figure.complete,
            base=figure.base,
            meets=figure.meets,
            not_recorded=figure.not_recorded,
            rating=response.effective_rating,
            flagged=rule.flags(response.effective_rating, figure),
        )
        for response in responses
        if (figure := figures.get(response.item_id)) is not None
    )


def consistency_note_changed(note: str, seen: str) -> bool:
    """Whether a lead's note as typed differs from the note the page showed."""
    return _plain(note) != _plain(seen)


@transaction.atomic
def consistency_notes_save(*, audit: Audit, notes: dict[int, str], seen: dict[int, str], by) -> int:
    """A lead's notes for the Panel on ratings the partnership's own reviews do not bear out,
    keyed by item id; returns how many notes changed.

    Only a lead, and only while the audit takes the partnership's changes. `seen` is each
    note as the page showed it: a note the same as it showed was not changed on the page and
    is left alone; a changed one is refused (ValidationError, nothing saved) if the stored
    note is no longer what the page showed. A note is stripped, and empty clears it. The note
    is not the answer: neither the revision nor who last changed the answer moves, and the
    history records who changed the note and when.
    """
    audit = (
        Audit.objects.select_for_update(of=("self",))
        .select_related("cycle", "partnership")
        .get(pk=audit.pk)
    )
    if not access.can_lead(access.role_in(by, audit.partnership)):
        raise PermissionDenied
    ensure_audit_editable(audit=audit, by=by)
    typed = {
        item_id: _plain(note)
        for item_id, note in notes.items()
        if consistency_note_changed(note, seen.get(item_id, ""))
    }
    if not typed:
        return 0
    responses = list(
        audit.responses.select_for_update(of=("self",))
        .filter(item_id__in=typed)
        .exclude(item__evidence={})  # only an item with a figure can be flagged
        .select_related("item")
        .order_by("item__theme__number", "item__order")
    )
    changed = [r for r in responses if r.consistency_note != typed[r.item_id]]
    stale = [
        r for r in changed if consistency_note_changed(r.consistency_note, seen.get(r.item_id, ""))
    ]
    if stale:
        raise ValidationError(
            [
                ValidationError(
                    NOTE_CHANGED.format(ref=r.item.ref),
                    code="note_changed",
                    params={"item_id": r.item_id},
                )
                for r in stale
            ]
        )
    for response in changed:
        response.consistency_note = typed[response.item_id]
        response._history_user = by
        response.save(update_fields=["consistency_note"])
    return len(changed)


def _panel_transition(audit: Audit, by) -> Audit:
    access.require_panel_staff(by)
    audit = (
        Audit.objects.select_for_update(of=("self",))
        .select_related("cycle", "partnership")
        .get(pk=audit.pk)
    )
    if audit.status != Audit.Status.SUBMITTED:
        raise ValidationError(NOT_SUBMITTED, code="status")
    return audit


@transaction.atomic
def audit_return(
    *, audit: Audit, by, reason: str, moderations: dict[int, Moderation] | None = None
) -> Audit:
    """Panel staff return a submitted audit with a reason; the partnership's leads are emailed.

    Moderations typed on the same page are saved first, in the same transaction: if they
    conflict or are invalid nothing is saved and the audit stays submitted.
    """
    access.require_panel_staff(by)
    if not reason.strip():
        raise ValidationError(REASON_REQUIRED, code="reason")
    audit = _panel_transition(audit, by)
    if moderations:
        _moderate(audit, moderations, by)
    audit.status = Audit.Status.RETURNED
    audit._history_user = by
    audit.save(update_fields=["status", "updated_at"])
    audit_means_store(audit)  # a returned audit has no means: it counts for nothing
    evidence_checks_store(audit=audit)  # the next submission counts the reviews again
    _record_event(audit, AuditEvent.Kind.RETURNED, by, reason=reason.strip())
    # The reason stays in the service (it is free text): the email says where to read it.
    _notify(
        kind=Message.Kind.AUDIT_RETURNED,
        audit=audit,
        recipients=_lead_users(audit.partnership),
        link=_audit_link(audit),
    )
    return audit


@transaction.atomic
def audit_accept(*, audit: Audit, by, moderations: dict[int, Moderation] | None = None) -> Audit:
    """Panel staff accept a submitted audit, which locks it; the partnership's leads are emailed.

    Moderations typed on the same page are saved first, in the same transaction.
    """
    audit = _panel_transition(audit, by)
    if moderations:
        _moderate(audit, moderations, by)
    audit.status = Audit.Status.ACCEPTED
    audit._history_user = by
    audit.save(update_fields=["status", "updated_at"])
    audit_means_store(audit)
    _record_event(audit, AuditEvent.Kind.ACCEPTED, by)
    _notify(
        kind=Message.Kind.AUDIT_ACCEPTED,
        audit=audit,
        recipients=_lead_users(audit.partnership),
        link=_audit_link(audit, "report/"),
    )
    return audit


@transaction.atomic
def moderation_save(*, audit: Audit, moderations: dict[int, Moderation], by) -> int:
    """Panel staff set moderated ratings and notes (keyed by response id); returns how many changed.

    A moderation the same as the page showed (see Moderation.shown) is left alone and never
    conflicts. Refuses with ModerationConflict, saving nothing, if any changed one changed
    since it was read (its `revision`). Only the Panel's own fields are written: the partnership's
    answers are never touched.
    """
    access.require_panel_staff(by)
    audit = Audit.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=audit.pk)
    if audit.status not in (Audit.Status.SUBMITTED, Audit.Status.ACCEPTED):
        raise ValidationError(NOT_MODERATABLE, code="status")
    changed = _moderate(audit, moderations, by)
    if changed:
        audit_means_store(audit)
    return changed


def _moderate(audit: Audit, moderations: dict[int, Moderation], by) -> int:
    """Write the moderations of a locked audit changed on the page; validate and check every
    one before any write."""
    _check_ratings((m.rating for m in moderations.values()), audit.cycle.version_id)
    moderations = {pk: m for pk, m in moderations.items() if m.changed_on_page()}
    if not moderations:
        return 0
    responses = list(
        audit.responses.select_for_update(of=("self",))
        .filter(pk__in=moderations)
        .select_related("item", "moderated_by")
        .order_by("item__theme__number", "item__order")
    )
    stale = [r for r in responses if moderations[r.pk].revision != r.moderation_revision]
    if stale:
        raise ModerationConflict(stale)
    now = timezone.now()
    changed = 0
    for response in responses:
        wanted = moderations[response.pk]
        note = wanted.note.strip()
        if (response.moderated_rating, response.moderation_note) == (wanted.rating, note):
            continue
        response.moderated_rating, response.moderation_note = wanted.rating, note
        response.moderated_by, response.moderated_at = by, now
        response.moderation_revision += 1
        response._history_user = by
        response.save(
            update_fields=[
                "moderated_rating",
                "moderation_note",
                "moderated_by",
                "moderated_at",
                "moderation_revision",
            ]
        )
        changed += 1
    return changed


@transaction.atomic
def action_update(
    *, record: ActionRecord, status: str, reason: str = "", note: str = "", seen_revision, by
) -> ActionRecord:
    """Record an action's status (a dropped one with its reason) and a dated progress note,
    whatever the status of the audits whose plans hold it: the audits, their answers and
    their plan lines are never touched. Refused (ActionConflict) if the action changed since
    `seen_revision` was read; each update is one history row, by `by`."""
    record = (
        ActionRecord.objects.select_for_update(of=("self",))
        .select_related("partnership", "status_changed_by")
        .get(pk=record.pk)
    )
    if not access.can_update_actions(access.role_in(by, record.partnership)):
        raise PermissionDenied
    if seen_revision != record.revision:
        raise ActionConflict(record)
    if status not in ActionRecord.Status.values:
        raise ValidationError(STATUS_INVALID, code="status")
    reason, note = _plain(reason), _plain(note)
    if status != ActionRecord.Status.DROPPED:
        reason = ""
    elif not reason:
        raise ValidationError(DROPPED_REASON_REQUIRED, code="reason")
    if status == record.status and reason == record.dropped_reason and not note:
        raise ValidationError(NOTHING_TO_SAVE, code="unchanged")
    now = timezone.now()
    if status != record.status:
        record.status_changed_at, record.status_changed_by = now, by
    record.status, record.dropped_reason = status, reason
    record.revision += 1
    record._history_user = by
    record.save()
    if note:
        ActionNote.objects.create(
            record=record, text=note, status=status, by=by, by_email=by.email, at=now
        )
    return record
