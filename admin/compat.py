"""Everything that keeps fastapi-admin 1.0.4 running on today's stack, in one place.

Import this module before anything from ``fastapi_admin`` (``admin/__init__.py``
does). Each entry says what breaks and when it can go; tests/test_admin_compat.py
fails loudly when an upgrade breaks the panel.

1. ``aioredis``: fastapi-admin does ``from aioredis import Redis``. The aioredis 2.0.1
   package raises ``TypeError: duplicate base class TimeoutError`` on Python 3.11+,
   and it was merged into redis-py as ``redis.asyncio`` with the same API. We register
   ``redis.asyncio`` under the name ``aioredis`` in ``sys.modules`` so the import
   resolves without loading the broken package. Remove when fastapi-admin imports
   ``redis.asyncio`` itself.

2. ``TemplateResponse(name, context)``: fastapi-admin's own routes, login provider and
   error handlers call Starlette's old argument order, deprecated since Starlette 0.29
   and removed in 1.0. The panel never calls those code paths: its routes, login and
   error pages are ours (admin/routes.py, admin/provider.py, admin/rendering.py) and use
   ``TemplateResponse(request, name, context)``. We still pin ``starlette<1.0`` in
   pyproject.toml because fastapi-admin's module-level ``app`` and its unused routes are
   imported with it; lift the pin once the compat test passes on Starlette 1.x.

3. Pydantic v1-style ``@validator`` in ``fastapi_admin.resources.Action`` only warns on
   Pydantic 2 (and the validator returns None, so ``Action.ajax`` is always None). The
   panel uses its own action descriptions (admin/resources.py) instead of ``Action``.

4. fastapi-admin installs translations globally (``fastapi_admin.i18n.set_locale``), so two
   concurrent requests in different languages would swap each other's language, and it
   ships only ``.po`` files (no ``.mo``), so its catalogue is empty at run time. The panel
   installs its own per-request gettext into the shared Jinja environment (admin/i18n).
"""
from __future__ import annotations

import sys
import warnings


def alias_aioredis() -> None:
    """Make ``import aioredis`` resolve to ``redis.asyncio`` (see 1 above)."""
    import redis.asyncio

    sys.modules["aioredis"] = redis.asyncio


def import_fastapi_admin() -> None:
    """Import fastapi-admin's modules the panel uses, after the aliases, quietly."""
    alias_aioredis()
    with warnings.catch_warnings():
        # (3) the V1-style validator warning is fastapi-admin's, not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        import fastapi_admin.app  # noqa: F401
        import fastapi_admin.resources  # noqa: F401
        import fastapi_admin.widgets.filters  # noqa: F401
        import fastapi_admin.widgets.inputs  # noqa: F401


import_fastapi_admin()
