"""Parse and validate a document once: the next request with the same text reuses the checked document.

Strawberry's ``ParserCache`` and ``ValidationCache`` cannot serve here: the limits are extension
factories, so every request brings new rule classes (a new validation key every time), and a
document refused by a request-dependent check must not be remembered as good.

What is remembered is only a document that passed everything that does not depend on the request:
parsing under the token limit, the literal limits (``schema/document_rules.py``) and every
validation rule of the schema (depth, cost, aliases, introspection). Its key is the schema, the
text, the parse options and the literal limits, so a document is never reused under other limits.
A document that failed anything is not remembered: it is parsed and refused again, the same way.
What depends on the request still runs every time: the choice of operation (``operationName``,
the transport) in ``DocumentRules`` and Strawberry's check of the operation type.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

from core.settings import get_settings

#: Documents remembered per process (all schemas together); the least recently used goes first.
MAX_DOCUMENTS = 500
#: Longer texts are not remembered: real queries are far shorter, and a few large ones must not fill
#: memory (a document of 2,000 tokens may still carry a megabyte of comments).
MAX_REMEMBERED_CHARS = 10_000
#: The texts remembered together stay under this many characters. A parsed document takes up to about
#: 300 bytes per character of its text (2,000 one-letter fields in 4,000 characters: 1.1 MB), so this
#: bounds the cache near 30 MB however the documents are chosen; the documents of a frontend (a few
#: hundred characters to a few thousand each) fit by the hundred.
MAX_TOTAL_CHARS = 100_000


class _Store:
    """A bounded LRU of checked documents, and the identity of each (see :func:`is_checked`)."""

    def __init__(self, size: int, total_chars: int = MAX_TOTAL_CHARS):
        self.size = size
        self.total_chars = total_chars
        self._chars = 0
        #: (schema, text, ...) -> document
        self._documents: OrderedDict[tuple, DocumentNode] = OrderedDict()
        #: id() of every remembered document -> the document: held here, so an id stays its own.
        self._by_id: dict[int, DocumentNode] = {}

    def get(self, key: tuple) -> DocumentNode | None:
        document = self._documents.get(key)
        if document is not None:
            self._documents.move_to_end(key)
        return document

    def put(self, key: tuple, document: DocumentNode) -> None:
        if key in self._documents:
            return
        self._documents[key] = document
        self._by_id[id(document)] = document
        self._chars += len(key[1])
        while len(self._documents) > self.size or self._chars > self.total_chars:
            (_, text, *_), forgotten = self._documents.popitem(last=False)
            self._chars -= len(text)
            self._by_id.pop(id(forgotten), None)  # each miss parses its own document: one key per document

    def holds(self, document: Any) -> bool:
        return self._by_id.get(id(document)) is document

    def clear(self) -> None:
        self._documents.clear()
        self._by_id.clear()
        self._chars = 0

    def __len__(self) -> int:
        return len(self._documents)


_store = _Store(MAX_DOCUMENTS)
#: How often the parser and the validator actually ran (tests and benchmarks read it).
counts = {"parsed": 0, "validated": 0, "reused": 0}


def is_checked(document: Any) -> bool:
    """Whether ``document`` is one this cache handed out: it passed the literal limits already."""
    return _store.holds(document)


def forget_all() -> None:
    _store.clear()


class DocumentCache(SchemaExtension):
    """Hands a remembered document to the request, and skips its validation (it passed with these rules).

    List it before ``DocumentRules``: its parse hook must run first (so a remembered long document is not
    parsed in a thread) and finish last (after ``DocumentRules`` checked the fresh document).
    """

    def __init__(self) -> None:
        super().__init__()
        self._key: tuple | None = None
        self._reused = False

    def on_parse(self):
        context = self.execution_context
        query = context.query
        if context.graphql_document is None and query and len(query) <= MAX_REMEMBERED_CHARS:
            settings = get_settings()
            self._key = (
                context.schema, query, tuple(sorted(context.parse_options.items())),
                settings.max_int_digits, settings.max_json_depth,
            )
            document = _store.get(self._key)
            if document is not None:
                context.graphql_document = document
                self._reused = True
                counts["reused"] += 1
            else:
                counts["parsed"] += 1
        yield

    def on_validate(self):
        context = self.execution_context
        if self._reused and context.pre_execution_errors is None:
            # It passed every validation rule of this schema before; Strawberry skips validation when set.
            context.pre_execution_errors = []
        elif context.pre_execution_errors is None:
            counts["validated"] += 1
        yield
        if not self._reused and self._key is not None and context.pre_execution_errors == []:
            _store.put(self._key, context.graphql_document)
