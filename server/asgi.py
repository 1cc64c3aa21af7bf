"""Entry point for uvicorn: `uvicorn server.asgi:app` (add `--workers N` to scale out)."""
from server.app import create_app

app = create_app()
