from models import Agreement, Complaint
from models.registry import build_registry, registry_from_modules
from tortoise import Tortoise


def test_registry_describes_declared_models_only():
    registry = build_registry(Tortoise.apps.get_models_iterable())
    assert {"Regency", "App", "Agreement", "Complaint", "User", "Kiosk"} <= set(registry.names())
    # Models without a Simpul block are the platform's own bookkeeping, never generated.
    assert {"AuditEntry", "ComplaintCounter", "SeedRecord"}.isdisjoint(registry.names())
    # User is declared for reading only: accounts are changed by their own service.
    assert registry["User"].declaration.operations == ("list", "get")
    assert "password_hash" in registry["User"].declaration.hidden
    complaint = registry.for_model(Complaint)
    assert complaint.relations["regency"].kind == "fk"
    assert complaint.relations["regency"].column == "regency_id"
    assert complaint.declaration.personal == ("reporter_name", "reporter_contact")
    apps = registry.for_model(Agreement).relations["apps"]
    assert (apps.kind, apps.target, apps.through) == ("m2m", "App", "agreement_app")


def test_registry_from_modules_keeps_to_those_modules():
    product = registry_from_modules(["models"])
    assert "Kiosk" not in product
    assert "kiosks" not in product["Regency"].relations
    assert "Kiosk" in registry_from_modules(["models", "tests.throwaway_models"])
