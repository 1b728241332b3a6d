"""Dashboard pages for Panel staff (completion, comparison, national review statistics) and
for a partnership (itself against anonymised peers). Each page is a set of Tables; its
export.csv and export.xlsx contain the same tables, with published review figures only
(a partnership's own review counts are on its screen, never in a file)."""

import hashlib
import json

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import TemplateView

from agencies import selectors as agency_selectors
from agencies.spread import DISAGREEMENT_LEVELS
from audits.models import Cycle
from audits.selectors import get_cycle, scale_levels
from partnerships import access
from partnerships.exports import csv_bytes, csv_sections, xlsx_bytes
from partnerships.mixins import PanelStaffMixin, PartnershipMixin
from surveys import selectors as survey_selectors

from . import audit_tables, charts, disclosure, review_statistics, selectors, services
from . import publication as published
from .forms import (
    AGENCIES,
    CHANGE,
    DISTRIBUTION,
    FLAGS,
    GAP,
    HEAT_MAP,
    ITEMS,
    CompareForm,
    CompletionForm,
    DashboardForm,
    ReviewStatisticsForm,
)
from .models import Publication
from .selectors import MODERATED, OVERALL, SELF

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ABOUT = [["Source", "Assess anti-racist safeguarding practice"]]
REVIEW_ABOUT = [
    *ABOUT,
    ["Review figures", disclosure.PERTURBATION_NOTE],
]
# How long rendered tables of a publication stay cached (they never become untrue).
SCREEN_TABLES_SECONDS = 24 * 60 * 60
RATING_LABELS = {SELF: "partnerships' own ratings", MODERATED: "Panel's moderated ratings"}
DISAGREE_TITLE = f"Items where agencies disagree by {DISAGREEMENT_LEVELS} or more levels"
# Each view of compare (?show=) and the table it shows.
VIEWS = {
    HEAT_MAP: "heat-map",
    ITEMS: "items",
    DISTRIBUTION: "distribution",
    GAP: "gap",
    CHANGE: "change",
    FLAGS: "evidence-flags",
    AGENCIES: "agency-disagreement",
}


class TablesView(TemplateView):
    """A page made of Tables, downloadable whole or table by table as CSV or XLSX.

    Subclasses build their tables in `tables(for_file=...)`: True for a download, which
    holds no figure that is only for the screen (a partnership's own review counts).
    """

    export_name = "dashboard"

    def tables(self, *, for_file: bool) -> list:
        raise NotImplementedError

    def about_rows(self) -> list[list[str]]:
        """The About sheet of a download."""
        return ABOUT

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
        tables = self.tables(for_file=True)
        slug = request.GET.get("table")
        if slug:
            tables = [table for table in tables if table.slug == slug]
            if not tables:
                raise Http404("No such table")
        name = f"{self.export_name}-{slug or 'all'}"
        about = self.about_rows()
        if format == "xlsx":
            sheets = {"About": (["About these figures", ""], about)}
            sheets.update({table.slug: table.export_rows() for table in tables})
            return _download(xlsx_bytes(sheets), f"{name}.xlsx", XLSX)
        if slug:
            body = csv_bytes(*tables[0].export_rows())
        else:
            sheets = {"About these figures": (["", ""], about)}
            sheets.update({table.title: table.export_rows() for table in tables})
            body = csv_sections(sheets)
        return _download(body, f"{name}.csv", "text/csv; charset=utf-8")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tables = self.tables(for_file=False)
        context["tables"] = {table.slug.replace("-", "_"): table for table in tables}
        context["query"] = self.request.GET.urlencode()
        context["perturbation_note"] = disclosure.PERTURBATION_NOTE
        context["min_reviews"] = published.MIN_REVIEWS
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

    def tables(self, *, for_file):
        filters = self.form.values()
        region = self.region_named(filters["region"])
        rows = selectors.completion(self.cycle, region=region, status=filters["status"])
        counts = selectors.completion_counts(self.cycle)
        return audit_tables.completion_tables(counts, self.regions, rows, cycle=self.cycle)

    def filter_words(self) -> str:
        """The filters of the list, in words for the page title: "North West, draft"."""
        filters = self.form.values()
        region = self.region_named(filters["region"])
        words = [region.name] if region else []
        if filters["status"]:
            words.append(audit_tables.STATUS_LABELS[filters["status"]].lower())
        return ", ".join(words)

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        kwargs.update(  # the cycle object, in place of the URL's name
            cycle=self.cycle,
            form=self.form,
            filter_words=self.filter_words(),
            today=today,
            days_left=(self.cycle.closes_on - today).days,
            days_since_closing=(today - self.cycle.closes_on).days,
        )
        return super().get_context_data(**kwargs)


