"""The app catalogue of Kota Tangerang (174 apps) from ``data/apps.csv``; see data/README.md for sources.

Two marks of the catalogue data are for the demo world, not written to the database:
``audience`` (``PUBLIC``: citizens use the app; ``STAFF``: a back-office tool such as e-Office,
e-Audit or e-Arsip, which citizens do not complain about) and ``adoptable`` (``no`` for the
apps named after Kota Tangerang: the demo's adopters take the app under a neutral name in their
own catalogue or not at all, never "Wisata Kota Tangerang" for Lebak). Rows carry them as
``_audience`` and ``_adoptable`` (extra data the sync neither writes nor fingerprints).
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from functools import lru_cache

from models.app import App
from models.enums import AppCategory, AppPlatform, AppStatus
from seeds.reference import DATA
from seeds.sync import Plan, Row

#: The OPD (perangkat daerah) behind each short code used in apps.csv.
OWNER_UNITS: dict[str, str] = {
    "BAPENDA": "Badan Pendapatan Daerah",
    "BAPPEDA": "Badan Perencanaan Pembangunan Daerah",
    "BKPSDM": "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
    "BPBD": "Badan Penanggulangan Bencana Daerah",
    "BPKAD": "Badan Pengelolaan Keuangan dan Aset Daerah",
    "DAMKAR": "Dinas Pemadam Kebakaran dan Penyelamatan",
    "DINDIK": "Dinas Pendidikan",
    "DINKES": "Dinas Kesehatan",
    "DINSOS": "Dinas Sosial",
    "DISBUDPAR": "Dinas Kebudayaan dan Pariwisata",
    "DISDAG": "Dinas Perdagangan",
    "DISDUKCAPIL": "Dinas Kependudukan dan Pencatatan Sipil",
    "DISHUB": "Dinas Perhubungan",
    "DISKOP": "Dinas Koperasi dan Usaha Kecil Menengah",
    "DISNAKER": "Dinas Ketenagakerjaan",
    "DISPERKIM": "Dinas Perumahan, Permukiman dan Pertanahan",
    "DISPORA": "Dinas Pemuda dan Olahraga",
    "DISPUSIP": "Dinas Perpustakaan dan Kearsipan",
    "DKP": "Dinas Ketahanan Pangan",
    "DLH": "Dinas Lingkungan Hidup",
    "DP3AP2KB": "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
    "DPMPTSP": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    "DPUPR": "Dinas Pekerjaan Umum dan Penataan Ruang",
    "INSPEKTORAT": "Inspektorat",
    "KESBANGPOL": "Badan Kesatuan Bangsa dan Politik",
    "KOMINFO": "Dinas Komunikasi dan Informatika",
    "RSUD": "Rumah Sakit Umum Daerah Kota Tangerang",
    "SATPOLPP": "Satuan Polisi Pamong Praja",
    "SETDA": "Sekretariat Daerah",
}

APP_PLAN = Plan(
    model=App,
    key="slug",
    fields=("slug", "name", "category", "description", "owner_unit", "platform", "status", "url", "launched_on"),
)


def slugify(name: str) -> str:
    """``Gawat Darurat 112`` → ``gawat-darurat-112``, ``e-RT/RW`` → ``e-rt-rw``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


#: The catalogue's ``audience`` values.
PUBLIC, STAFF = "PUBLIC", "STAFF"


def app_rows() -> list[Row]:
    """One seed row per line of apps.csv (a fresh list each call: callers may change it)."""
    return [dict(row) for row in _catalogue()]


@lru_cache(maxsize=1)
def _catalogue() -> tuple[Row, ...]:
    with (DATA / "apps.csv").open(encoding="utf-8", newline="") as handle:
        rows = tuple(_row(line) for line in csv.DictReader(handle))
    branded = [r["name"] for r in rows if "tangerang" in r["name"].lower() and r["_adoptable"]]
    if branded:
        raise ValueError(f"apps.csv: apps named after Kota Tangerang cannot be adoptable: {', '.join(branded)}")
    return rows


def _row(line: dict[str, str]) -> Row:
    if line["audience"] not in (PUBLIC, STAFF) or line["adoptable"] not in ("yes", "no"):
        raise ValueError(f"apps.csv: {line['name']}: audience is PUBLIC or STAFF, adoptable is yes or no")
    return {
        "slug": slugify(line["name"]),
        "name": line["name"],
        "category": AppCategory(line["category"]),
        "description": line["description"],
        "owner_unit": OWNER_UNITS[line["unit"]],
        "platform": AppPlatform(line["platform"]),
        "status": AppStatus.ACTIVE,
        "url": None,
        "launched_on": dt.date.fromisoformat(line["launched_on"]) if line["launched_on"] else None,
        "_audience": line["audience"],
        "_adoptable": line["adoptable"] == "yes",
    }


def adoptable_slugs() -> list[str]:
    """Apps another regency may adopt under their catalogue name (not the Tangerang-branded ones)."""
    return [r["slug"] for r in _catalogue() if r["_adoptable"]]


def public_facing_slugs() -> list[str]:
    """Apps citizens use, so may complain about (not the back office: e-Office, e-Audit, e-Arsip...)."""
    return [r["slug"] for r in _catalogue() if r["_audience"] == PUBLIC]
