"""Dashboard pages for Panel staff (completion, comparison, national review statistics) and
for a partnership (itself against anonymised peers). Each page is a set of Tables; its
export.csv and export.xlsx contain the same tables, always suppressed."""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from audits.models import Cycle
from audits.selectors import get_cycle, scale_levels
from partnerships import access
from partnerships.exports import csv_bytes, csv_sections, xlsx_bytes
from partnerships.mixins import PanelStaffMixin, PartnershipMixin

from . import audit_tables, charts, disclosure, review_statistics, selectors
from .forms import (
    ALL_TIME,
    CompareForm,
    CompletionForm,
    DashboardForm,
    ReviewStatisticsForm,
    financial_year,
)
from .selectors import MODERATED, OVERALL, SELF

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ABOUT = [
    ["Source", "Assess anti-racist safeguarding practice"],
    ["Perturbation", disclosure.PERTURBATION_NOTE],
]
RATING_LABELS = {SELF: "partnerships' own ratings", MODERATED: "Panel's moderated ratings"}


class TablesView(TemplateView):
    """A page made of Tables, downloadable whole or table by table as CSV or XLSX.

    Subclasses build their tables in `tables(suppress=...)`. The page passes suppress=False
    only where its viewer owns the records; a download always passes True.
    """

    export_name = "dashboard"

    def tables(self, *, suppress: bool) -> list:
        raise NotImplementedError

    def suppress_on_screen(self) -> bool:
        return True

    @cached_property
    def regions(self):
        return selectors.regions()

    def region_named(self, slug: str):
        """The region a filter names, or None for all of England."""
        return next((region for region in self.regions if region.slug == slug), None)

    def get(self, request, *args, format=None, **kwargs):
        if format is None:
            return super().get(request, *args, **kwargs)
        if format not in ("csv", "xlsx"):
            raise Http404("Downloads are CSV or XLSX")
        tables = self.tables(suppress=True)
        slug = request.GET.get("table")
        if slug:
            tables = [table for table in tables if table.slug == slug]
            if not tables:
                raise Http404("No such table")
        name = f"{self.export_name}-{slug or 'all'}"
        if format == "xlsx":
            sheets = {"About": (["About these figures", ""], ABOUT)}
            sheets.update({table.slug: table.export_rows() for table in tables})
            return _download(xlsx_bytes(sheets), f"{name}.xlsx", XLSX)
        if slug:
            body = csv_bytes(*tables[0].export_rows())
        else:
            sheets = {"About these figures": (["", ""], ABOUT)}
            sheets.update({table.title: table.export_rows() for table in tables})
            body = csv_sections(sheets)
        return _download(body, f"{name}.csv", "text/csv; charset=utf-8")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tables = self.tables(suppress=self.suppress_on_screen())
        context["tables"] = {table.slug.replace("-", "_"): table for table in tables}
        context["query"] = self.request.GET.urlencode()
        context["perturbation_note"] = disclosure.PERTURBATION_NOTE
        return context


def _download(body: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CompletionView(PanelStaffMixin, TablesView):
    """/panel/cycles/<cycle>/: who has not started, is in draft, submitted, returned, accepted."""

    template_name = "dashboards/completion.html"

    @cached_property
    def cycle(self) -> Cycle:
        try:
            return get_cycle(self.kwargs["cycle"])
        except Cycle.DoesNotExist:
            raise Http404("No such cycle") from None

    @property
    def export_name(self):
        return f"completion-{self.cycle.name}"

    @cached_property
    def form(self):
        return CompletionForm(
            self.request.GET or None, regions=self.regions, statuses=audit_tables.STATUSES
        )

    def tables(self, *, suppress):
        filters = self.form.values()
        region = self.region_named(filters["region"])
        rows = selectors.completion(self.cycle, region=region, status=filters["status"])
        counts = selectors.completion_counts(self.cycle)
        return audit_tables.completion_tables(counts, self.regions, rows, cycle=self.cycle)

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        kwargs.update(  # the cycle object, in place of the URL's name
            cycle=self.cycle,
            form=self.form,
            today=today,
            days_left=(self.cycle.closes_on - today).days,
            days_since_closing=(today - self.cycle.closes_on).days,
        )
        return super().get_context_data(**kwargs)


class ReviewStatisticsView(PanelStaffMixin, TablesView):
    """/panel/reviews/: the report's statistics nationally and by region, suppressed."""

    template_name = "dashboards/review_statistics.html"
    export_name = "review-statistics"

    @cached_property
    def form(self):
        return ReviewStatisticsForm(
            self.request.GET or None,
            regions=self.regions,
            years=selectors.notification_years(),
        )

    @cached_property
    def area(self):
        return self.region_named(self.form.values()["area"])

    @cached_property
    def period(self):
        year = self.form.values()["period"]
        return financial_year(int(year)) if year != ALL_TIME else None

    def tables(self, *, suppress):
        return []  # published figures: being rebuilt from stored publications

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form,
            area=self.area,
            period=self.period,
            **kwargs,
        )


