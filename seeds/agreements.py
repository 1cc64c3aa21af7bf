"""Demo agreements: 28 regencies adopting Kota Tangerang's apps, MoU first, then the PKS listing the apps.

Sourced (domain notes): on 2018-05-16 Kabupaten Karawang (Bupati Cellica
Nurachadiana) and Kabupaten Bekasi (Pjs Bupati Ruddy Gandakusuma) signed an MoU
with Kadis Kominfo Tabrani, witnessed by Pjs Wali Kota M. Yusuf and Sekda Dadi
Budaeri in the Tangerang Live Room; a PKS listing the apps was to follow, and
Karawang named e-government and public-service apps including the complaints
desk (LAKSA). At least 28 regions had adopted apps by then.

Everything else here is illustrative: which other regencies adopted, the dates,
statuses and document numbers, the renewals of 2023-2024, and the app lists. A PKS
lists only apps the catalogue marks adoptable: none named after Kota Tangerang
(``seeds.catalogue.adoptable_slugs``).
Signatories other than those of 2018-05-16 are given by office, not by name.
MoUs run five years (``valid_until`` = the day before the fifth anniversary); a
PKS ends with its MoU.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from models.agreement import Agreement
from models.app import App
from models.enums import AgreementKind, AgreementStatus
from models.regency import Regency
from seeds.catalogue import adoptable_slugs
from seeds.reference import PROVIDER_CODE, regency_rows
from seeds.sync import Link, Plan, Row

A = AgreementStatus
KARAWANG, BEKASI = "32.15", "32.16"
MOU_YEARS = 5
#: The apps the sources call the most adopted: every PKS includes some of them.
MOST_ADOPTED = ("laksa", "perizinan-online", "siap-kerja")

AGREEMENT_PLAN = Plan(
    model=Agreement,
    key="number",
    fields=("number", "kind", "title", "signatories", "signed_on", "valid_until", "status"),
    links={"regency": Link(Regency, "code"), "provider": Link(Regency, "code"), "parent": Link(Agreement, "number")},
    many={"apps": Link(App, "slug")},
)

SIGNED_2018_05_16 = {
    KARAWANG: (
        "Pihak pertama: Tabrani, Kepala Dinas Komunikasi dan Informatika Kota Tangerang\n"
        "Pihak kedua: Cellica Nurachadiana, Bupati Karawang\n"
        "Saksi: M. Yusuf, Pjs Wali Kota Tangerang, dan Dadi Budaeri, Sekretaris Daerah Kota Tangerang\n"
        "Tempat: Tangerang Live Room, Kota Tangerang"
    ),
    BEKASI: (
        "Pihak pertama: Tabrani, Kepala Dinas Komunikasi dan Informatika Kota Tangerang\n"
        "Pihak kedua: Ruddy Gandakusuma, Pjs Bupati Bekasi\n"
        "Saksi: M. Yusuf, Pjs Wali Kota Tangerang, dan Dadi Budaeri, Sekretaris Daerah Kota Tangerang\n"
        "Tempat: Tangerang Live Room, Kota Tangerang"
    ),
}

#: Karawang chose e-government apps and public-service apps, the complaints desk among them.
KARAWANG_2018_APPS = (
    "e-office", "e-audit", "sikda", "e-planning", "e-budgeting", "e-absensi", "e-arsip", "e-musrenbang",
    "e-monev", "laksa", "call-center-opd", "perizinan-online", "siap-kerja", "gawat-darurat-112", "segar",
    "cek-status-izin",
)
BEKASI_2018_APPS = (
    "laksa", "perizinan-online", "siap-kerja", "e-office", "sikda", "pindah-sekolah-online", "e-transport",
)


@dataclass(frozen=True)
class Step:
    """One document of an adoption: an MoU or a PKS, DRAFT when ``on`` is None."""

    kind: AgreementKind
    status: AgreementStatus
    on: dt.date | None
    #: Year written in a draft's number (a draft has no date yet).
    draft_year: int | None = None
    apps: tuple[str, ...] = ()
    renewal: bool = False
    addendum: bool = False


def mou(status: AgreementStatus, on: str, *, renewal: bool = False) -> Step:
    return Step(AgreementKind.MOU, status, dt.date.fromisoformat(on), renewal=renewal)


def pks(status: AgreementStatus, on: str | None, *, year: int | None = None, apps=(), addendum=False) -> Step:
    return Step(AgreementKind.PKS, status, dt.date.fromisoformat(on) if on else None, year, tuple(apps), addendum=addendum)


#: Adopting regency → its documents in order; a PKS follows the latest MoU before it.
ADOPTIONS: dict[str, tuple[Step, ...]] = {
    KARAWANG: (
        mou(A.EXPIRED, "2018-05-16"),
        pks(A.EXPIRED, "2018-08-15", apps=KARAWANG_2018_APPS),
        mou(A.ACTIVE, "2023-07-12", renewal=True),
        pks(A.ACTIVE, "2023-10-18", apps=(*KARAWANG_2018_APPS, "esakip", "ekinerja", "dukcapil-online")),
        pks(A.DRAFT, None, year=2026, apps=("pantau-banjir", "lapor-jalan-rusak"), addendum=True),
    ),
    BEKASI: (
        mou(A.EXPIRED, "2018-05-16"),
        pks(A.EXPIRED, "2018-09-12", apps=BEKASI_2018_APPS),
        mou(A.ACTIVE, "2024-05-15", renewal=True),
        pks(A.ACTIVE, "2024-09-11", apps=(*BEKASI_2018_APPS, "e-ppid", "bank-sampah")),
        pks(A.DRAFT, None, year=2026, apps=("parkir-elektronik",), addendum=True),
    ),
    "31.01": (mou(A.EXPIRED, "2019-07-17"), pks(A.EXPIRED, "2019-11-13")),
    "32.01": (mou(A.EXPIRED, "2016-11-23"), pks(A.EXPIRED, "2017-03-01")),
    "32.02": (mou(A.SIGNED, "2024-02-14"), pks(A.DRAFT, None, year=2026)),
    "32.03": (mou(A.ACTIVE, "2022-05-18"), pks(A.ACTIVE, "2022-09-07")),
    "32.04": (mou(A.ACTIVE, "2022-03-16"), pks(A.ACTIVE, "2022-07-13")),
    "32.05": (mou(A.SIGNED, "2024-08-21"), pks(A.DRAFT, None, year=2025)),
    "32.06": (mou(A.SIGNED, "2025-03-12"),),
    "32.09": (mou(A.EXPIRED, "2017-05-17"), pks(A.EXPIRED, "2017-09-13")),
    "32.12": (mou(A.ACTIVE, "2022-10-05"), pks(A.ACTIVE, "2023-02-08")),
    "32.13": (mou(A.EXPIRED, "2018-09-19"), pks(A.EXPIRED, "2019-01-16")),
    "32.14": (mou(A.ACTIVE, "2023-03-08"), pks(A.ACTIVE, "2023-07-05")),
    "32.17": (mou(A.SIGNED, "2025-06-18"), pks(A.DRAFT, None, year=2026)),
    "32.71": (mou(A.TERMINATED, "2020-02-12"), pks(A.TERMINATED, "2020-06-10")),
    "32.72": (mou(A.SIGNED, "2024-11-13"),),
    "32.75": (mou(A.ACTIVE, "2022-08-17"), pks(A.ACTIVE, "2022-12-14")),
    "32.76": (mou(A.EXPIRED, "2017-10-11"), pks(A.EXPIRED, "2018-02-14")),
    "32.77": (mou(A.ACTIVE, "2022-12-07"), pks(A.ACTIVE, "2023-04-12")),
    "32.78": (mou(A.SIGNED, "2025-09-17"), pks(A.DRAFT, None, year=2026)),
    "32.79": (mou(A.ACTIVE, "2023-09-13"), pks(A.ACTIVE, "2024-01-10")),
    "36.01": (mou(A.TERMINATED, "2019-04-10"), pks(A.TERMINATED, "2019-08-07")),
    "36.02": (mou(A.ACTIVE, "2023-06-21"), pks(A.ACTIVE, "2023-10-11")),
    "36.03": (mou(A.EXPIRED, "2016-10-12"), pks(A.EXPIRED, "2017-02-08")),
    "36.04": (mou(A.EXPIRED, "2017-08-09"), pks(A.EXPIRED, "2017-11-22")),
    "36.72": (mou(A.ACTIVE, "2022-02-09"), pks(A.ACTIVE, "2022-06-15")),
    "36.73": (mou(A.ACTIVE, "2022-09-14"), pks(A.ACTIVE, "2023-01-18")),
    "36.74": (mou(A.EXPIRED, "2017-03-15"), pks(A.EXPIRED, "2017-07-20")),
}

_ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def five_years_on(day: dt.date) -> dt.date:
    """The last day of a five-year term that starts on ``day``."""
    return day.replace(year=day.year + MOU_YEARS) - dt.timedelta(days=1)


def _head_of(regency: Row) -> str:
    """``Bupati Karawang``, ``Wali Kota Depok``, ``Bupati Administrasi Kepulauan Seribu``."""
    name = regency["name"]
    for prefix, head in (("Kabupaten ", "Bupati "), ("Kota ", "Wali Kota ")):
        if name.startswith(prefix):
            return head + name.removeprefix(prefix)
    return name


def _number(step: Step, code: str, sequence: int) -> str:
    """e.g. ``112/NK.3215/DISKOMINFO/V/2018`` (nota kesepakatan) or ``RANCANGAN/PKS.3216/DISKOMINFO/2026``."""
    doc = "NK" if step.kind is AgreementKind.MOU else "PKS"
    code4 = code.replace(".", "")
    if step.on is None:
        return f"RANCANGAN/{doc}.{code4}/DISKOMINFO/{step.draft_year}"
    return f"{sequence:03d}/{doc}.{code4}/DISKOMINFO/{_ROMAN_MONTHS[step.on.month - 1]}/{step.on.year}"


def _title(step: Step, adopter: Row) -> str:
    if step.kind is AgreementKind.MOU:
        again = "Perpanjangan " if step.renewal else ""
        return (
            f"{again}Nota Kesepakatan Kerja Sama Pengembangan Smart City antara Pemerintah Kota Tangerang "
            f"dan Pemerintah {adopter['name']}"
        )
    extra = "Adendum " if step.addendum else ""
    return f"{extra}Perjanjian Kerja Sama Pemanfaatan Aplikasi Smart City Kota Tangerang oleh Pemerintah {adopter['name']}"


def _signatories(step: Step, adopter: Row, provider: Row, first_mou: bool) -> str:
    if step.on is None:
        return ""
    if step.kind is AgreementKind.MOU and first_mou and adopter["code"] in SIGNED_2018_05_16 and step.on == dt.date(2018, 5, 16):
        return SIGNED_2018_05_16[adopter["code"]]
    if step.kind is AgreementKind.MOU:
        return f"Pihak pertama: {_head_of(provider)}\nPihak kedua: {_head_of(adopter)}"
    return (
        f"Pihak pertama: Kepala Dinas Komunikasi dan Informatika {provider['name']}\n"
        f"Pihak kedua: Kepala Dinas Komunikasi dan Informatika {adopter['name']}"
    )


def _apps_for(step: Step, number: str, pool: list[str]) -> list[str]:
    """The apps a PKS lists: its own list, or a few of the most adopted plus a stable random pick (adoptable only)."""
    if step.kind is AgreementKind.MOU:
        return []
    if step.apps:
        not_adoptable = [slug for slug in step.apps if slug not in pool]
        if not_adoptable:
            raise ValueError(f"{number} lists apps that are not adoptable: {', '.join(not_adoptable)}")
        return list(step.apps)
    rng = random.Random(f"pks-apps:{number}")
    core = rng.sample(MOST_ADOPTED, rng.randint(1, len(MOST_ADOPTED)))
    others = [slug for slug in pool if slug not in core]
    return sorted([*core, *rng.sample(others, rng.randint(3, 12))])


def agreement_batches() -> tuple[list[Row], list[Row]]:
    """(MoUs, PKS): the MoUs are written first so every PKS finds its parent."""
    regencies = {r["code"]: r for r in regency_rows()}
    provider = regencies[PROVIDER_CODE]
    pool = adoptable_slugs()
    dated = sorted(
        (step.on, code, index) for code, steps in ADOPTIONS.items() for index, step in enumerate(steps) if step.on
    )
    # Provider's register: numbers run from 101 within each year, in signing order.
    sequences: dict[tuple[str, int], int] = {}
    for position, (on, code, index) in enumerate(dated):
        year_start = next(p for p, d in enumerate(dated) if d[0].year == on.year)
        sequences[(code, index)] = 101 + position - year_start

    mous: list[Row] = []
    followups: list[Row] = []
    for code, steps in ADOPTIONS.items():
        adopter = regencies[code]
        parent: Row | None = None
        for index, step in enumerate(steps):
            number = _number(step, code, sequences.get((code, index), 0))
            valid_until = None
            if step.on is not None:
                valid_until = five_years_on(step.on) if step.kind is AgreementKind.MOU else parent["valid_until"]
            row = {
                "number": number,
                "kind": step.kind,
                "title": _title(step, adopter),
                "regency": code,
                "provider": PROVIDER_CODE,
                "parent": parent["number"] if step.kind is AgreementKind.PKS else None,
                "signatories": _signatories(step, adopter, provider, first_mou=index == 0),
                "signed_on": step.on,
                "valid_until": valid_until,
                "status": step.status,
                "apps": _apps_for(step, number, pool),
            }
            if step.kind is AgreementKind.MOU:
                mous.append(row)
                parent = row
            else:
                followups.append(row)
    return mous, followups


#: A PKS in these statuses put its apps into use (a draft has not yet, a terminated one was undone).
IN_USE = (A.SIGNED, A.ACTIVE, A.EXPIRED)


def adopted_apps() -> dict[str, list[str]]:
    """Regency code → slugs of the apps its signed PKS list (for demo complaints about those apps)."""
    adopted: dict[str, set[str]] = {}
    for row in agreement_batches()[1]:
        if row["status"] in IN_USE:
            adopted.setdefault(row["regency"], set()).update(row["apps"])
    return {code: sorted(slugs) for code, slugs in adopted.items()}
