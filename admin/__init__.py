"""The admin panel: fastapi-admin's layout and paths, generated from the model registry.

``create_admin_app(registry)`` (admin/app.py) builds the ASGI app to mount at
``/admin``. Start with admin/compat.py for what keeps fastapi-admin 1.0.4 running.
"""
from admin import compat  # noqa: F401  (aliases aioredis before anything imports fastapi_admin)


def create_admin_app(registry, **options):
    from admin.app import create_admin_app as build

    return build(registry, **options)


__all__ = ["create_admin_app"]
