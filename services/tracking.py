"""Tracking codes: ``ADU-<regency code without the dot>-<year>-<6-digit sequence>-<6 random characters>``,
e.g. ``ADU-3215-2026-000123-K7QX9M``.

The readable part tells a citizen and the desk where and when a report was made;
the random suffix (32 unambiguous characters, no 0/O or 1/I, so about a billion
choices) makes a code unguessable: counting through sequence numbers finds nothing.
Only the full code finds a complaint.

The sequence counts per regency per year (year of receipt in WIB) in
``ComplaintCounter``. Each number is taken by one UPDATE ``value = value + 1``
and read back inside the same transaction: on PostgreSQL the UPDATE locks the
counter row until commit, so concurrent submissions queue on it and get
consecutive numbers; on SQLite transactions are serialised anyway.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models.complaint import Complaint
from models.history import ComplaintCounter

PREFIX = "ADU"
SEQUENCE_DIGITS = 6
#: Letters and digits nobody mistakes for another when reading a code aloud or typing it from paper.
SUFFIX_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SUFFIX_LENGTH = 6
CODE_PATTERN = re.compile(r"^ADU-(\d{2})(\d{2})-(\d{4})-(\d{6,})-([%s]{%d})$" % (SUFFIX_ALPHABET, SUFFIX_LENGTH))
#: A code as written before suffixes existed; imports may still carry one. It numbers a complaint
#: (so the counter skips it) but finds none: tracking needs the full code.
READABLE_PATTERN = re.compile(r"^ADU-(\d{2})(\d{2})-(\d{4})-(\d{6,})$")


@dataclass(frozen=True)
class TrackingCode:
    regency_code: str  # with the dot: "32.15"
    year: int
    sequence: int
    suffix: str = ""

    @property
    def readable(self) -> str:
        """The code without its random suffix: regency, year and number."""
        return f"{PREFIX}-{self.regency_code.replace('.', '')}-{self.year}-{self.sequence:0{SEQUENCE_DIGITS}d}"

    def __str__(self) -> str:
        return f"{self.readable}-{self.suffix}" if self.suffix else self.readable


def random_suffix() -> str:
    return "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def derived_suffix(readable: str) -> str:
    """A suffix computed from the readable part: the same on every run, for demo data only (anyone can compute it)."""
    digest = hashlib.sha256(f"simpul-demo:{readable}".encode()).digest()
    return "".join(SUFFIX_ALPHABET[b % len(SUFFIX_ALPHABET)] for b in digest[:SUFFIX_LENGTH])


def normalise(code: str) -> str:
    """Tracking codes are upper case; people type them any way."""
    return code.strip().upper()


def parse_code(code: str) -> TrackingCode | None:
    """The parts of a well-formed code (or of a readable part written without its suffix), or None."""
    text = normalise(code)
    match = CODE_PATTERN.match(text) or READABLE_PATTERN.match(text)
    if match is None:
        return None
    province, regency, year, sequence, *suffix = match.groups()
    return TrackingCode(f"{province}.{regency}", int(year), int(sequence), "".join(suffix))


async def _counter(regency_code: str, year: int):
    """The counter row's queryset, creating the row at 0 first if this is the year's first complaint."""
    # INSERT ... ON CONFLICT DO NOTHING: two first submissions racing both end up with the one row.
    await ComplaintCounter.bulk_create(
        [ComplaintCounter(regency_code=regency_code, year=year, value=0)], ignore_conflicts=True
    )
    return ComplaintCounter.filter(regency_code=regency_code, year=year)


async def allocate_tracking_code(regency_code: str, year: int) -> str:
    """The next free code of ``regency_code`` in ``year``, with a fresh random suffix. Runs in (or opens) a transaction."""
    async with in_transaction():
        counter = await _counter(regency_code, year)
        while True:
            await counter.update(value=F("value") + 1)
            sequence = await counter.get().values_list("value", flat=True)
            code = TrackingCode(regency_code, year, sequence, random_suffix())
            # Rows written without the hooks (bulk imports) may hold numbers the counter never
            # gave out; skip over them so a number names one complaint.
            taken = Q(tracking_code=code.readable) | Q(tracking_code__startswith=f"{code.readable}-")
            if not await Complaint.filter(taken).exists():
                return str(code)


async def reserve_tracking_code(code: str) -> None:
    """Keep the counter ahead of a code written explicitly (seeds, imports), so it is never handed out again."""
    parsed = parse_code(code)
    if parsed is None:
        return
    async with in_transaction():
        counter = await _counter(parsed.regency_code, parsed.year)
        await counter.filter(value__lt=parsed.sequence).update(value=parsed.sequence)