class CompareView(PanelStaffMixin, TablesView):
    """/panel/compare/: partnerships by theme, item by item, spread, gap and change."""

    template_name = "dashboards/compare.html"
    export_name = "compare"

    @cached_property
    def cycles(self):
        return selectors.cycles_with_audits()

    @cached_property
    def cycle(self):
        name = self.bare_form.values()["cycle"]
        return next((cycle for cycle in self.cycles if cycle.name == name), None)

    @cached_property
    def bare_form(self):
        """The filters alone, to learn the cycle before the item and partnership lists."""
        return CompareForm(
            self.request.GET or None,
            cycles=self.cycles,
            regions=self.regions,
            items=[],
            partnerships=[],
        )

    @cached_property
    def themes(self):
        return selectors.themes(self.cycle.version_id) if self.cycle else []

    @cached_property
    def items(self):
        return [item for theme in self.themes for item in theme.items.all()]

    @cached_property
    def region(self):
        return self.region_named(self.bare_form.values()["region"])

    @cached_property
    def partnerships(self):
        if self.cycle is None:
            return []
        return selectors.scored_partnerships(self.cycle, region=self.region)

    @cached_property
    def form(self):
        return CompareForm(
            self.request.GET or None,
            cycles=self.cycles,
            regions=self.regions,
            items=self.items,
            partnerships=self.partnerships,
        )

    @cached_property
    def filters(self):
        return self.form.values()

    @cached_property
    def chosen(self):
        slugs = set(self.filters["compare"] or [])
        return [p for p in self.partnerships if p.slug in slugs]

    @cached_property
    def levels(self):
        return scale_levels(self.cycle.version_id) if self.cycle else []

    @cached_property
    def previous(self):
        return selectors.previous_cycle(self.cycle) if self.cycle else None

    def _means(self, cycle, rating):
        return selectors.theme_means(
            selectors.scored_responses(cycle, rating=rating, region=self.region)
        )

    @cached_property
    def distribution(self):
        responses = selectors.scored_responses(
            self.cycle, rating=self.filters["rating"], region=self.region
        )
        return selectors.item_distribution(responses)

    def tables(self, *, suppress):
        if self.cycle is None:
            return []
        rating = self.filters["rating"]
        label = RATING_LABELS[rating]
        means = self._means(self.cycle, rating)
        result = [audit_tables.heat_map(self.partnerships, self.themes, means, rating_label=label)]
        if self.chosen:
            values = selectors.item_values(
                selectors.scored_responses(self.cycle, rating=rating),
                [p.pk for p in self.chosen],
            )
            result.append(
                audit_tables.item_comparison(self.items, self.chosen, values, rating_label=label)
            )
        result.append(audit_tables.distribution_table(self.items, self.levels, self.distribution))
        gaps = selectors.theme_means(selectors.gap_responses(self.cycle, region=self.region))
        result.append(audit_tables.gap_table(self.partnerships, self.themes, gaps))
        if self.previous:
            matching = selectors.matching_themes(self.cycle.version_id, self.previous.version_id)
            previous_means = self._means(self.previous, rating)
        else:
            matching, previous_means = set(), {}
        result.append(
            audit_tables.change_table(
                self.partnerships,
                self.themes,
                means,
                previous_means,
                matching,
                self.previous.name if self.previous else "",
            )
        )
        return result

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            form=self.form, cycle=self.cycle, themes=self.themes, **kwargs
        )
        if self.cycle and self.items:
            item = next((i for i in self.items if i.ref == self.filters["item"]), self.items[0])
            context["item"] = item
            context["distribution_chart"] = charts.distribution_chart(
                "item-distribution",
                f"{item.ref} {audit_tables.short(item.statement, 60)}",
                self.levels,
                [self.distribution.get((item.ref, level.value), 0) for level in self.levels],
            )
        context["previous"] = self.previous
        context["chosen"] = self.chosen
        return context