class ReviewStatisticsView(PanelStaffMixin, TablesView):
    """/panel/reviews/: the published review statistics of a year, for England or a region,
    read from the stored publication (nothing is computed live); and, by POST, publishing a
    closed year once.

    A publication never changes, so the tables of one (publication, area, regions, query)
    are rendered once and kept in the cache (`screen_tables`): a cached page is as true as
    a freshly rendered one, and the stored figures are not even read for it."""

    template_name = "dashboards/review_statistics.html"
    tables_template = "dashboards/review_statistics_tables.html"

    @cached_property
    def publications(self) -> list[Publication]:
        """Every publication, newest first, without its figures (only one year is shown)."""
        return list(Publication.objects.defer("figures").select_related("published_by"))

    @cached_property
    def form(self):
        return ReviewStatisticsForm(
            self.request.GET or None,
            regions=self.regions,
            years=[publication.year for publication in self.publications],
        )

    @cached_property
    def area(self):
        return self.region_named(self.form.values()["area"])

    @cached_property
    def publication(self) -> Publication | None:
        """The shown year's publication, its figures read only when first needed."""
        year = self.form.values()["year"]
        if not year:
            return None
        return next((p for p in self.publications if p.year == int(year)), None)

    @cached_property
    def area_figures(self):
        """The shown area's stored figures: None when withheld or nothing is published."""
        if self.publication is None:
            return None
        return self.publication.figures.get(self.area_key(self.area))

    @staticmethod
    def area_key(region) -> str:
        return published.ENGLAND if region is None else published.area_id(region)

    @property
    def area_name(self) -> str:
        return self.area.name if self.area else "England"

    @property
    def export_name(self):
        year = self.publication.year if self.publication else "none"
        return f"review-statistics-{year}-{self.area.slug if self.area else 'england'}"

    def tables(self, *, for_file):
        if not for_file:
            return []  # the screen shows `screen_tables`, rendered once per publication
        return self.published_tables()

    def published_tables(self) -> list:
        if self.area_figures is None:
            return []
        region_areas = None
        if self.area is None:
            stored = self.publication.figures
            region_areas = [
                (region.name, stored.get(self.area_key(region))) for region in self.regions
            ] + [("England", self.area_figures)]
        return published.tables_of(self.area_figures, self.area_name, region_areas=region_areas)

    def screen_cache_key(self) -> str | None:
        """What the rendered tables depend on: the publication (never changed once made,
        so its id and time name its figures), the area, the regions' names and order, and
        the query its download links repeat. None (not cached) for a query with anything
        but valid filters, so odd addresses cannot fill the cache."""
        query = self.request.GET.copy()
        query.pop("table", None)
        if not set(query) <= {"year", "area"} or (self.form.is_bound and self.form.errors):
            return None
        regions = [(region.pk, region.slug, region.name) for region in self.regions]
        parts = [
            self.publication.pk,
            self.publication.published_at.isoformat(),
            self.area_key(self.area),
            regions,
            sorted(query.lists()),
        ]
        digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
        return f"review-statistics-tables:{digest}"

    def screen_tables(self) -> tuple[bool, str]:
        """(withheld, the tables' HTML) of the shown publication and area."""
        key = self.screen_cache_key()
        found = cache.get(key) if key else None
        if found is None:
            withheld = self.area_figures is None
            tables = self.published_tables()
            html = render_to_string(
                self.tables_template,
                {"tables": tables, "request": self.request},
            )
            found = (withheld, html)
            if key:
                cache.set(key, found, SCREEN_TABLES_SECONDS)
        return found

    def about_rows(self) -> list[list[str]]:
        if self.publication is None:
            return REVIEW_ABOUT
        return [
            *REVIEW_ABOUT,
            ["Notified", self.publication.label],
            ["Published", f"{timezone.localtime(self.publication.published_at):%d %B %Y}"],
        ]

    def post(self, request, *args, **kwargs):
        """Publish a closed year's figures, once; then show them."""
        access.require_publisher(request.user)
        year = request.POST.get("year", "")
        try:
            done = services.publication_publish(year=int(year), by=request.user)
        except (ValueError, OverflowError):
            messages.error(request, services.NOT_A_YEAR)
            return redirect("panel:reviews")
        except services.PublishRefused as refused:
            messages.error(request, str(refused))
            return redirect("panel:reviews")
        messages.success(request, f"The figures for {done.label} are published")
        return redirect(f"{reverse('panel:reviews')}?{urlencode({'year': done.year})}")

    def get_context_data(self, **kwargs):
        withheld, tables_html = (False, "")
        if self.publication is not None:
            withheld, tables_html = self.screen_tables()
        return super().get_context_data(
            form=self.form,
            area=self.area,
            area_name=self.area_name,
            publication=self.publication,
            withheld=withheld,
            tables_html=tables_html,  # a SafeString, rendered by screen_tables
            withheld_note=published.WITHHELD_NOTE.format(area=self.area_name),
            unpublished_years=[
                (year, f"April {year} to March {year + 1}")
                for year in services.unpublished_closed_years(
                    published={p.year for p in self.publications}
                )
            ],
            **kwargs,
        )


