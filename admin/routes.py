"""The generated pages, on fastapi-admin's paths, every query through our scope and CRUD service.

fastapi-admin's own resource routes (``fastapi_admin.routes.resources``) read and
write with ``model.all()`` / ``model.filter(pk=...)`` and no notion of who asks;
these replace them. Lists, counts, filters and pickers use
``permissions.rows`` (the GraphQL API's scope);
detail pages ``get_row`` (absent and out-of-scope are the same 404); writes go
through ``create_row``/``update_row``/``delete_row`` with ``source="admin"``, so
validation and the audit log match the API. Every write needs the session's CSRF
token.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response
from starlette.status import HTTP_400_BAD_REQUEST

from admin import forms, i18n, listing
from admin.choices import row_label
from admin.context import Panel, csrf_checked, signed_in
from admin.domain import extension_for
from admin.rendering import redirect, render_page
from admin.resources import PanelResource
from core.errors import BadUserInput, Forbidden, not_found
from core.values import parse_id
from models.ordering import ordering_of
from permissions import rows as scope
from services import crud

router = APIRouter()
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(request.query_params.get(name, default)), low), high)
    except ValueError:
        return default


def _require(panel: Panel, resource: PanelResource, action: str) -> None:
    if not resource.allows(panel.access, action):
        panel.access.require(resource.spec.name, action)  # the precise error when the role lacks it
        raise Forbidden(f"{resource.spec.name} does not offer {action} here.")


@router.get("/", name="home")
async def home(request: Request, panel: Panel = Depends(signed_in)) -> Response:
    return render_page(request, "simpul/home.html", {
        "page_title": i18n.gettext("home_title"),
        "welcome": i18n.gettext("welcome") % {"name": panel.user.username},
    })


@router.get("/{resource}/list", name="list_view")
async def list_view(request: Request, resource: str, panel: Panel = Depends(signed_in)) -> Response:
    target = panel.resources.get(resource)
    spec, access = target.spec, panel.access
    _require(panel, target, "read")
    queryset = scope.rows(spec, access, "read")
    widgets, values = [], {}
    for list_filter in await listing.list_filters(spec, access):
        raw = request.query_params.get(list_filter.name, "").strip()
        condition = list_filter.apply(raw) if raw else None
        if condition is not None:
            queryset = queryset.filter(condition)
            values[list_filter.name] = raw
        widgets.append(await list_filter.widget.render(request, values.get(list_filter.name, "")))
    total = await queryset.count()
    page_size = _int_param(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page_num = _int_param(request, "page_num", 1, 1, 10**6)
    # The API's default order (declared, then Meta.ordering, then the key; text without regard to case).
    rows = await ordering_of(spec).apply(queryset).offset((page_num - 1) * page_size).limit(page_size)
    columns = listing.list_columns(spec)
    return render_page(request, "simpul/list.html", {
        "resource": target.slug,
        "resource_label": target.label,
        "page_title": target.label,
        "columns": listing.column_labels(spec, columns),
        "rows": list(zip([r.pk for r in rows], await listing.list_cells(spec, access, rows, columns))),
        "filters": widgets,
        "total": total,
        "page_size": page_size,
        "page_num": page_num,
        "page_count": max(1, -(-total // page_size)),
        "from": min(total, (page_num - 1) * page_size + 1),
        "to": min(total, page_num * page_size),
        "can_create": target.allows(access, "create"),
        "can_delete": target.allows(access, "delete"),
    })


async def _form_page(request: Request, panel: Panel, target: PanelResource, row: Any, *,
                     editable: bool, error: str | None = None, status_code: int = 200,
                     extension_error: str | None = None) -> Response:
    spec = target.spec
    extension = extension_for(spec.name)
    locked = extension.locked_fields if extension else frozenset()
    if row is not None:
        await forms.load_many(spec, row)
    form = await forms.form_fields(spec, panel.access, row, editable=editable, locked=locked)
    rendered = [await f.render(request, row) for f in form]
    return render_page(request, "simpul/form.html", {
        "resource": target.slug,
        "resource_label": target.label,
        "page_title": target.label,
        "page_pre_title": "" if row is None else row_label(spec, row),
        "inputs": rendered,
        "pk": None if row is None else row.pk,
        "editable": editable,
        "can_delete": row is not None and target.allows(panel.access, "delete") and editable,
        "error": error,
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


@router.post("/{resource}/update/{pk}", name="update")
async def update(request: Request, resource: str, pk: str, panel: Panel = Depends(csrf_checked)) -> Response:
    target = panel.resources.get(resource)
    spec = target.spec
    _require(panel, target, "update")
    row = await scope.get_row(spec, panel.access, pk)
    if row is None:
        raise not_found(spec.name, pk)
    extension = extension_for(spec.name)
    locked = extension.locked_fields if extension else frozenset()
    form = await request.form()
    try:
        data = forms.form_data(await forms.form_fields(spec, panel.access, row, editable=True, locked=locked), form)
        row = await crud.update_row(spec, panel.access, row.pk, data, source="admin")
    except BadUserInput as error:
        row = await scope.get_row(spec, panel.access, pk)
        return await _form_page(request, panel, target, row, editable=True, error=i18n.error_text(error, spec.name),
                                status_code=HTTP_400_BAD_REQUEST)
    base = f"{request.app.admin_path}/{target.slug}"
    return redirect(f"{base}/list" if "save_and_return" in form else f"{base}/update/{row.pk}")


@router.get("/{resource}/create", name="create_view")
async def create_view(request: Request, resource: str, panel: Panel = Depends(signed_in)) -> Response:
    target = panel.resources.get(resource)
    _require(panel, target, "create")
    return await _form_page(request, panel, target, None, editable=True)


@router.post("/{resource}/create", name="create")
async def create(request: Request, resource: str, panel: Panel = Depends(csrf_checked)) -> Response:
    target = panel.resources.get(resource)
    spec = target.spec
    _require(panel, target, "create")
    form = await request.form()
    try:
        data = forms.form_data(await forms.form_fields(spec, panel.access, None, editable=True), form)
        row = await crud.create_row(spec, panel.access, data, source="admin")
    except BadUserInput as error:
        return await _form_page(request, panel, target, None, editable=True, error=i18n.error_text(error, spec.name),
                                status_code=HTTP_400_BAD_REQUEST)
    base = f"{request.app.admin_path}/{target.slug}"
    if "save_and_add_another" in form:
        return redirect(f"{base}/create")
    return redirect(f"{base}/update/{row.pk}")


async def _delete_error(request: Request, error: BadUserInput) -> Response:
    return render_page(request, "errors/simpul_error.html", {
        "status_code": HTTP_400_BAD_REQUEST, "error_title": i18n.gettext("error_title"), "error_text": i18n.error_text(error),
    }, status_code=HTTP_400_BAD_REQUEST)


@router.api_route("/{resource}/delete/{pk}", methods=["POST", "DELETE"], name="delete")
async def delete(request: Request, resource: str, pk: str, panel: Panel = Depends(csrf_checked)) -> Response:
    target = panel.resources.get(resource)
    _require(panel, target, "delete")
    try:
        await crud.delete_row(target.spec, panel.access, pk, source="admin")
    except BadUserInput as error:
        return await _delete_error(request, error)
    return redirect(f"{request.app.admin_path}/{target.slug}/list")


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
    return redirect(f"{request.app.admin_path}/{target.slug}/list")
