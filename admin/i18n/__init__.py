"""The panel's languages: Indonesian (default) and English, as Babel catalogues in this folder.

- ``<locale>/LC_MESSAGES/messages.po`` hold every text of the panel: fastapi-admin's
  template strings, our own messages, and the label table. Labels are data:
  ``model|<ModelName>``; ``field|<Model>.<python name>`` for one model's field, then
  ``field|<python name>`` for a label that fits every model with such a field (``status``,
  ``regency``); ``value|<enum value>``. A key a catalogue lacks falls back to the name made
  readable (``tracking_code`` → ``Tracking code``; an enum member by its name), so a new model
  shows sensible labels before anyone translates it, and never another model's label
  (Complaint's ``body`` is "Isi laporan", a new model's ``body`` is "Isi").
- Help texts under form inputs are data too, keyed ``help|<Model>.<field>``. They are written for
  the panel's users, not copied from the API descriptions (the models' ``#:`` comments), which
  speak of ``null`` and GraphQL names. A field without an entry shows its ``#:`` comment (backticks
  removed) in every language: the comment is the default text until someone translates it, and
  ``python -m server.manage translations`` lists every such field (admin/i18n/coverage.py).
- Messages of the services (``BadUserInput``) are English, for the API; an error with a
  ``reason`` code is shown from ``error|<REASON>``, a template over its ``params``
  (:func:`error_text`). Without an entry the panel puts the label of the field the message
  names in front, so a reader of the Indonesian panel at least sees which input is meant.
- The language of a request lives in a ContextVar (fastapi-admin keeps one global
  language for the whole process, which mixes languages between concurrent requests).

The .po files are read at start-up with Babel (no compiled .mo files to keep in step).
"""
from __future__ import annotations

import enum
import io
import re
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

HERE = Path(__file__).resolve().parent
DEFAULT_LOCALE = "id_ID"
#: Locale code → the name shown in the language menu (in that language).
LANGUAGES: dict[str, str] = {"id_ID": "Bahasa Indonesia", "en_US": "English"}

_current: ContextVar[str] = ContextVar("admin_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=None)
def catalogue(locale: str) -> Translations:
    with (HERE / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def supported(locale: str | None) -> str | None:
    """The locale if the panel speaks it (``en``/``en-US``/``id`` accepted), else None."""
    if not locale:
        return None
    wanted = locale.replace("-", "_").lower()
    for code in LANGUAGES:
        if wanted in (code.lower(), code.split("_")[0].lower()):
            return code
    return None


def set_locale(locale: str) -> None:
    _current.set(supported(locale) or DEFAULT_LOCALE)


def current_locale() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return catalogue(current_locale()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(current_locale()).ungettext(singular, plural, n)


def _lookup(kind: str, key: str) -> str | None:
    msgid = f"{kind}|{key}"
    text = gettext(msgid)
    return None if text == msgid or not text else text


def humanize(name: str) -> str:
    words = name.replace("__", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def field_label(name: str, model: str | None = None) -> str:
    """Label of a field or column: ``field|Model.name``, else ``field|name``, else the readable name.

    Pages that show no declared model (accounts, policies, the audit log) give no model.
    """
    return (model and _lookup("field", f"{model}.{name}")) or _lookup("field", name) or humanize(name)


def model_label(model_name: str) -> str:
    """Label of a model in menus and titles: ``model|Name``, else the class name."""
    return _lookup("model", model_name) or model_name


def value_label(value: object) -> str:
    """Label of an enum value in lists and dropdowns: ``value|VALUE``, else the member's name made readable."""
    raw = getattr(value, "value", value)
    text = str(raw)
    name = value.name if isinstance(value, enum.Enum) else text
    return _lookup("value", text) or humanize(name.lower())


def field_help(model_name: str, field_name: str, description: str | None = None) -> str | None:
    """Hint under a form input: ``help|Model.field``, else the field's ``#:`` comment without backticks."""
    text = _lookup("help", f"{model_name}.{field_name}")
    if text:
        return text
    return description.replace("`", "") if description else None


def error_text(error, model: str | None = None) -> str:
    """A service error as the panel shows it, in the panel's language.

    An error with a ``reason`` the catalogue knows (``error|<REASON>``) is written from that
    entry, a ``str.format`` template over the error's ``params`` (plus ``field``, the label of
    the input it names): ``error|AGREEMENT_PKS_BEFORE_MOU`` = "PKS tidak boleh ditandatangani
    ({pks}) sebelum MoU-nya {mouNumber} ({mou})." Dates read ``dd/mm/yyyy``, enum values and
    models by their labels, lists joined with commas. Otherwise (no reason, no entry, or an
    entry naming a param the error lacks): ``<field label>: <message>`` when the catalogue
    knows the field, else the service's English message.
    """
    message = error.message
    extensions = getattr(error, "extensions", None) or {}
    field = extensions.get("field")
    reason = getattr(error, "reason", None) or extensions.get("reason")
    template = _lookup("error", reason) if isinstance(reason, str) else None
    if template is not None:
        params = getattr(error, "params", None) or extensions.get("params") or {}
        try:
            return template.format_map(_shown_params(params, field, model))
        except (KeyError, IndexError, ValueError, AttributeError):
            pass  # a translation that names a value this error does not carry: the message below
    label = _known_field_label(field, model) if isinstance(field, str) else None
    if label is None or message.lower().startswith(label.lower()):
        return message
    return f"{label}: {message}"


def _shown_params(params, field: object, model: str | None) -> dict[str, str]:
    """The error's params as the panel writes them; ``field`` (and ``model``) by their labels."""
    shown = {str(key): _shown_value(value) for key, value in dict(params).items()}
    named = params.get("field", field)
    if isinstance(named, str):
        shown["field"] = _known_field_label(named, model) or humanize(named)
    if isinstance(params.get("model"), str):
        shown["model"] = model_label(params["model"])
    return shown


def _shown_value(value: object) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        from core.clock import wib_time

        return wib_time(value).strftime("%d/%m/%Y %H:%M WIB")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, enum.Enum):
        return value_label(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_shown_value(v) for v in value)
    return str(value)


def _known_field_label(name: str, model: str | None = None) -> str | None:
    """Label of a field named the API's way (``signedOn``, ``parentId``, ``appIds``), if the table has one."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    for candidate in dict.fromkeys((snake, snake.removesuffix("_ids"), snake.removesuffix("_id"))):
        label = (model and _lookup("field", f"{model}.{candidate}")) or _lookup("field", candidate)
        if label:
            return label
    return None


def install(env) -> None:
    """Give a Jinja environment ``_``/``gettext`` that follow the current request's language."""
    env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=False)
    env.globals.update(
        field_label=field_label, model_label=model_label, value_label=value_label,
        current_locale=current_locale, LANGUAGES=LANGUAGES,
    )
