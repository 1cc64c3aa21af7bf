"""The panel's CSS, JavaScript and fonts, served by the panel itself at ``<admin_path>/static/``.

fastapi-admin's layout loads them from CDNs at ``@latest``; admin/templates/base.html
points at the pinned copies in admin/static/vendor/ instead (its README.md names
each package, version and licence), so the panel works without internet and runs no
third-party code that was not reviewed and shipped with it. admin/static/panel.css holds
the few rules of our own.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).resolve().parent / "static"

#: A vendored file's path names its version (``vendor/tabler-core-1.0.0/...``), so it never changes:
#: an upgrade is a new path. Browsers may keep it for a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Our own files (``panel.css``) keep their path across releases: browsers ask again every time
#: (a 304 while the ETag matches), so a deployment is seen at once.
REVALIDATE = "no-cache"

# Python's own table lacks .woff2; without /etc/mime.types (minimal images may have none)
# StaticFiles would send the fonts as text/plain.
mimetypes.add_type("font/woff2", ".woff2")


class StaticAssets(StaticFiles):
    """Starlette's ``StaticFiles`` over a static folder (admin/static unless told): versioned vendor files
    cached for good, the rest revalidated. GraphiQL's copies (schema/static) are served the same way."""

    def __init__(self, directory: Path = STATIC) -> None:
        super().__init__(directory=directory)

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE if path.startswith("vendor/") else REVALIDATE
        return response


def mount_static(app) -> None:
    """Serve admin/static at ``/static`` of the panel (``/admin/static/...`` once mounted at ``/admin``)."""
    app.mount("/static", StaticAssets(), name="static")
