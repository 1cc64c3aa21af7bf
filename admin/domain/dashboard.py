"""The panel's home page (Beranda): the caller's figures, counted from the declarations, drawn with Chart.js.

For every model that declares ``Simpul.groupable`` and that the caller may read
(services/dashboard.py): its total and a count per declared condition (the
overdue complaints), each a link to the list that shows exactly those rows; then
a chart per groupable field (per status, per regency, per month...), with the
same figures as a table under it (links again), so that the numbers are there
for a screen reader, for a printout and before the chart script has run. The
complaint desk's service level (SP4N-LAPOR! deadlines kept) gets its own card.

Staff see their own regency's figures, Kominfo every regency's; a person whose
role reads none of the counted models still gets the page, with their greeting.
Chart.js is served by the panel itself (admin/static/vendor/chart-js-4.6.1).
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from admin import i18n
from admin.badges import TONES, tone_of
from admin.choices import related_labels, scope_relation
from admin.context import Panel, Requirement, signed_in
from admin.rendering import render_page
from core.clock import now_utc
from models.registry import RelationField
from permissions.terms import ANY, PUBLIC
from services import dashboard
from services.aggregates import by_month, groupable_fields, key_attribute, key_name

router = APIRouter()
#: The colour of bars that have no badge tone (regencies, months): Tabler's blue.
BAR = "#206bc4"
#: The model whose service level the page shows (the complaint workflow's deadlines).
SERVICE_LEVEL_MODEL = "Complaint"


class SignedIn(Requirement):
    """What the home page requires: a signed-in caller, whatever their role.

    The panel's counterpart of the API's ``Public(reason)``: the page itself shows nothing
    but a greeting; each of its cards asks the policy for its own model (``desk_rows``).
    """

    def __init__(self) -> None:
        super().__init__("*", "sign_in")

    async def __call__(self, panel: Panel = Depends(signed_in)) -> Panel:
        return panel

    def allows(self, access) -> bool:
        return not access.is_anonymous


HOME = SignedIn()


# --- what the page shows ----------------------------------------------------------------------


@dataclass
class Row:
    label: str
    count: int
    url: str | None = None
    colour: str = BAR
    #: The outline: a tinted badge tone's dark text colour, so that a pale bar still stands out on white.
    border: str = ""

    def __post_init__(self) -> None:
        self.border = self.border or self.colour


@dataclass
class Chart:
    id: str
    title: str
    kind: str  # "bar", "line" or "doughnut"
    rows: list[Row]
    #: Bars laid horizontally (many long labels: regencies).
    horizontal: bool = False

    def data(self) -> dict[str, Any]:
        """What the page's script hands to Chart.js."""
        return {
            "kind": self.kind, "horizontal": self.horizontal, "title": self.title,
            "labels": [r.label for r in self.rows], "counts": [r.count for r in self.rows],
            "colours": [r.colour for r in self.rows], "borders": [r.border for r in self.rows],
        }


@dataclass
class Counter:
    id: str
    label: str
    count: int
    url: str | None
    #: Tabler colour of the number: red for a condition that needs action (overdue) and is not zero.
    tone: str = ""


@dataclass
class Section:
    """One model's figures on the page."""

    model: str
    label: str
    counters: list[Counter]
    charts: list[Chart] = field(default_factory=list)


async def sections(panel: Panel) -> list[Section]:
    """A section per counted model; those with conditions to act on (overdue complaints) first."""
    made = []
    for figures in await dashboard.home_figures(panel.registry, panel.access):
        made.append(await _section(panel, figures))
    return sorted(made, key=lambda section: len(section.counters) == 1)


async def _section(panel: Panel, figures: dashboard.Figures) -> Section:
    spec = figures.spec
    links = await _list_links(panel, figures)
    label = i18n.model_label(spec.name)
    counters = [Counter(f"{spec.name.lower()}-total", i18n.gettext("dash_total") % {"model": label}, figures.total,
                        links.url({}))]
    for name, count in figures.conditions.items():
        counters.append(Counter(
            f"{spec.name.lower()}-{name}", i18n.field_label(name, spec.name), count, links.url({name: "true"}),
            tone="text-red" if count else "text-green",
        ))
    charts = [await _chart(panel, figures, grouped, links) for grouped in groupable_fields(spec)]
    return Section(spec.name, label, counters, charts)


