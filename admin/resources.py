"""The panel's resources, generated from the model registry: one per declared model, none by hand.

A resource's URL name is the model name in lower case (fastapi-admin's convention:
``/admin/complaint/list``), its menu label comes from the label table
(admin/i18n), its icon from ``Simpul.icon``. The menu a person sees holds only
the resources their role may ``read``, plus the domain pages (users, policies,
audit log) they may use.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException
from starlette.status import HTTP_404_NOT_FOUND

from admin import i18n
from models.registry import ModelSpec, Registry


@dataclass(frozen=True)
class PanelResource:
    spec: ModelSpec

    @property
    def slug(self) -> str:
        return self.spec.name.lower()

    @property
    def label(self) -> str:
        return i18n.model_label(self.spec.name)

    @property
    def icon(self) -> str:
        return self.spec.declaration.icon

    def allows(self, access, action: str) -> bool:
        """The declaration offers the operation and the caller's role may do it somewhere."""
        operation = {"read": "list"}.get(action, action)
        return self.spec.declaration.allows(operation) and access.decide(self.spec.name, action).allowed


@dataclass(frozen=True)
class DomainPage:
    """A hand-written page (users, policies, audit log) and who may see it in the menu."""

    url: str  # under the panel, e.g. "/user/list"
    label_key: str
    icon: str
    visible_to: Callable[[object], bool]


@dataclass
class PanelResources:
    registry: Registry
    admin_path: str
    resources: dict[str, PanelResource] = field(default_factory=dict)
    pages: list[DomainPage] = field(default_factory=list)

    @classmethod
    def from_registry(cls, registry: Registry, admin_path: str) -> "PanelResources":
        made = cls(registry=registry, admin_path=admin_path)
        for spec in registry:
            resource = PanelResource(spec)
            made.resources[resource.slug] = resource
        return made

    def get(self, slug: str) -> PanelResource:
        """The resource, or 404 for a name that is not a declared model."""
        resource = self.resources.get(slug)
        if resource is None:
            raise HTTPException(status_code=HTTP_404_NOT_FOUND)
        return resource

    def add_page(self, page: DomainPage) -> None:
        self.pages.append(page)

    def menu(self, access) -> list[dict]:
        """fastapi-admin's menu items (its ``components/model.html``/``link.html`` read these keys)."""
        items = [
            {"type": "model", "model": r.slug, "label": r.label, "icon": r.icon}
            for r in self.resources.values() if r.allows(access, "read")
        ]
        items += [
            {"type": "link", "url": self.admin_path + p.url, "label": i18n.gettext(p.label_key),
             "icon": p.icon, "target": "_self"}
            for p in self.pages if p.visible_to(access)
        ]
        return items
