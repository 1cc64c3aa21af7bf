"""What the API says about a model's fields: the developer's words, else words built from the declaration.

A field's ``#:`` comment is its description (Tortoise keeps the whole comment in
``field.docstring`` and its first line in ``field.description``). Two of Tortoise's
defaults would otherwise reach the API:

- an enum field (``CharEnumField``/``IntEnumField``) gets the listing of its members
  (``"MOU: MOU\\nPKS: PKS"``) as description before the comment is read, so the
  comment never lands there;
- a reverse relation (``Regency.complaints``, the far side of a many-to-many such as
  ``App.agreements``) copies the forward field's text ("The regency that must answer."),
  which describes the other end.

Here the comment wins over the listing, and a reverse relation is described from the
side it is read on: "Complaints whose regency is this regency.".

Enum members are documented the same way as model fields, with a ``#:`` comment above
the member (:func:`enum_member_descriptions`).
"""
from __future__ import annotations

import enum
import inspect
import re
from functools import cache
from typing import Any

from tortoise.fields import relational

_VOWELS = "aeiou"
#: Words spelled with a vowel letter but said with a consonant sound ("a unit", "a user", "a one-off").
_CONSONANT_SOUND = ("uni", "use", "usu", "uti", "ure", "eu", "one", "once")


def article(word: str) -> str:
    """``a`` or ``an`` for the word that follows, by its first letter (and a few known exceptions)."""
    lowered = word.lower()
    if lowered[:1] in _VOWELS and not lowered.startswith(_CONSONANT_SOUND):
        return "an"
    return "a"


def with_article(phrase: str) -> str:
    """``an agreement``, ``a regency``, ``an app``."""
    return f"{article(phrase)} {phrase}"


def readable(name: str) -> str:
    """A Python or GraphQL name as lower-case words: ``ComplaintEvent``/``providedAgreements``/``owner_unit``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return " ".join(spaced.split()).lower()


def noun(model_name: str) -> str:
    """How a description names one row of the model: ``Agreement`` → ``agreement``."""
    return readable(model_name)


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def flatten(text: str | None) -> str | None:
    """A comment or docstring as one line (its lines joined), or None when empty."""
    if not text:
        return None
    joined = " ".join(text.split())
    return joined or None


def id_description(model_name: str) -> str:
    return f"Unique id of the {noun(model_name)}."


# --- scalar and forward fields ----------------------------------------------------------------


def enum_listing(enum_type: type[enum.Enum]) -> set[str]:
    """The descriptions Tortoise makes up for an enum field (``NAME: value`` per member, one per line)."""
    as_text = "\n".join(f"{m.name}: {m.value}" for m in enum_type)[:2048]
    listings = {as_text}
    try:
        listings.add("\n".join(f"{m.name}: {int(m.value)}" for m in enum_type)[:2048])
    except (TypeError, ValueError):
        pass
    return listings


def is_enum_listing(text: str | None, enum_type: type[enum.Enum] | None = None) -> bool:
    """True for Tortoise's member listing (``MOU: MOU\\nPKS: PKS``) rather than words someone wrote."""
    if not text:
        return False
    if enum_type is not None:
        return text in enum_listing(enum_type)
    lines = text.splitlines()
    return all(re.fullmatch(r"\s*(\w+): (\S+)\s*", line) for line in lines) and len(lines) >= 1


def written_description(field: Any) -> str | None:
    """The description a developer gave the field: its ``#:`` comment, or an explicit ``description=``."""
    comment = flatten(getattr(field, "docstring", None))
    given = field.description
    enum_type = getattr(field, "enum_type", None)
    if given is None or (enum_type is not None and is_enum_listing(given, enum_type)):
        return comment
    if comment and comment.startswith(flatten(given) or ""):
        return comment  # Tortoise kept only the comment's first line
    return flatten(given)


# --- reverse relations ------------------------------------------------------------------------


def _declared_plural(model: type) -> str:
    block = model.__dict__.get("Simpul")
    plural = getattr(block, "plural", None)
    return plural or f"{model.__name__}s"


def _forward_field(field: Any) -> str | None:
    """Name of the field on the other model whose far side ``field`` is."""
    own_model, other = field.model, field.related_model
    wanted_kind = (
        relational.ManyToManyFieldInstance
        if isinstance(field, relational.ManyToManyFieldInstance)
        else relational.ForeignKeyFieldInstance
    )
    for name, candidate in other._meta.fields_map.items():
        if (
            isinstance(candidate, wanted_kind)
            and candidate.related_model is own_model
            and getattr(candidate, "related_name", None) == field.model_field_name
            and not getattr(candidate, "_generated", False)
        ):
            return name
    return None


def is_reverse(field: Any) -> bool:
    """A relation set from the other model: a reverse foreign key, or the generated side of a many-to-many."""
    if isinstance(field, relational.BackwardFKRelation):
        return True
    return isinstance(field, relational.ManyToManyFieldInstance) and getattr(field, "_generated", False)


def reverse_description(field: Any) -> str:
    """``Complaints whose regency is this regency.``, ``Agreements whose apps include this app.``"""
    own = noun(field.model.__name__)
    forward = _forward_field(field)
    if isinstance(field, relational.BackwardOneToOneRelation):
        head = f"The {noun(field.related_model.__name__)}"
    else:
        head = sentence(readable(_declared_plural(field.related_model)))
    if forward is None:
        return f"{head} linked to this {own}."
    verb = "include" if isinstance(field, relational.ManyToManyFieldInstance) else "is"
    return f"{head} whose {readable(forward)} {verb} this {own}."


# --- the one entry point for the registry -----------------------------------------------------


def field_description(model: type, field: Any) -> str | None:
    """The API description of one Tortoise field of ``model``, as the registry records it."""
    if is_reverse(field):
        return reverse_description(field)
    written = written_description(field)
    if written is None and getattr(field, "pk", False):
        return id_description(model.__name__)
    return written


# --- enums ------------------------------------------------------------------------------------


def enum_description(enum_type: type[enum.Enum]) -> str | None:
    """The enum class's docstring, as one line (``Enum``'s own docstring does not count)."""
    doc = enum_type.__dict__.get("__doc__")
    return flatten(inspect.cleandoc(doc)) if doc else None


@cache
def enum_member_descriptions(enum_type: type[enum.Enum]) -> dict[str, str]:
    """Member name → its ``#:`` comment in the enum's source (as model fields are documented)."""
    try:
        source = inspect.getsource(enum_type)
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    pending: list[str] = []
    for line in source.splitlines()[1:]:
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        member = re.match(r"([A-Za-z_]\w*)\s*=", stripped)
        if member and pending and member.group(1) in enum_type.__members__:
            found[member.group(1)] = " ".join(pending)
        pending = []
    return found


__all__ = [
    "article", "enum_description", "enum_member_descriptions", "field_description", "id_description",
    "is_enum_listing", "is_reverse", "noun", "readable", "reverse_description", "sentence", "with_article",
]
