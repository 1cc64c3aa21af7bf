"""Entry point for uvicorn: `uvicorn core.asgi:app` (add `--workers N` to scale out)."""
from core.app import create_app

app = create_app()
