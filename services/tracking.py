"""Tracking codes: ``ADU-<regency code without the dot>-<year>-<6-digit sequence>``, e.g. ``ADU-3215-2026-000123``.

The sequence counts per regency per year (year of receipt in WIB) in
``ComplaintCounter``. Each number is taken by one UPDATE ``value = value + 1``
and read back inside the same transaction: on PostgreSQL the UPDATE locks the
counter row until commit, so concurrent submissions queue on it and get
consecutive numbers; on SQLite transactions are serialised anyway.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.complaint import Complaint
from models.history import ComplaintCounter

PREFIX = "ADU"
SEQUENCE_DIGITS = 6
CODE_PATTERN = re.compile(r"^ADU-(\d{2})(\d{2})-(\d{4})-(\d{6,})$")


@dataclass(frozen=True)
class TrackingCode:
    regency_code: str  # with the dot: "32.15"
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{PREFIX}-{self.regency_code.replace('.', '')}-{self.year}-{self.sequence:0{SEQUENCE_DIGITS}d}"


def normalise(code: str) -> str:
    """Tracking codes are upper case; people type them any way."""
    return code.strip().upper()


def parse_code(code: str) -> TrackingCode | None:
    """The parts of a well-formed code, or None."""
    match = CODE_PATTERN.match(normalise(code))
    if match is None:
        return None
    province, regency, year, sequence = match.groups()
    return TrackingCode(f"{province}.{regency}", int(year), int(sequence))


async def _counter(regency_code: str, year: int):
    """The counter row's queryset, creating the row at 0 first if this is the year's first complaint."""
    # INSERT ... ON CONFLICT DO NOTHING: two first submissions racing both end up with the one row.
    await ComplaintCounter.bulk_create(
        [ComplaintCounter(regency_code=regency_code, year=year, value=0)], ignore_conflicts=True
    )
    return ComplaintCounter.filter(regency_code=regency_code, year=year)


async def allocate_tracking_code(regency_code: str, year: int) -> str:
    """The next free code of ``regency_code`` in ``year``. Runs in (or opens) a transaction."""
    async with in_transaction():
        counter = await _counter(regency_code, year)
        while True:
            await counter.update(value=F("value") + 1)
            sequence = await counter.get().values_list("value", flat=True)
            code = str(TrackingCode(regency_code, year, sequence))
            # Rows written without the hooks (bulk imports) may hold codes the counter never
            # gave out; skip over them rather than fail on the unique index.
            if not await Complaint.filter(tracking_code=code).exists():
                return code


async def reserve_tracking_code(code: str) -> None:
    """Keep the counter ahead of a code written explicitly (seeds, imports), so it is never handed out again."""
    parsed = parse_code(code)
    if parsed is None:
        return
    async with in_transaction():
        counter = await _counter(parsed.regency_code, parsed.year)
        await counter.filter(value__lt=parsed.sequence).update(value=parsed.sequence)
