"""What the survey pages read: a survey by its link or by partnership and cycle, and its
figures under the one threshold (choices.MIN_RESPONSES).

A figure is the share of responses agreeing (agree or strongly agree) with a statement, with
the number of responses behind it. It is shown only when at least MIN_RESPONSES responses
stand behind it; otherwise nothing of it is given (not even how many), and the page says
"Fewer than 10 responses". Agency and role groups follow the same rule, group by group.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from dashboards import disclosure
from partnerships.models import Partnership

from .choices import AGREEING, MIN_RESPONSES, Agency, RoleGroup
from .models import Survey, SurveyAnswer

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{10,32}")
FEWER = f"Fewer than {MIN_RESPONSES} responses"


@dataclass(frozen=True)
class Figure:
    """One statement's figure for one group of responses; `shown` only from MIN_RESPONSES."""

    key: str
    text: str
    items: tuple
    n: int
    agreeing: int

    @property
    def shown(self) -> bool:
        return self.n >= MIN_RESPONSES

    @property
    def percent(self) -> int | None:
        return disclosure.percentage(self.agreeing, self.n) if self.shown else None

    @property
    def words(self) -> str:
        """What the page says: "72% agree (25 responses)" or "Fewer than 10 responses"."""
        return f"{self.percent}% agree ({self.n} responses)" if self.shown else FEWER


@dataclass
class Group:
    """A named group of responses (an agency, a role group, a partnership) and its figures."""

    key: str
    label: str
    figures: list[Figure]

    @property
    def responses(self) -> int:
        return max((figure.n for figure in self.figures), default=0)


@dataclass
class Results:
    statements: list[dict]
    overall: list[Figure]
    by_agency: list[Group] = field(default_factory=list)
    by_role: list[Group] = field(default_factory=list)
    responses: int = 0
    # False while the survey takes answers: no figure is given until it has closed.
    closed: bool = True

    @property
    def responses_shown(self) -> bool:
        return self.responses >= MIN_RESPONSES


def _figures(statements, counts: dict) -> list[Figure]:
    """Figures in the statements' order from {key: (n, agreeing)}."""
    return [
        Figure(s["key"], s["text"], tuple(s["items"]), *counts.get(s["key"], (0, 0)))
        for s in statements
    ]


def without_small_remainder(groups: list[Group], total: int) -> tuple[list[Group], int]:
    """The groups that can be shown beside a total of `total` responses, and how many are
    left out: the responses outside the groups shown (the total less theirs) must be none or
    at least MIN_RESPONSES, else subtracting would give a small group's figures; while they
    are not, the smallest group shown is left out too."""
    shown = sorted(groups, key=lambda group: group.responses)
    rest = total - sum(group.responses for group in shown)
    dropped = 0
    while shown and 0 < rest < MIN_RESPONSES:
        rest += shown.pop(0).responses
        dropped += 1
    return [group for group in groups if group in shown], dropped


def _groups(statements, counts: dict, choices, total: int) -> list[Group]:
    """Each group of `choices` with MIN_RESPONSES or more behind every figure of it, less any
    that would let a smaller group be worked out from the total (without_small_remainder)."""
    groups = []
    for value, label in choices.choices:
        figures = _figures(statements, counts.get(value, {}))
        if figures and all(figure.shown for figure in figures):
            groups.append(Group(value, label, figures))
    return without_small_remainder(groups, total)[0]


def _add(table, key, n, agreeing):
    total_n, total_agreeing = table.get(key, (0, 0))
    table[key] = (total_n + n, total_agreeing + agreeing)


def by_token(token: str) -> Survey:
    """The survey whose link has this token; Survey.DoesNotExist for anything else."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise Survey.DoesNotExist(token)
    return Survey.objects.select_related("cycle__version", "partnership").get(token=token)


def of(partnership, cycle) -> Survey | None:
    """The partnership's survey in the cycle, if one was opened."""
    return Survey.objects.filter(partnership=partnership, cycle=cycle).first()


