"""Helpers to give a partnership its agencies, attach members and answer for an agency,
through the services, as the pages do."""

from agencies import services
from agencies.models import Agency
from partnerships.models import Membership
from tests.audits.factories import responses_of


def agencies_of(partnership) -> dict[str, Agency]:
    """The partnership's agencies by name, the three statutory partners made if need be."""
    return {agency.name: agency for agency in services.agencies_ensure_defaults(partnership)}


def police(partnership) -> Agency:
    return agencies_of(partnership)["Police"]


def health(partnership) -> Agency:
    return agencies_of(partnership)["Health (integrated care board)"]


def attach(user, partnership, agency, *, by):
    """Attach the member to the agency as a lead does on the agencies page."""
    membership = Membership.objects.get(user=user, partnership=partnership)
    services.agency_member_set(membership=membership, agency=agency, by=by)


def answer_as_agency(audit, agency, theme, *, by, ratings, evidence="Agency case audit, 2026"):
    """Give the agency's rating to items of the theme: `ratings` maps item ref -> rating
    (an int for every item gives each the same)."""
    responses = responses_of(audit, theme)
    if isinstance(ratings, int):
        ratings = {response.item.ref: ratings for response in responses}
    stored = {a.response.item_id: a.revision for a in agency.answers.select_related("response")}
    answers = {
        response.item_id: services.AgencyItemAnswer(rating=rating, evidence=evidence)
        for response in responses
        if (rating := ratings.get(response.item.ref, "skip")) != "skip"
    }
    return services.agency_answers_save(
        audit=audit,
        agency=agency,
        theme=theme,
        answers=answers,
        seen_revisions={item_id: stored.get(item_id, 0) for item_id in answers},
        by=by,
    )