class CompareView(PanelStaffMixin, TablesView):
    """/panel/compare/: partnerships by theme, item by item, spread, gap and change.

    Each table is a view of its own (`?show=`), one link away in "On this page", so a page
    never renders the 130 partnerships more than once; the downloads hold every table. The
    means come from each audit's stored means; only the item-by-item figures read answers.
    """

    template_name = "dashboards/compare.html"
    export_name = "compare"

    @cached_property
    def all_cycles(self):
        cycles = selectors.all_cycles()
        selectors.store_missing_means(cycles)
        return cycles

    @cached_property
    def cycles(self):
        return selectors.cycles_with_audits(self.all_cycles)

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
        return [item for theme in self.themes for item in theme.item_list]

    @cached_property
    def region(self):
        return self.region_named(self.bare_form.values()["region"])

    @cached_property
    def previous(self):
        return selectors.previous_cycle(self.cycle, self.all_cycles) if self.cycle else None

    @cached_property
    def stored(self):
        """The stored means of this cycle and the previous one, read together."""
        cycles = [cycle for cycle in (self.cycle, self.previous) if cycle]
        return selectors.stored_means(cycles, region=self.region) if cycles else {}

    @cached_property
    def partnerships(self):
        return self.stored[self.cycle.pk].partnerships if self.cycle else []

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
    def show(self) -> str:
        """The table shown: item by item when partnerships were ticked, else as asked."""
        if self.filters["show"] == HEAT_MAP and "compare" in self.request.GET:
            return ITEMS
        return self.filters["show"]

    @cached_property
    def chosen(self):
        slugs = set(self.filters["compare"] or [])
        return [p for p in self.partnerships if p.slug in slugs]

    @cached_property
    def levels(self):
        return scale_levels(self.cycle.version_id) if self.cycle else []

    def _means(self, cycle, rating):
        return self.stored[cycle.pk].of(rating) if cycle else {}

    @cached_property
    def distribution(self):
        responses = selectors.scored_responses(
            self.cycle, rating=self.filters["rating"], region=self.region
        )
        return selectors.item_distribution(responses)

    def tables(self, *, for_file):
        """Every table for a file; on screen, the one shown (and only its figures read)."""
        if self.cycle is None:
            return []
        wanted = set(VIEWS) if for_file else {self.show}
        rating = self.filters["rating"]
        label = RATING_LABELS[rating]
        result = []
        if HEAT_MAP in wanted:
            means = self._means(self.cycle, rating)
            result.append(
                audit_tables.heat_map(self.partnerships, self.themes, means, rating_label=label)
            )
        if ITEMS in wanted and self.chosen:
            values = selectors.item_values(
                selectors.scored_responses(self.cycle, rating=rating),
                [p.pk for p in self.chosen],
            )
            result.append(
                audit_tables.item_comparison(self.items, self.chosen, values, rating_label=label)
            )
        if DISTRIBUTION in wanted:
            result.append(
                audit_tables.distribution_table(self.items, self.levels, self.distribution)
            )
        if GAP in wanted:
            gaps = self._means(self.cycle, selectors.GAP)
            result.append(audit_tables.gap_table(self.partnerships, self.themes, gaps))
        if CHANGE in wanted:
            if self.previous:
                matching = selectors.matching_themes(
                    self.cycle.version_id, self.previous.version_id, self.themes
                )
            else:
                matching = set()
            result.append(
                audit_tables.change_table(
                    self.partnerships,
                    self.themes,
                    self._means(self.cycle, rating),
                    self._means(self.previous, rating),
                    matching,
                    self.previous.name if self.previous else "",
                )
            )
        if FLAGS in wanted and audit_tables.mapped_items(self.items):
            counts = selectors.evidence_flags_by_item(self.cycle, region=self.region)
            result.append(audit_tables.evidence_flags_table(self.items, counts))
        if AGENCIES in wanted:
            counts = agency_selectors.disagreements_by_item(self.cycle, region=self.region)
            result.append(
                audit_tables.agency_disagreement_table(
                    self.items, counts, levels=DISAGREEMENT_LEVELS
                )
            )
        return result

    def views(self) -> list[dict]:
        """The tables of these figures, each a link to its view (the shown one marked)."""
        previous = self.previous.name if self.previous else "the previous cycle"
        titles = {
            HEAT_MAP: "Mean rating by theme",
            ITEMS: "Item ratings side by side",
            DISTRIBUTION: "Partnerships at each rating level, by item",
            GAP: "Own rating less the Panel's moderated rating",
            CHANGE: f"Change in mean rating since {previous}",
            FLAGS: "Ratings not borne out by partnerships' own reviews, by item",
            AGENCIES: DISAGREE_TITLE,
        }
        links = []
        for show, slug in VIEWS.items():
            query = self.request.GET.copy()
            query.pop("show", None)
            if show != ITEMS:  # ticked partnerships are for the item-by-item view
                query.pop("compare", None)
            if show:
                query["show"] = show
            links.append(
                {
                    "title": titles[show],
                    "current": show == self.show,
                    "href": f"?{query.urlencode()}#{slug}" if query else f"?#{slug}",
                    "slug": slug,
                }
            )
        return links

    def title_words(self, views) -> str:
        """The filters and the table shown, in words for the page title: "2025-26, London,
        Panel's moderated ratings, change in mean rating since 2024-25". The gap is always
        own less moderated, and the flags were held against own ratings at submission, so
        their titles name the table alone, not the ratings chosen."""
        words = [self.cycle.name, self.region.name if self.region else "all regions"]
        if self.show not in (GAP, FLAGS, AGENCIES):
            words.append(RATING_LABELS[self.filters["rating"]])
        if self.show:  # the heat map is the page's default table: its title is the page's
            shown = next(view["title"] for view in views if view["current"])
            words.append(shown[0].lower() + shown[1:])  # "the Panel's" keeps its capital
        return ", ".join(words)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            form=self.form, cycle=self.cycle, themes=self.themes, **kwargs
        )
        if self.cycle and self.items and self.show == DISTRIBUTION:
            item = next((i for i in self.items if i.ref == self.filters["item"]), self.items[0])
            context["item"] = item
            counts = [self.distribution.get((item.ref, level.value), 0) for level in self.levels]
            label = audit_tables.item_label(item)
            context["distribution_chart"] = charts.distribution_chart(
                "item-distribution", label, self.levels, counts
            )
            context["distribution_chart_narrow"] = charts.distribution_chart(
                "item-distribution", label, self.levels, counts, narrow=True
            )
        context["previous"] = self.previous
        context["chosen"] = self.chosen
        context["partnerships"] = self.partnerships
        context["show"] = self.show
        context["views"] = self.views() if self.cycle else []
        context["title_words"] = self.title_words(context["views"]) if self.cycle else ""
        context["item_table"] = context["tables"].get("items")
        context["region"] = self.region
        return context


