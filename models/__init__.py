"""Declared models. Adding a model here (with a ``Simpul`` block) gives it an API and admin pages.

Docstrings and ``#:`` comments become API descriptions and SQL comments. A module that
declares a model must be imported here, or Tortoise never sees the model:
``python -m server.manage makemigrations`` refuses to run while one is missing.
"""
from models.agreement import Agreement
from models.app import App
from models.complaint import Complaint
from models.history import AuditEntry, ComplaintCounter, ComplaintEvent
from models.regency import Regency
from models.seed_record import SeedRecord
from models.user import User

__all__ = [
    "Agreement",
    "App",
    "AuditEntry",
    "Complaint",
    "ComplaintCounter",
    "ComplaintEvent",
    "Regency",
    "SeedRecord",
    "User",
]
