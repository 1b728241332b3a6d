"""The survey's pages: the public form behind its link, the partnership's results (and a
lead's opening and closing of the survey), their CSV, and the Panel's figures."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from audits import selectors as audit_selectors
from audits.models import Cycle
from partnerships import access
from partnerships.exports import csv_sections
from partnerships.mixins import PanelStaffMixin, PartnershipMixin
from partnerships.signin import client_ip_address

from . import selectors, services
from .choices import MIN_RESPONSES
from .forms import SurveyForm, SurveyOpenForm
from .models import Survey, new_token

COOKIE = "survey_browser"
COOKIE_SALT = "surveys.browser"
COOKIE_MAX_AGE = 60 * 60 * 24 * 400  # longer than any survey's window


class PublicSurveyMixin:
    """The survey behind /survey/<token>/ (404 for any other token), for anyone: no sign-in."""

    @cached_property
    def survey(self) -> Survey:
        try:
            return selectors.by_token(self.kwargs["token"])
        except Survey.DoesNotExist:
            raise Http404("No such survey") from None

    def cookie_path(self) -> str:
        return reverse("surveys:answer", kwargs={"token": self.survey.token})


class SurveyAnswerView(PublicSurveyMixin, TemplateView):
    """The form. Outside its window the page says so (200). A browser gets its own signed,
    HttpOnly cookie for this survey's path on its first visit; a browser that has answered is
    told so; over a rate limit the answer is 429."""

    template_name = "surveys/answer.html"

    def browser(self) -> str | None:
        try:
            return self.request.get_signed_cookie(COOKIE, salt=COOKIE_SALT)
        except (KeyError, signing.BadSignature):
            return None

    def page(self, form=None, status=200, **context):
        today = timezone.localdate()
        survey = self.survey
        is_open = survey.closed_at is None and survey.is_open(today)
        template = self.template_name if is_open else "surveys/closed.html"
        context = {
            "survey": survey,
            "form": form or SurveyForm(statements=survey.statements),
            "not_yet": today < survey.opens_on,
            **context,
        }
        response = render(self.request, template, context, status=status)
        if self.browser() is None:
            response.set_signed_cookie(
                COOKIE,
                new_token(),
                salt=COOKIE_SALT,
                max_age=COOKIE_MAX_AGE,
                path=self.cookie_path(),
                httponly=True,
                samesite="Lax",
                secure=self.request.is_secure(),
            )
        return response

    def get(self, request, *args, **kwargs):
        return self.page()

    def post(self, request, *args, **kwargs):
        survey = self.survey
        form = SurveyForm(request.POST, statements=survey.statements)
        thanks = redirect("surveys:thanks", token=survey.token)
        if form.is_bot:
            return thanks  # nothing is stored, and nothing tells the program so
        if not form.is_valid():
            return self.page(form)
        browser = self.browser()
        if browser is None:
            return self.page(form, cookie_missing=True)
        try:
            services.survey_response_submit(
                survey=survey,
                answers=form.answers(),
                agency=form.cleaned_data["agency"],
                role=form.cleaned_data["role"],
                browser=browser,
                client=client_ip_address(request),
            )
        except services.SurveyNotOpen:
            return self.page()
        except services.AlreadyAnswered:
            return render(request, "surveys/already_answered.html", {"survey": survey})
        except services.RateLimited:
            return render(request, "surveys/rate_limited.html", {"survey": survey}, status=429)
        except ValidationError:
            return self.page(form)
        return thanks


class SurveyThanksView(PublicSurveyMixin, TemplateView):
    template_name = "surveys/thanks.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(survey=self.survey, **kwargs)


class SurveyCycleMixin(PartnershipMixin):
    """The partnership (404 unless a member or Panel staff), the cycle (404 if none) and the
    partnership's survey in it, if opened."""

    @cached_property
    def cycle(self) -> Cycle:
        try:
            return audit_selectors.get_cycle(self.kwargs["cycle"])
        except Cycle.DoesNotExist:
            raise Http404("No such cycle") from None

    @cached_property
    def survey(self) -> Survey | None:
        return selectors.of(self.partnership, self.cycle)

    @cached_property
    def results(self) -> selectors.Results:
        return selectors.results(self.survey, self.cycle.version.survey_statements)


class SurveyResultsView(SurveyCycleMixin, TemplateView):
    """The link to share, the window, the responses so far and the figures; for a lead, the
    form to open the survey (POST here) or the button to close it."""

    template_name = "surveys/results.html"

    def get_context_data(self, **kwargs):
        survey = self.survey
        today = timezone.localdate()
        link = None
        if survey is not None:
            link = self.request.build_absolute_uri(
                reverse("surveys:answer", kwargs={"token": survey.token})
            )
        kwargs.setdefault("open_form", SurveyOpenForm())
        kwargs.pop("cycle", None)  # the URL's name; the object goes in its place
        return super().get_context_data(
            cycle=self.cycle,
            survey=survey,
            link=link,
            is_open=survey is not None and survey.closed_at is None and survey.is_open(today),
            results=self.results if survey is not None else None,
            has_statements=bool(self.cycle.version.survey_statements),
            can_open=access.can_lead(self.role) and self.cycle.is_open(today),
            min_responses=MIN_RESPONSES,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        access.require_role(self.role, access.Role.LEAD)
        if self.survey is not None:
            if request.POST.get("close"):
                services.survey_close(survey=self.survey, by=request.user)
            return redirect(request.path)
        form = SurveyOpenForm(request.POST)
        if form.is_valid():
            try:
                services.survey_open(
                    partnership=self.partnership,
                    cycle=self.cycle,
                    closes_on=form.cleaned_data["closes_on"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error("closes_on", error)
            else:
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(open_form=form))


def results_sheets(results: selectors.Results) -> dict:
    """The figures as tables, under the same rule as the page: a group or statement with
    fewer than MIN_RESPONSES responses has no count and no share, only the words."""
    headers = ["Group", "Statement", "Items", "Responses", "Agreeing (%)"]

    def rows(label, figures):
        return [
            [
                label,
                figure.text,
                " ".join(figure.items),
                figure.n if figure.shown else selectors.FEWER,
                figure.percent if figure.shown else "",
            ]
            for figure in figures
        ]

    table = rows("All responses", results.overall)
    for group in results.by_agency + results.by_role:
        table += rows(group.label, group.figures)
    return {"Practitioner survey": (headers, table)}


class SurveyExportView(SurveyCycleMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        if self.survey is None:
            raise Http404("No survey")
        body = csv_sections(results_sheets(self.results))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        name = f"survey-{self.partnership.slug}-{self.cycle.name}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class PanelSurveysView(PanelStaffMixin, TemplateView):
    """/panel/surveys/: a cycle's figures for England and by partnership, same threshold."""

    template_name = "surveys/panel_surveys.html"

    def get_context_data(self, **kwargs):
        cycles = selectors.cycles_with_survey_statements()
        chosen = self.request.GET.get("cycle")
        cycle = next((c for c in cycles if c.name == chosen), cycles[0] if cycles else None)
        england, partnerships, left_out = selectors.panel_results(cycle) if cycle else ([], [], 0)
        return super().get_context_data(
            cycles=cycles,
            cycle=cycle,
            england=england,
            partnerships=partnerships,
            left_out=left_out,
            min_responses=MIN_RESPONSES,
            **kwargs,
        )
