"""The app catalogue of Kota Tangerang (174 apps) from ``data/apps.csv``; see data/README.md for sources."""
from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata

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


def app_rows() -> list[Row]:
    """One seed row per line of apps.csv."""
    with (DATA / "apps.csv").open(encoding="utf-8", newline="") as handle:
        return [
            {
                "slug": slugify(line["name"]),
                "name": line["name"],
                "category": AppCategory(line["category"]),
                "description": line["description"],
                "owner_unit": OWNER_UNITS[line["unit"]],
                "platform": AppPlatform(line["platform"]),
                "status": AppStatus.ACTIVE,
                "url": None,
                "launched_on": dt.date.fromisoformat(line["launched_on"]) if line["launched_on"] else None,
            }
            for line in csv.DictReader(handle)
        ]
