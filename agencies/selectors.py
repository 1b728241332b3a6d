"""Reads of agencies and their answers for pages and exports."""

from django.db.models import Exists, FilteredRelation, Q

from partnerships.models import Membership

from .models import Agency, AgencyAnswer
from .spread import Spread, disagree


def has_agencies(partnership):
    """An expression that is true when the partnership has agencies: annotate a query the
    page makes anyway with it, so a partnership without agencies costs nothing more."""
    return Exists(Agency.objects.filter(partnership=partnership))


def agency_list(partnership) -> list[Agency]:
    return list(Agency.objects.filter(partnership=partnership))


def spreads(partnership, responses) -> tuple[list[Agency], dict[int, Spread]]:
    """The partnership's agencies, and response id -> the agencies' Spread for each of these
    responses (every agency listed, None where it gave no rating), in one query. No spread
    for a response no agency has answered: the page shows nothing for it."""
    responses = list(responses)
    ids = [response.pk for response in responses]
    rows = (
        Agency.objects.filter(partnership=partnership)
        .annotate(
            these=FilteredRelation("answers", condition=Q(answers__response_id__in=ids or [0]))
        )
        .values(
            "pk",
            "name",
            "statutory",
            "order",
            "these__response_id",
            "these__rating",
            "these__evidence",
        )
        .order_by("order", "name", "pk")
    )
    agencies, answered = {}, {}
    for row in rows:
        if row["pk"] not in agencies:
            agencies[row["pk"]] = Agency(
                pk=row["pk"], name=row["name"], statutory=row["statutory"], order=row["order"]
            )
        if row["these__response_id"] is not None:
            given = answered.setdefault(row["these__response_id"], {})
            given[row["pk"]] = (row["these__rating"], row["these__evidence"])
    found = {}
    for response in responses:
        given = answered.get(response.pk)
        if given is None:
            continue
        found[response.pk] = Spread(
            ratings=[(a.name, given.get(pk, (None, ""))[0]) for pk, a in agencies.items()],
            partnership_rating=response.rating,
            evidence={agencies[pk].name: evidence for pk, (_, evidence) in given.items()},
        )
    return list(agencies.values()), found


def theme_answers(agency, responses) -> dict[int, AgencyAnswer]:
    """response id -> the agency's answer, for these responses."""
    return {
        answer.response_id: answer
        for answer in AgencyAnswer.objects.filter(
            agency=agency, response__in=responses
        ).select_related("updated_by")
    }


def members_with_agencies(partnership) -> list[Membership]:
    """The partnership's members by email, each with `agency_member` (and its agency) if any."""
    return list(
        Membership.objects.filter(partnership=partnership)
        .select_related("user", "agency_member__agency")
        .order_by("user__email")
    )


def disagreements_by_item(cycle, *, region=None) -> dict[int, tuple[int, int]]:
    """{item id: (audits with agency ratings for it, of them how many where the agencies
    disagree)} over the cycle's submitted and accepted audits (of the region's partnerships),
    in one query. Counts of audits only: never which partnership or which agency."""
    from audits.models import Audit

    answers = AgencyAnswer.objects.filter(
        response__audit__cycle=cycle,
        response__audit__status__in=(Audit.Status.SUBMITTED, Audit.Status.ACCEPTED),
        rating__isnull=False,
    )
    if region is not None:
        answers = answers.filter(response__audit__partnership__region=region)
    ratings: dict[tuple[int, int], list[int]] = {}
    for item_id, audit_id, rating in answers.values_list(
        "response__item_id", "response__audit_id", "rating"
    ).order_by():
        ratings.setdefault((item_id, audit_id), []).append(rating)
    counts: dict[int, tuple[int, int]] = {}
    for (item_id, _audit_id), given in ratings.items():
        audits, disagreeing = counts.get(item_id, (0, 0))
        counts[item_id] = (audits + 1, disagreeing + disagree(given))
    return counts