class PartnershipDashboardView(PartnershipMixin, TablesView):
    """/p/<slug>/dashboard/: the partnership against anonymised national and regional
    figures, and its own review statistics (in full for its members, on screen only)."""

    template_name = "dashboards/partnership_dashboard.html"

    @property
    def export_name(self):
        return f"{self.partnership.slug}-dashboard"

    @cached_property
    def all_cycles(self):
        cycles = selectors.all_cycles()
        selectors.store_missing_means(cycles)
        return cycles

    @cached_property
    def cycles(self):
        return selectors.cycles_with_audits(self.all_cycles)

    @cached_property
    def overall_means(self) -> dict:
        """{cycle id: {partnership id: overall own mean}}, every cycle's, from stored means."""
        return selectors.overall_means_by_cycle(SELF)

    @cached_property
    def own_trend(self) -> list[dict]:
        """The partnership's overall mean in each cycle where it submitted its audit (and
        rated something itself), oldest first."""
        pk = self.partnership.pk
        return [
            {"cycle": cycle.name, "opens": cycle.opens_on, "mean": means[pk]}
            for cycle in reversed(self.cycles)
            if (means := self.overall_means.get(cycle.pk, {})).get(pk) is not None
        ]

    @cached_property
    def scored_cycle_names(self) -> set[str]:
        return {row["cycle"] for row in self.own_trend}

    @cached_property
    def default_cycle(self):
        """The latest cycle with something to compare: the partnership's own submitted or
        accepted audit. A newer cycle whose audit is still in draft is one link away."""
        return next(
            (cycle for cycle in self.cycles if cycle.name in self.scored_cycle_names),
            self.cycles[0] if self.cycles else None,
        )

    @cached_property
    def form(self):
        return DashboardForm(
            self.request.GET or None,
            cycles=self.cycles,
            default=self.default_cycle.name if self.default_cycle else "",
        )

    @cached_property
    def cycle(self):
        name = self.form.values()["cycle"]
        return next((cycle for cycle in self.cycles if cycle.name == name), None)

    def cycle_links(self) -> list[dict]:
        """Every cycle with an audit, newest first, each a link to its figures."""
        return [
            {
                "name": cycle.name,
                "current": cycle == self.cycle,
                "scored": cycle.name in self.scored_cycle_names,
            }
            for cycle in self.cycles
        ]

    @cached_property
    def previous(self):
        """The partnership's own last cycle with a submitted audit, not merely the last one."""
        if self.cycle is None:
            return None
        pk = self.partnership.pk
        return next(
            (
                cycle
                for cycle in self.cycles
                if cycle.opens_on < self.cycle.opens_on
                and pk in self.overall_means.get(cycle.pk, {})
            ),
            None,
        )

    @cached_property
    def audit_figures(self):
        if self.cycle is None:
            return None
        themes = selectors.themes(self.cycle.version_id)
        cycles = [cycle for cycle in (self.cycle, self.previous) if cycle]
        # Everyone's means in this cycle (the peers), the partnership's own in the previous.
        stored = selectors.stored_means(
            cycles, where=Q(audit__cycle=self.cycle) | Q(audit__partnership=self.partnership)
        )
        now = stored[self.cycle.pk]
        everyone = now.of(SELF)
        own = everyone.get(self.partnership.pk, {})
        moderated = now.of(MODERATED).get(self.partnership.pk, {})
        regional_pks = {p.pk for p in now.partnerships if p.region_id == self.partnership.region_id}
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
            matching = selectors.matching_themes(
                self.cycle.version_id, self.previous.version_id, themes
            )
            then = stored[self.previous.pk].of(SELF).get(self.partnership.pk, {})
        by_name = {cycle.name: cycle.pk for cycle in self.cycles}
        trend = [
            {
                "cycle": row["cycle"],
                "mean": row["mean"],
                "median": (
                    spread.median
                    if (
                        spread := disclosure.peer_range(
                            mean
                            for pk, mean in self.overall_means.get(
                                by_name[row["cycle"]], {}
                            ).items()
                            if pk != self.partnership.pk
                        )
                    )
                    else None
                ),
            }
            for row in self.own_trend
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

    def tables(self, *, for_file):
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
        return result  # a partnership's review counts are never in a file: see below

    def own_review_tables_html(self) -> str:
        """The partnership's own review counts in full, rendered, for its members' screen
        only (kept rendered in the cache while they are still true)."""
        if not access.sees_own_review_figures(self.role):
            return ""
        return review_statistics.own_tables_html(self.partnership)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, cycle=self.cycle, **kwargs)
        figures = self.audit_figures
        if figures and figures["own"]:
            range_rows = [
                (
                    audit_tables.theme_short_label(theme),
                    figures["own"].get(theme.number),
                    figures["national"].get(theme.number),
                    audit_tables.theme_label(theme),
                )
                for theme in figures["themes"]
            ] + [
                (
                    "All themes",
                    figures["own"].get(OVERALL),
                    figures["national"].get(OVERALL),
                    "All themes",
                )
            ]
            context["range_chart"] = charts.range_chart("theme-range", range_rows)
            context["range_chart_narrow"] = charts.range_chart(
                "theme-range", range_rows, narrow=True
            )
        if figures and figures["trend"]:
            context["trend_chart"] = charts.trend_chart("trend", figures["trend"])
            context["trend_chart_narrow"] = charts.trend_chart(
                "trend", figures["trend"], narrow=True
            )
        context["previous"] = self.previous
        context["cycle_links"] = self.cycle_links()
        newest = self.cycles[0] if self.cycles else None
        context["newest_unscored"] = (
            newest if newest and newest.name not in self.scored_cycle_names else None
        )
        context["sees_own_reviews"] = access.sees_own_review_figures(self.role)
        context["review_tables_html"] = self.own_review_tables_html()
        context["survey_figures"] = survey_selectors.cycle_figures(self.partnership, self.cycle)
        return context