def results(survey: Survey | None, statements: list[dict], today=None) -> Results:
    """The survey's figures overall, by agency and by role group, in one grouped query, once
    it has closed (Survey.has_closed); while it takes answers, how many there are only."""
    overall, agency, role = {}, defaultdict(dict), defaultdict(dict)
    today = today or timezone.localdate()
    if survey is not None and not survey.has_closed(today):
        count = survey.responses.count()
        return Results(statements=statements, overall=[], responses=count, closed=False)
    if survey is not None:
        rows = (
            SurveyAnswer.objects.filter(response__survey=survey)
            .values_list("statement", "response__agency", "response__role")
            .annotate(n=Count("id"), agreeing=Count("id", filter=Q(value__in=AGREEING)))
            .order_by()
        )
        for key, agency_value, role_value, n, agreeing in rows:
            _add(overall, key, n, agreeing)
            if agency_value:
                _add(agency[agency_value], key, n, agreeing)
            if role_value:
                _add(role[role_value], key, n, agreeing)
    figures = _figures(statements, overall)
    total = max((figure.n for figure in figures), default=0)
    return Results(
        statements=statements,
        overall=figures,
        by_agency=_groups(statements, agency, Agency, total),
        by_role=_groups(statements, role, RoleGroup, total),
        responses=total,
    )


def cycle_figures(partnership, cycle) -> list[Figure]:
    """The partnership's figure for each statement of the cycle's survey, overall (shown or
    not: a figure is shown only from MIN_RESPONSES). Empty for no cycle, a framework version
    without survey statements (no query) or no survey opened (one query); else two."""
    if cycle is None or not cycle.version.survey_statements:
        return []
    survey = of(partnership, cycle)
    if survey is None:
        return []
    return results(survey, cycle.version.survey_statements).overall


def item_figures(partnership, cycle) -> dict[str, list[Figure]]:
    """For the theme and report pages: item ref -> the figures of the statements tied to it
    (shown or not: the include says "Fewer than 10 responses"), from cycle_figures."""
    by_item = defaultdict(list)
    for figure in cycle_figures(partnership, cycle):
        for ref in figure.items:
            by_item[ref].append(figure)
    return dict(by_item)


def panel_results(cycle) -> tuple[list[Figure], list[Group], int]:
    """For the Panel: England's figures, each partnership's with MIN_RESPONSES or more
    behind every figure (by name), and how many partnerships with a survey are left out."""
    statements = cycle.version.survey_statements
    today = timezone.localdate()
    closed = Q(response__survey__closed_at__isnull=False) | Q(response__survey__closes_on__lt=today)
    rows = (
        SurveyAnswer.objects.filter(closed, response__survey__cycle=cycle)
        .values_list("response__survey__partnership_id", "statement")
        .annotate(n=Count("id"), agreeing=Count("id", filter=Q(value__in=AGREEING)))
        .order_by()
    )
    england, each = {}, defaultdict(dict)
    for partnership_id, key, n, agreeing in rows:
        _add(england, key, n, agreeing)
        _add(each[partnership_id], key, n, agreeing)
    names = {
        pk: (slug, name)
        for pk, slug, name in Partnership.objects.filter(surveys__cycle=cycle)
        .values_list("pk", "slug", "name")
        .order_by()
    }
    groups, left_out = [], len(names) - len(each)
    for partnership_id, counts in each.items():
        figures = _figures(statements, counts)
        if all(figure.shown for figure in figures):
            groups.append(Group(*names[partnership_id], figures))
        else:
            left_out += 1
    england_figures = _figures(statements, england)
    total = max((figure.n for figure in england_figures), default=0)
    groups, dropped = without_small_remainder(groups, total)
    groups.sort(key=lambda group: group.label)
    return england_figures, groups, left_out + dropped


def cycles_with_survey_statements():
    """Cycles whose framework version carries a survey, newest first."""
    from audits.models import Cycle

    return list(Cycle.objects.exclude(version__survey_statements=[]).select_related("version"))
