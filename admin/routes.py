"""The generated pages, on fastapi-admin's paths, every query through our scope and CRUD service.

fastapi-admin's own resource routes (``fastapi_admin.routes.resources``) read and
write with ``model.all()`` / ``model.filter(pk=...)`` and no notion of who asks;
these replace them. Lists, counts, filters, pickers and exports use
``permissions.rows`` (the GraphQL API's scope);
detail pages ``get_row`` (absent and out-of-scope are the same 404); writes go
through ``create_row``/``update_row``/``delete_row`` with ``source="admin"``, so
validation and the audit log match the API. Every write needs the session's CSRF
token.

Pages forgive and say what happened: a refused save shows the form again as it was
typed, each message under its input; a save or delete ends on a page that says so
(``?notice=saved``); "save and return" goes back to the list page the person came
from, its filters, sort and page number kept (``next``, accepted only under the panel).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response
from starlette.status import HTTP_400_BAD_REQUEST, HTTP_403_FORBIDDEN

from admin import forms, i18n, listing
from admin.choices import row_label
from admin.context import Panel, csrf_checked, signed_in
from admin.domain import extension_for
from admin.rendering import redirect, render_page
from admin.resources import PanelResource
from core.clock import wib_time
from core.errors import BadUserInput, Forbidden, not_found
from core.values import parse_id
from permissions import rows as scope
from services import audit, crud, validation

router = APIRouter()
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
#: Most rows one export writes; a longer list is refused with a message to filter it first.
MAX_EXPORT_ROWS = 50_000
EXPORT_BATCH = 1_000
#: Page links shown on each side of the current page (then an ellipsis, and the first and last page).
PAGE_WINDOW = 2
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_NOTICE = re.compile(r"[a-z_]{1,32}")


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(request.query_params.get(name, default)), low), high)
    except ValueError:
        return default


def _require(panel: Panel, resource: PanelResource, action: str) -> None:
    if not resource.allows(panel.access, action):
        panel.access.require(resource.spec.name, action)  # the precise error when the role lacks it
        raise Forbidden(f"{resource.spec.name} does not offer {action} here.")


# --- addresses: where to go back to, and what to say there ------------------------------------


def safe_next(request: Request, raw: Any) -> str | None:
    """``raw`` when it is a page of this panel (a path under the panel, no host, no scheme), else None."""
    if not isinstance(raw, str) or not raw or len(raw) > 2000:
        return None
    if "\\" in raw or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        return None
    parts = urlsplit(raw)
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith(request.app.admin_path + "/"):
        return None
    if "//" in path or "/../" in path or "/./" in path or path.endswith(("/..", "/.")):
        return None
    return raw


def with_params(url: str, **params: Any) -> str:
    """``url`` with these query parameters set (replaced when present, removed when None)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items() if v is not None]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def _here(request: Request) -> str:
    """This page's address (the full path, the panel's mount included) with its query: what ``next`` carries."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def notice_text(request: Request) -> str | None:
    """The success message a redirect asked for (``?notice=saved`` → "Data tersimpan."), if the catalogue has it."""
    key = request.query_params.get("notice", "")
    if not _NOTICE.fullmatch(key):
        return None
    msgid = f"form_notice_{key}"
    text = i18n.gettext(msgid)
    return None if text == msgid else text


def _number(n: int) -> str:
    """Thousands grouped the way the panel's language writes them (12.345 in Indonesian, 12,345 in English)."""
    grouped = f"{n:,}"
    return grouped.replace(",", ".") if i18n.current_locale() == "id_ID" else grouped


def _list_url(request: Request, target: PanelResource) -> str:
    return f"{request.app.admin_path}/{target.slug}/list"


# --- home -------------------------------------------------------------------------------------


