"""The audit report as rows, for the CSV and XLSX exports (the same content as the page, less
the figures from the partnership's own reviews).

Those figures, and whether a rating is flagged against them, stay on screen: a partnership's
own review counts are never in a file, not even its own download (docs/disclosure.md: files
travel), and Panel staff download these files too. The lead's note on a flagged rating is the
partnership's own words, like its evidence, so it is in the file."""

from django.utils import timezone

from . import selectors
from .models import ActionRecord
from .templatetags.audit_tags import decimal_of

ITEM_HEADER = [
    "Theme",
    "Item",
    "Statement",
    "Sources",
    "Self rating",
    "Self rating label",
    "Carried forward, not yet reviewed",
    "Evidence",
    "Actions (what; owner; due month; status)",
    "Lead's note",
    "Moderated rating",
    "Moderated rating label",
    "Moderation note",
    "Last changed by",
    "Last changed on",
]


def _actions_text(response) -> str:
    return " | ".join(
        f"{a.what}; {a.owner or 'no owner'}; "
        f"{f'{a.due_month:%Y-%m}' if a.due_month else 'no due month'}; "
        f"{a.record.get_status_display()}"
        for a in response.action_list
    )


def report_rows(audit, themes=None):
    """One row per item with the partnership's answer, its actions and the Panel's moderation."""
    labels = {level.value: level.label for level in selectors.scale_levels(audit.cycle.version_id)}
    rows = []
    for theme in selectors.themes_with_responses(audit) if themes is None else themes:
        for item in theme.audit_items:
            for response in item.audit_responses:
                rows.append(
                    [
                        f"{theme.number}. {theme.title}",
                        item.ref,
                        item.statement,
                        item.sources,
                        response.rating,
                        labels.get(response.rating, ""),
                        "yes" if response.carried_forward else "no",
                        response.evidence,
                        _actions_text(response),
                        response.consistency_note,
                        response.moderated_rating,
                        labels.get(response.moderated_rating, ""),
                        response.moderation_note,
                        response.updated_by_email or "",
                        f"{response.updated_at:%Y-%m-%d %H:%M}" if response.updated_at else "",
                    ]
                )
    return ITEM_HEADER, rows


AGENCY_HEADER = [
    "Theme",
    "Item",
    "Agency",
    "Agency's rating",
    "Agency's rating label",
    "Agency's evidence",
    "Partnership's rating",
    "Lowest agency rating",
    "Highest agency rating",
    "Agencies disagree by 2 or more levels",
]


def agency_rows(audit, themes, labels):
    """One row per item and agency that answered it, with the item's spread (agencies.spread);
    no rows for an audit without agency answers."""
    from agencies import selectors as agency_selectors

    responses = [r for theme in themes for item in theme.audit_items for r in item.audit_responses]
    _, spreads = agency_selectors.spreads(audit.partnership, responses)
    rows = []
    for theme in themes:
        for item in theme.audit_items:
            for response in item.audit_responses:
                spread = spreads.get(response.pk)
                if not spread:
                    continue
                evidence = spread.evidence
                for name, rating in spread.ratings:
                    rows.append(
                        [
                            f"{theme.number}. {theme.title}",
                            item.ref,
                            name,
                            rating,
                            labels.get(rating, "Not rated"),
                            evidence.get(name, ""),
                            response.rating,
                            spread.lowest,
                            spread.highest,
                            "yes" if spread.disagree else "no",
                        ]
                    )
    return AGENCY_HEADER, rows


def _share(value):
    return None if value is None else round(value * 100)


def _mean(value):
    return None if value is None else float(round(decimal_of(value), 2))


NOT_MODERATED = "Not moderated yet"


def _moderated(row):
    """The moderated mean and share, or words saying nothing is moderated yet (never a 0%)."""
    if not row["moderated_rated"]:
        return [NOT_MODERATED, NOT_MODERATED]
    return [_mean(row["moderated_mean"]), _share(row["moderated_share"])]


def report_sheets(audit):
    """Sheets for the XLSX export: items, theme scores and the timeline."""
    themes = selectors.themes_with_responses(audit)
    scores = selectors.audit_scores(audit, themes)
    score_header = [
        "Theme",
        "Items",
        "Self: mean rating",
        "Self: % rated 2 or 3",
        "Moderated: mean rating",
        "Moderated: % rated 2 or 3",
    ]
    score_rows = [
        [
            f"{row['number']}. {row['title']}",
            row["items"],
            _mean(row["self_mean"]),
            _share(row["self_share"]),
            *_moderated(row),
        ]
        for row in scores["themes"]
    ]
    overall = scores["overall"]
    if overall:
        score_rows.append(
            [
                "Overall",
                overall["items"],
                _mean(overall["self_mean"]),
                _share(overall["self_share"]),
                *_moderated(overall),
            ]
        )
    timeline_rows = [
        [f"{event.at:%Y-%m-%d %H:%M}", event.get_kind_display(), event.by.email, event.reason]
        for event in selectors.timeline(audit)
    ]
    sheets = {
        "Items": report_rows(audit, themes),
        "Scores": (score_header, score_rows),
        "Timeline": (["When", "What", "By", "Reason"], timeline_rows),
    }
    labels = {level.value: level.label for level in selectors.scale_levels(audit.cycle.version_id)}
    header, rows = agency_rows(audit, themes, labels)
    if rows:
        sheets["Agencies"] = (header, rows)
    return sheets


PLAN_HEADER = [
    "Item",
    "Theme",
    "What",
    "Owner",
    "Due month",
    "Overdue",
    "Status",
    "Why dropped",
    "Planned in",
    "Status changed on",
    "Status changed by",
    "Latest progress note",
    "Latest note on",
]
NOTES_HEADER = ["Item", "What", "When", "By", "Status", "Note"]


def _when(moment, fmt="%Y-%m-%d") -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def plan_sheets(rows) -> dict:
    """The action plan's downloads: one row per action as the page shows it (PlanRow), and
    every progress note of those actions, newest first. No review figure is in either."""
    labels = dict(ActionRecord.Status.choices)
    actions, notes = [], []
    for row in rows:
        record, latest = row.record, row.latest_note
        actions.append(
            [
                row.item_ref,
                record.theme_number,
                row.what,
                row.owner,
                f"{row.due_month:%Y-%m}" if row.due_month else "",
                "yes" if row.overdue else "no",
                labels[record.status],
                record.dropped_reason,
                row.cycles,
                _when(record.status_changed_at),
                record.status_changed_by.email if record.status_changed_by else "",
                latest.text if latest else "",
                _when(latest.at) if latest else "",
            ]
        )
        notes.extend(
            [
                row.item_ref,
                row.what,
                _when(note.at, "%Y-%m-%d %H:%M"),
                note.by_email,
                labels.get(note.status, note.status),
                note.text,
            ]
            for note in row.notes
        )
    return {"Actions": (PLAN_HEADER, actions), "Progress notes": (NOTES_HEADER, notes)}