class PartnershipDashboardView(PartnershipMixin, TablesView):
    """/p/<slug>/dashboard/: the partnership against anonymised national and regional
    figures, and its own review statistics (in full for its members, on screen only)."""

    template_name = "dashboards/partnership_dashboard.html"

    @property
    def export_name(self):
        return f"{self.partnership.slug}-dashboard"

    def suppress_on_screen(self) -> bool:
        return self.role is None  # Panel staff read it, but the records are not theirs

    @cached_property
    def cycles(self):
        return selectors.cycles_with_audits()

    @cached_property
    def form(self):
        return DashboardForm(self.request.GET or None, cycles=self.cycles)

    @cached_property
    def cycle(self):
        name = self.form.values()["cycle"]
        return next((cycle for cycle in self.cycles if cycle.name == name), None)

    @cached_property
    def previous(self):
        """The partnership's own last cycle with a submitted audit, not merely the last one."""
        return selectors.last_scored_cycle(self.partnership, self.cycle) if self.cycle else None

    @cached_property
    def audit_figures(self):
        if self.cycle is None:
            return None
        themes = selectors.themes(self.cycle.version_id)
        everyone = selectors.theme_means(selectors.scored_responses(self.cycle, rating=SELF))
        own = everyone.get(self.partnership.pk, {})
        moderated = selectors.theme_means(
            selectors.scored_responses(self.cycle, rating=MODERATED, partnership=self.partnership)
        ).get(self.partnership.pk, {})
        regional_pks = {
            p.pk for p in selectors.scored_partnerships(self.cycle, region=self.partnership.region)
        }
        keys = [theme.number for theme in themes] + [OVERALL]
        # Peers are the other partnerships: the partnership's own score never counts
        # towards the 5 that a comparison needs.
        peers = {pk: means for pk, means in everyone.items() if pk != self.partnership.pk}
        national = {
            key: disclosure.peer_range(means.get(key) for means in peers.values()) for key in keys
        }
        regional = {
            key: disclosure.peer_range(
                means.get(key) for pk, means in peers.items() if pk in regional_pks
            )
            for key in keys
        }
        then, matching = {}, set()
        if self.previous:
            matching = selectors.matching_themes(self.cycle.version_id, self.previous.version_id)
            then = selectors.theme_means(
                selectors.scored_responses(self.previous, rating=SELF, partnership=self.partnership)
            ).get(self.partnership.pk, {})
        trend_medians = selectors.overall_means_by_cycle(SELF)
        trend = [
            {
                "cycle": row["cycle"],
                "mean": row["mean"],
                "median": (
                    spread.median
                    if (
                        spread := disclosure.peer_range(
                            mean
                            for pk, mean in trend_medians.get(row["cycle"], {}).items()
                            if pk != self.partnership.pk
                        )
                    )
                    else None
                ),
            }
            for row in selectors.audit_trend(self.partnership, SELF)
        ]
        return {
            "themes": themes,
            "own": own,
            "moderated": moderated,
            "national": national,
            "regional": regional,
            "then": then,
            "matching": matching,
            "trend": trend,
        }

    def tables(self, *, suppress):
        result = []
        figures = self.audit_figures
        if figures and figures["own"]:
            result.append(
                audit_tables.peer_table(
                    figures["themes"],
                    figures["own"],
                    figures["moderated"],
                    figures["national"],
                    figures["regional"],
                    self.partnership.region.name,
                )
            )
            if self.previous:
                result.append(
                    audit_tables.own_change_table(
                        figures["themes"],
                        figures["own"],
                        figures["then"],
                        figures["matching"],
                        self.previous.name,
                    )
                )
        if figures and figures["trend"]:
            result.append(audit_tables.trend_table(figures["trend"]))
        if not suppress:
            result += self.own_review_tables
        return result

    @cached_property
    def own_review_tables(self) -> list:
        """The partnership's own review counts in full, for its members' screen only."""
        if not access.sees_own_review_figures(self.role):
            return []
        return review_statistics.own_tables(self.partnership)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, cycle=self.cycle, **kwargs)
        figures = self.audit_figures
        if figures and figures["own"]:
            context["range_chart"] = charts.range_chart(
                "theme-range",
                [
                    (
                        f"Theme {theme.number}",
                        figures["own"].get(theme.number),
                        figures["national"].get(theme.number),
                    )
                    for theme in figures["themes"]
                ]
                + [("All themes", figures["own"].get(OVERALL), figures["national"].get(OVERALL))],
            )
        if figures and figures["trend"]:
            context["trend_chart"] = charts.trend_chart("trend", figures["trend"])
        context["previous"] = self.previous
        context["not_suppressed"] = not self.suppress_on_screen()
        context["review_tables"] = self.own_review_tables
        return context
