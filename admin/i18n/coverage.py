"""Which panel texts a language still lacks (``python -m server.manage translations``)."""
from __future__ import annotations

from models.registry import Registry


def missing_translations(registry: Registry) -> list[tuple[str, str]]:
    """(locale, catalogue key) pairs of labels the registry needs and a catalogue lacks."""
    from admin import i18n

    missing = []
    for locale in i18n.LANGUAGES:
        known = set(i18n.catalogue(locale)._catalog)  # noqa: SLF001 - Babel keeps its message ids here
        for spec in registry:
            wanted = [f"model|{spec.name}", *(f"field|{name}" for name in spec.scalars), *(f"field|{name}" for name in spec.relations)]
            missing += [(locale, key) for key in wanted if key not in known]
    return missing
