"""Declared models. Adding a model here (with a ``Simpul`` block) gives it an API and admin pages.

Docstrings and ``#:`` comments become API descriptions and SQL comments. Keep
semicolons out of them: Tortoise 1.1 migrations on SQLite cut a CREATE TABLE at a
semicolon inside such a comment ("incomplete input").
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
