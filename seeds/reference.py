"""Reference data: the 48 regencies (Kemendagri codes) from ``data/regencies.csv``."""
from __future__ import annotations

import csv
from pathlib import Path

from models.enums import RegencyKind
from models.regency import Regency
from seeds.sync import Plan, Row

DATA = Path(__file__).with_name("data")
#: Kota Tangerang: the region whose apps the others adopt.
PROVIDER_CODE = "36.71"

REGENCY_PLAN = Plan(model=Regency, key="code", fields=("code", "name", "kind", "province", "is_provider"))


def regency_rows() -> list[Row]:
    """One seed row per line of regencies.csv, Kota Tangerang marked as the provider."""
    with (DATA / "regencies.csv").open(encoding="utf-8", newline="") as handle:
        return [
            {
                "code": line["code"],
                "name": line["name"],
                "kind": RegencyKind(line["kind"]),
                "province": line["province"],
                "is_provider": line["code"] == PROVIDER_CODE,
            }
            for line in csv.DictReader(handle)
        ]