@router.get("/", name="home")
async def home(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    return render_page(request, "simpul/home.html", {
        "page_title": i18n.gettext("home_title"),
        "welcome": i18n.gettext("welcome") % {"name": panel.user.username},
    })


# --- lists ------------------------------------------------------------------------------------


def _page_links(here: str, page_num: int, page_count: int) -> list[dict]:
    """1 … 4 5 [6] 7 8 … 20: the first, the last and a window around the current page; None is an ellipsis."""
    shown = {1, page_count, *range(page_num - PAGE_WINDOW, page_num + PAGE_WINDOW + 1)}
    links, previous = [], 0
    for number in sorted(n for n in shown if 1 <= n <= page_count):
        if number > previous + 1:
            links.append(None)
        links.append({"number": number, "url": with_params(here, page_num=number, notice=None),
                      "current": number == page_num})
        previous = number
    return links


def _headers(spec, columns: list[str], sort: str | None, here: str) -> list[dict]:
    """The list's column headers; a ``Simpul.sortable`` column's header sorts by it (again: the other way)."""
    sortable = set(listing.sortable_columns(spec))
    headers = []
    for name, label in zip(columns, listing.column_labels(spec, columns)):
        state = None
        if sort is not None and sort.lstrip("-") == name:
            state = "descending" if sort.startswith("-") else "ascending"
        headers.append({
            "name": name, "label": label, "css": listing.column_class(spec, name), "state": state,
            "url": with_params(here, sort=f"-{name}" if state == "ascending" else name, page_num=None)
            if name in sortable else None,
        })
    return headers


async def _editable_ids(panel: Panel, target: PanelResource, pks: list[Any]) -> set[Any]:
    """The rows of ``pks`` the caller may change: their link says "Ubah", the others "Lihat"."""
    if not pks or not target.allows(panel.access, "update"):
        return set()
    in_scope = scope.rows(target.spec, panel.access, "update").filter(pk__in=pks)
    return set(await in_scope.values_list(target.spec.pk, flat=True))


@router.get("/{resource}/list", name="list_view")
async def list_view(request: Request, resource: str, panel: Panel = Depends(signed_in)) -> Response:
    target = panel.resources.get(resource)
    spec, access = target.spec, panel.access
    _require(panel, target, "read")
    query = await listing.list_query(spec, access, request.query_params)
    widgets = [await f.widget.render(request, query.values.get(f.name, "")) for f in query.filters]
    total = await query.queryset.count()
    page_size = _int_param(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page_count = max(1, -(-total // page_size))
    page_num = min(_int_param(request, "page_num", 1, 1, 10**6), page_count)
    rows = await query.ordered().offset((page_num - 1) * page_size).limit(page_size)
    pks = [r.pk for r in rows]
    columns = listing.list_columns(spec, access)
    cells = await listing.list_cells(spec, access, rows, columns)
    editable = await _editable_ids(panel, target, pks)
    flags = await listing.highlighted(spec, pks)
    here = with_params(_here(request), notice=None)
    base = f"{request.app.admin_path}/{target.slug}"
    # A highlighted row says why in words too (not by colour alone), beside its label.
    label_field = spec.declaration.label_field
    flag_column = columns.index(label_field) if label_field in columns else min(1, len(columns) - 1)
    table = [{
        "pk": pk, "cells": row_cells, "editable": pk in editable, "flags": flags.get(pk, []),
        "flag_labels": [i18n.field_label(n, spec.name) for n in flags.get(pk, [])],
        "url": with_params(f"{base}/update/{pk}", next=here),
    } for pk, row_cells in zip(pks, cells)]
    export_query = urlsplit(with_params(here, page_num=None, page_size=None)).query
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page_num", "notice")]
    return render_page(request, "simpul/list.html", {
        "resource": target.slug,
        "resource_label": target.label,
        "page_title": target.label,
        "columns": _headers(spec, columns, query.sort, here),
        "flag_column": flag_column,
        "rows": table,
        "filters": widgets,
        "sort": query.sort or "",
        "total": total,
        "page_size": page_size,
        "page_num": page_num,
        "page_count": page_count,
        "pages": _page_links(here, page_num, page_count),
        "prev_url": with_params(here, page_num=page_num - 1) if page_num > 1 else None,
        "next_url": with_params(here, page_num=page_num + 1) if page_num < page_count else None,
        "jump_params": kept,
        "from": min(total, (page_num - 1) * page_size + 1),
        "to": min(total, page_num * page_size),
        "can_create": target.allows(access, "create"),
        "can_delete": target.allows(access, "delete"),
        "create_url": with_params(f"{base}/create", next=here),
        "export_urls": {kind: f"{base}/export/{kind}" + (f"?{export_query}" if export_query else "")
                        for kind in EXPORT_TYPES},
        "here": here,
        "notice": notice_text(request),
    })


@router.get("/{resource}/export/{kind}", name="export")
async def export(request: Request, resource: str, kind: str, panel: Panel = Depends(signed_in)) -> Response:
    """The list as the page shows it (same scope, filters and order, every page) as CSV or Excel; audited."""
    target = panel.resources.get(resource)
    spec, access = target.spec, panel.access
    _require(panel, target, "read")
    if kind not in EXPORT_TYPES:
        raise not_found(spec.name, kind)
    query = await listing.list_query(spec, access, request.query_params)
    total = await query.queryset.count()
    if total > MAX_EXPORT_ROWS:
        return render_page(request, "errors/simpul_error.html", {
            "status_code": HTTP_400_BAD_REQUEST, "error_title": i18n.gettext("list_export_too_long_title"),
            "error_text": i18n.gettext("list_export_too_long") % {"rows": _number(total), "limit": _number(MAX_EXPORT_ROWS)},
        }, status_code=HTTP_400_BAD_REQUEST)
    with_personal = bool(spec.declaration.personal) and access.decide(spec.name, "read_personal").allowed
    names = listing.export_fields(spec, with_personal)
    ordered = query.ordered()
    values: list[list[Any]] = []
    for start in range(0, total, EXPORT_BATCH):
        batch = await ordered.offset(start).limit(EXPORT_BATCH)
        values += await listing.export_rows(spec, access, batch, names)
    header = listing.export_header(spec, names)
    body = listing.as_csv(header, values) if kind == "csv" else listing.as_xlsx(target.label, header, values)
    await audit.record(
        actor=access.user, action="export", model=spec.name, object_id="", before=None,
        after={"format": kind, "rows": len(values), "filters": query.values, "sort": query.sort,
               "personal": [n for n in names if n in spec.declaration.personal]},
        source="admin",
    )
    stamp = wib_time(dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%d-%H%M")
    return Response(body, media_type=EXPORT_TYPES[kind], headers={
        "Content-Disposition": f'attachment; filename="{target.slug}-{stamp}.{kind}"',
        "Cache-Control": "no-store",
    })


# --- create and update pages ------------------------------------------------------------------


async def _form_page(request: Request, panel: Panel, target: PanelResource, row: Any, *,
                     editable: bool, error: str | None = None, status_code: int = 200,
                     extension_error: str | None = None, submitted=None,
                     errors: list[BadUserInput] | None = None, next_url: str | None = None) -> Response:
    spec = target.spec
    extension = extension_for(spec.name)
    locked = extension.locked_fields if extension else frozenset()
    if row is not None:
        await forms.load_many(spec, row)
    form = await forms.form_fields(spec, panel.access, row, editable=editable, locked=locked)
    by_field, general = forms.field_errors(form, errors or [], spec.name)
    if error:
        general.insert(0, error)
    rendered = [await f.render(request, row, submitted, by_field.get(f.name, ())) for f in form]
    if next_url is None:
        next_url = safe_next(request, request.query_params.get("next"))
    return render_page(request, "simpul/form.html", {
        "resource": target.slug,
        "resource_label": target.label,
        "page_title": target.label,
        "page_pre_title": "" if row is None else row_label(spec, row),
        "inputs": rendered,
        "pk": None if row is None else row.pk,
        "editable": editable,
        "can_delete": row is not None and target.allows(panel.access, "delete") and editable,
        "errors": general,
        "field_error_count": sum(len(m) for m in by_field.values()),
        "next": next_url,
        "return_url": next_url or _list_url(request, target),
        "notice": notice_text(request),
        "extension": await extension.render(panel, spec, row, extension_error) if extension and row is not None else None,
    }, status_code=status_code)


async def _editable(panel: Panel, target: PanelResource, row: Any) -> bool:
    if not target.allows(panel.access, "update"):
        return False
    return await scope.rows(target.spec, panel.access, "update").filter(pk=row.pk).exists()


@router.get("/{resource}/update/{pk}", name="update_view")
async def update_view(request: Request, resource: str, pk: str, panel: Panel = Depends(signed_in)) -> Response:
    target = panel.resources.get(resource)
    _require(panel, target, "read")
    row = await scope.get_row(target.spec, panel.access, pk)
    if row is None:
        raise not_found(target.spec.name, pk)
    return await _form_page(request, panel, target, row, editable=await _editable(panel, target, row))


async def update_view_with_error(request: Request, panel: Panel, resource: str, pk: str, error: str) -> Response:
    """The detail page again, with a domain block's error (e.g. a refused status change), as a 400."""
    target = panel.resources.get(resource)
    row = await scope.get_row(target.spec, panel.access, pk)
    if row is None:
        raise not_found(target.spec.name, pk)
    return await _form_page(request, panel, target, row, editable=await _editable(panel, target, row),
                            extension_error=error, status_code=HTTP_400_BAD_REQUEST)


async def _refusals(spec, panel: Panel, fields: list, data: dict, problems: list[BadUserInput], *,
                    creating: bool, pk: Any = None) -> list[BadUserInput]:
    """Everything wrong with a submitted form, in one pass: what the form could not read, then what the
    services refuse among the rest (not again for an input already refused)."""
    refused = set()
    owner = {key: f.name for f in fields for key in f.error_keys}
    for problem in problems:
        refused.add(owner.get(str(problem.extensions.get("field"))))
    found = await validation.input_problems(spec, panel.access, data, creating=creating, exclude_pk=pk)
    return problems + [e for e in found if owner.get(str(e.extensions.get("field"))) not in refused]


async def _save(request: Request, panel: Panel, target: PanelResource, row: Any) -> tuple[Any, Response | None]:
    """Save the posted form (``row`` None creates): (the saved row, None), or (None, the form again with why not)."""
    spec = target.spec
    creating = row is None
    extension = extension_for(spec.name)
    locked = extension.locked_fields if extension else frozenset()
    form = await request.form()
    next_url = safe_next(request, form.get("next"))
    fields = await forms.form_fields(spec, panel.access, row, editable=True, locked=locked)
    data, problems = forms.read_form(fields, form)
    status, error = HTTP_400_BAD_REQUEST, None
    try:
        if problems:
            raise validation.refusal(await _refusals(spec, panel, fields, data, problems, creating=creating,
                                                     pk=None if creating else row.pk))
        if creating:
            return await crud.create_row(spec, panel.access, data, source="admin"), None
        return await crud.update_row(spec, panel.access, row.pk, data, source="admin"), None
    except BadUserInput as refused:
        errors = list(getattr(refused, "errors", None) or [refused])
    except Forbidden as refused:  # e.g. a row moved outside the caller's regency: say so, keep the form
        errors, error, status = [], i18n.error_text(refused, spec.name), HTTP_403_FORBIDDEN
    if not creating:
        row = await scope.get_row(spec, panel.access, row.pk)
        if row is None:
            raise not_found(spec.name, "")
    page = await _form_page(request, panel, target, row, editable=True, error=error, status_code=status,
                            submitted=form, errors=errors, next_url=next_url)
    return None, page


def _after_save(request: Request, target: PanelResource, row: Any, form, next_url: str | None) -> Response:
    base = f"{request.app.admin_path}/{target.slug}"
    if "save_and_return" in form:
        return redirect(with_params(next_url or f"{base}/list", notice="saved"))
    if "save_and_add_another" in form:
        return redirect(with_params(f"{base}/create", notice="saved", next=next_url))
    return redirect(with_params(f"{base}/update/{row.pk}", notice="saved", next=next_url))


@router.post("/{resource}/update/{pk}", name="update")
async def update(request: Request, resource: str, pk: str, panel: Panel = Depends(csrf_checked)) -> Response:
    target = panel.resources.get(resource)
    _require(panel, target, "update")
    row = await scope.get_row(target.spec, panel.access, pk)
    if row is None:
        raise not_found(target.spec.name, pk)
    saved, page = await _save(request, panel, target, row)
    if page is not None:
        return page
    form = await request.form()
    return _after_save(request, target, saved, form, safe_next(request, form.get("next")))


@router.get("/{resource}/create", name="create_view")
async def create_view(request: Request, resource: str, panel: Panel = Depends(signed_in)) -> Response:
    target = panel.resources.get(resource)
    _require(panel, target, "create")
    return await _form_page(request, panel, target, None, editable=True)


@router.post("/{resource}/create", name="create")
async def create(request: Request, resource: str, panel: Panel = Depends(csrf_checked)) -> Response:
    target = panel.resources.get(resource)
    _require(panel, target, "create")
    saved, page = await _save(request, panel, target, None)
    if page is not None:
        return page
    form = await request.form()
    return _after_save(request, target, saved, form, safe_next(request, form.get("next")))


# --- delete -----------------------------------------------------------------------------------


async def _delete_error(request: Request, error: BadUserInput) -> Response:
    return render_page(request, "errors/simpul_error.html", {
        "status_code": HTTP_400_BAD_REQUEST, "error_title": i18n.gettext("error_title"), "error_text": i18n.error_text(error),
    }, status_code=HTTP_400_BAD_REQUEST)


async def _after_delete(request: Request, target: PanelResource) -> Response:
    form = await request.form()
    back = safe_next(request, form.get("next")) or _list_url(request, target)
    return redirect(with_params(back, notice="deleted"))


@router.api_route("/{resource}/delete/{pk}", methods=["POST", "DELETE"], name="delete")
async def delete(request: Request, resource: str, pk: str, panel: Panel = Depends(csrf_checked)) -> Response:
    target = panel.resources.get(resource)
    _require(panel, target, "delete")
    try:
        await crud.delete_row(target.spec, panel.access, pk, source="admin")
    except BadUserInput as error:
        return await _delete_error(request, error)
    return await _after_delete(request, target)


@router.api_route("/{resource}/delete", methods=["POST", "DELETE"], name="bulk_delete")
async def bulk_delete(request: Request, resource: str, panel: Panel = Depends(csrf_checked)) -> Response:
    """Delete the selected rows: all of them, or (if any is absent or out of scope) none, with a 404."""
    target = panel.resources.get(resource)
    spec = target.spec
    _require(panel, target, "delete")
    form = await request.form()
    raw_ids = [i for v in form.getlist("ids") + request.query_params.getlist("ids") for i in str(v).split(",") if i]
    ids = []
    for raw in dict.fromkeys(raw_ids):
        try:
            ids.append(parse_id(raw, model=spec.name))
        except BadUserInput:
            raise not_found(spec.name, raw) from None
    in_scope = set(await scope.rows(spec, panel.access, "delete").filter(pk__in=ids).values_list(spec.pk, flat=True))
    missing = [i for i in ids if i not in in_scope]
    if missing:
        raise not_found(spec.name, missing[0])
    try:
        await crud.delete_rows(spec, panel.access, ids, source="admin")
    except BadUserInput as error:
        return await _delete_error(request, error)
    return await _after_delete(request, target)