async def _chart(panel: Panel, figures: dashboard.Figures, grouped, links: "ListLinks") -> Chart:
    spec = figures.spec
    groups = figures.groups[grouped.name]
    model, title_field = i18n.model_label(spec.name), i18n.field_label(grouped.name, spec.name)
    chart_id = f"{spec.name.lower()}-{key_name(grouped).replace('_', '-')}"
    if by_month(grouped):
        attribute = key_attribute(grouped)
        rows = [Row(_month_label(getattr(g.key, attribute)), g.count) for g in groups]
        title = i18n.gettext("dash_per_month") % {"model": model, "field": title_field}
        return Chart(chart_id, title, "bar", rows)
    title = i18n.gettext("dash_per_field") % {"model": model, "field": title_field}
    if isinstance(grouped, RelationField):
        ids = {getattr(g.key, grouped.column) for g in groups} - {None}
        labels = await related_labels(spec, grouped, panel.access, ids)
        rows = []
        # Most first, in one colour: the bars are a ranking, not categories to tell apart.
        for g in sorted(groups, key=lambda g: -g.count):
            related = getattr(g.key, grouped.column)
            text = labels.get(related, i18n.gettext("dash_no_value") if related is None else str(related))
            rows.append(Row(text, g.count, links.filtered(grouped, related)))
        return Chart(chart_id, title, "bar", rows, horizontal=True)
    rows = []
    for g in groups:
        value = getattr(g.key, grouped.name)
        text = i18n.value_label(value) if value is not None else i18n.gettext("dash_no_value")
        name = tone_of(value) if value is not None else "grey-soft"
        tone = TONES[name]
        border = tone.text if name.endswith("-soft") else tone.background
        rows.append(Row(text, g.count, links.filtered(grouped, value), tone.background, border))
    return Chart(chart_id, title, "doughnut" if grouped.python_type is bool else "bar", rows)


def _month_label(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return format_date(dt.date(year, number, 1), "MMM yyyy", locale=i18n.current_locale())


@dataclass
class ListLinks:
    """Addresses of the model's list page filtered to a card's rows, or none where the list cannot show exactly them."""

    base: str | None
    #: Filters that narrow the list to the rows the page counted (the caller's own regency).
    narrowing: dict[str, str]
    filterable: frozenset[str]

    def url(self, params: dict[str, str]) -> str | None:
        if self.base is None:
            return None
        query = urlencode({**self.narrowing, **params})
        return f"{self.base}?{query}" if query else self.base

    def filtered(self, grouped, value) -> str | None:
        """The list filtered to one group: ``?status=RECEIVED``, ``?regency=12``; None without such a filter."""
        if grouped.name not in self.filterable or value is None:
            return None
        if isinstance(value, bool):
            raw = "true" if value else "false"
        else:
            raw = str(value.value if isinstance(value, enum.Enum) else value)
        return self.url({grouped.name: raw})


async def _list_links(panel: Panel, figures: dashboard.Figures) -> ListLinks:
    spec = figures.spec
    resource = panel.resources.resources.get(spec.name.lower())
    base = f"{panel.request.app.admin_path}/{spec.name.lower()}/list"
    filterable = frozenset(spec.declaration.filterable)
    if resource is None or not resource.allows(panel.access, "read"):
        return ListLinks(None, {}, filterable)
    if not figures.regencies:
        return ListLinks(base, {}, filterable)
    # The page counted the caller's own regency among more rows the list shows: narrow the list the same way.
    relation = scope_relation(spec)
    if relation is None or relation not in filterable or len(figures.regencies) != 1:
        return ListLinks(None, {}, filterable)
    target = spec.related(relation)
    code_field = spec.declaration.regency_path.partition("__")[2]
    regency = await target.model.filter(**{code_field: next(iter(figures.regencies))}).first()
    if regency is None:
        return ListLinks(None, {}, filterable)
    return ListLinks(base, {relation: str(regency.pk)}, filterable)


async def _service_level(panel: Panel) -> dashboard.ServiceLevel | None:
    if SERVICE_LEVEL_MODEL not in panel.registry:
        return None
    desk = dashboard.desk_rows(panel.registry[SERVICE_LEVEL_MODEL], panel.access)
    if desk is None:
        return None
    since = dashboard.month_start(dashboard.last_months(now_utc())[0], dt.datetime)
    return await dashboard.service_level(desk.rows.filter(created_at__gte=since))


# --- the page ---------------------------------------------------------------------------------


@router.get("/", name="home", dependencies=[Depends(HOME)])
async def home(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    shown = await sections(panel)
    regency_names = await _regency_names(panel)
    return render_page(request, "simpul/home.html", {
        "page_title": i18n.gettext("home_title"),
        "welcome": i18n.gettext("dash_welcome") % {"name": panel.user.username},
        "scope_text": i18n.gettext("dash_scope_regencies") % {"regencies": ", ".join(regency_names)}
        if regency_names else i18n.gettext("dash_scope_all"),
        "sections": shown,
        "charts": {chart.id: chart.data() for section in shown for chart in section.charts},
        "service_level": await _service_level(panel),
        "service_level_model": SERVICE_LEVEL_MODEL,
    })


async def _regency_names(panel: Panel) -> list[str]:
    """Names of the regencies the caller's role is held in; none when it is held everywhere (Kominfo)."""
    from models import Regency

    held = {domain for _, domain in panel.access.grants()}
    codes = sorted(held - {ANY, PUBLIC})
    if ANY in held or not codes:
        return []
    return list(await Regency.filter(code__in=codes).order_by("name").values_list("name", flat=True))


def install(app) -> None:
    # Before the generated pages: this is the panel's "/".
    app.include_router(router)
