"""Demo complaints: reports to Karawang, Bekasi and a few other adopters, 2025-2026, with their history.

Each complaint walks the workflow of ``services.workflow`` (RECEIVED → VERIFIED →
IN_PROGRESS → RESOLVED → CLOSED, or REJECTED at verification) with realistic
gaps, stopping where the demo's clock (``DEMO_NOW``) or chance leaves it. The
history gets one event per status reached; deadlines come from
``services.workflow.due_at_for``; tracking codes are numbered per regency and
year of receipt (WIB) and the counters are moved past them, so complaints
submitted later never reuse a demo code. Everything is drawn from a seeded
random generator: every run produces the same rows.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from models.app import App
from models.complaint import Complaint
from models.enums import ComplaintCategory as C
from models.enums import ComplaintStatus as S
from models.history import ComplaintEvent
from models.regency import Regency
from models.user import User
from seeds.agreements import BEKASI, KARAWANG, adopted_apps
from seeds.catalogue import app_rows
from seeds.sync import Counts, Link, Plan, Row, sync
from core.clock import WIB
from services.calendar import public_holidays
from services.tracking import TrackingCode, derived_suffix, reserve_tracking_code
from services.workflow import SERVICE_LEVELS, due_at_for

#: The demo's "now": nothing in the demo happens after it, so every run writes the same rows.
DEMO_NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=WIB)
FIRST_DAY = dt.date(2025, 1, 6)
COMPLAINT_COUNT = 160
#: Where complaints go (weights): mostly the two regencies of the 2018 MoU.
REGENCY_WEIGHTS = {KARAWANG: 70, BEKASI: 55, "36.73": 8, "36.02": 7, "32.14": 7, "32.75": 6, "32.03": 4, "36.72": 3}
#: Regency → the staff account that works its complaints (actor of the history events).
STAFF = {KARAWANG: "staff.karawang", BEKASI: "staff.bekasi"}

COMPLAINT_PLAN = Plan(
    model=Complaint,
    key="tracking_code",
    fields=(
        "tracking_code", "title", "body", "category", "reporter_name", "reporter_contact",
        "status", "created_at", "resolved_at", "due_at",
    ),
    links={"regency": Link(Regency, "code"), "app": Link(App, "slug")},
)

PLACES = {
    KARAWANG: (
        "Kecamatan Karawang Barat", "Kecamatan Karawang Timur", "Kecamatan Telukjambe Timur", "Kecamatan Klari",
        "Kecamatan Cikampek", "Kecamatan Rengasdengklok", "Kecamatan Kotabaru", "Kecamatan Purwasari",
    ),
    BEKASI: (
        "Kecamatan Cikarang Utara", "Kecamatan Cikarang Selatan", "Kecamatan Tambun Selatan", "Kecamatan Cibitung",
        "Kecamatan Setu", "Kecamatan Babelan", "Kecamatan Tarumajaya", "Kecamatan Cikarang Barat",
    ),
}
GENERIC_PLACES = ("pusat kota", "sekitar pasar induk", "sekitar terminal", "kompleks perumahan warga", "sekitar kantor kecamatan")

#: (category, about an app?, title, body) — ``{app}`` and ``{place}`` are filled in.
TEMPLATES: tuple[tuple[C, bool, str, str], ...] = (
    (C.COMPLAINT, True, "Aplikasi {app} tidak bisa dibuka",
     "Sejak kemarin aplikasi {app} selalu gagal dimuat di ponsel saya. Mohon diperbaiki karena saya perlu mengurus layanan ini."),
    (C.COMPLAINT, True, "Pengajuan melalui {app} belum diproses",
     "Saya mengajukan permohonan melalui {app} dua minggu lalu, tetapi statusnya masih menunggu. Mohon informasi kelanjutannya."),
    (C.COMPLAINT, True, "Gagal masuk ke {app}",
     "Saya tidak bisa masuk ke {app} walaupun NIK dan kata sandi sudah benar. Setiap kali mencoba muncul pesan kesalahan."),
    (C.COMPLAINT, True, "Data saya di {app} tidak sesuai",
     "Nama dan alamat yang tampil di {app} tidak sesuai dengan KTP saya. Mohon dibantu perbaikannya."),
    (C.COMPLAINT, False, "Jalan berlubang di {place}",
     "Jalan di {place} berlubang cukup dalam dan sudah membuat beberapa pengendara motor terjatuh. Mohon segera diperbaiki."),
    (C.COMPLAINT, False, "Lampu penerangan jalan mati di {place}",
     "Lampu penerangan jalan di {place} mati sejak seminggu lalu sehingga jalan gelap dan rawan pada malam hari."),
    (C.COMPLAINT, False, "Sampah menumpuk di {place}",
     "Sampah di tempat pembuangan sementara di {place} tidak diangkut beberapa hari dan mulai menimbulkan bau."),
    (C.COMPLAINT, False, "Saluran air tersumbat di {place}",
     "Saluran air di {place} tersumbat sehingga air meluap ke jalan setiap kali hujan deras."),
    (C.COMPLAINT, False, "Antrean layanan administrasi terlalu lama",
     "Saya mengantre lebih dari tiga jam untuk layanan administrasi di {place} dan loket ditutup sebelum giliran saya."),
    (C.ASPIRATION, True, "Usul fitur pemberitahuan di {app}",
     "Mohon {app} ditambah fitur pemberitahuan agar warga tahu perkembangan permohonannya tanpa harus memeriksa berkali-kali."),
    (C.ASPIRATION, False, "Usul taman bermain anak di {place}",
     "Warga di {place} mengusulkan lahan kosong milik pemerintah dijadikan taman bermain anak."),
    (C.ASPIRATION, False, "Usul layanan administrasi keliling",
     "Mohon layanan administrasi kependudukan keliling dijadwalkan juga ke {place} karena jauh dari kantor dinas."),
    (C.INFORMATION_REQUEST, True, "Persyaratan layanan di {app}",
     "Dokumen apa saja yang perlu disiapkan untuk mengajukan layanan melalui {app}?"),
    (C.INFORMATION_REQUEST, True, "Cara mendaftar akun {app}",
     "Bagaimana cara mendaftar akun {app} bagi warga yang belum memiliki alamat surel?"),
    (C.INFORMATION_REQUEST, False, "Jadwal pelayanan di {place}",
     "Mohon informasi jadwal dan jam buka pelayanan administrasi kependudukan di {place}."),
)

FIRST_NAMES = ("Ahmad", "Siti", "Budi", "Dewi", "Rudi", "Nur", "Agus", "Rina", "Dedi", "Yuni", "Asep", "Euis",
               "Hendra", "Lina", "Joko", "Wati", "Iwan", "Ratna", "Ujang", "Fitri")
LAST_NAMES = ("Saputra", "Rahmawati", "Hidayat", "Lestari", "Setiawan", "Kurniawan", "Permata", "Suryana",
              "Nugraha", "Wulandari", "Gunawan", "Maulana")

NOTES = {
    S.RECEIVED: "Laporan diterima melalui kanal pengaduan.",
    S.VERIFIED: "Laporan diverifikasi admin koordinator dan didisposisikan ke perangkat daerah terkait.",
    S.IN_PROGRESS: "Perangkat daerah terkait sedang menindaklanjuti laporan.",
    S.RESOLVED: "Tindak lanjut selesai dan jawaban telah disampaikan kepada pelapor.",
    S.CLOSED: "Laporan ditutup karena pelapor tidak mengajukan keberatan atas jawaban.",
}
REJECTION_NOTES = (
    "Bukan wewenang pemerintah daerah; pelapor diarahkan ke instansi yang berwenang.",
    "Laporan tidak dapat diverifikasi karena informasinya tidak lengkap.",
)
#: The walk through the workflow and the gap (in hours, min-max) before each step.
PATH = ((S.VERIFIED, 2, 60), (S.IN_PROGRESS, 4, 72), (S.RESOLVED, 24, 200), (S.CLOSED, 48, 170))
#: Where the demo complaints end up (weights): a desk that works, with some open cases.
FINAL_STATUS_WEIGHTS = {S.RECEIVED: 10, S.VERIFIED: 8, S.IN_PROGRESS: 14, S.RESOLVED: 10, S.CLOSED: 50, S.REJECTED: 8}
#: Open complaints were mostly received lately (the last OPEN_WINDOW_DAYS days).
OPEN_WINDOW_DAYS = 45
OPEN = (S.RECEIVED, S.VERIFIED, S.IN_PROGRESS)


def _received_at(rng: random.Random, first_day: dt.date) -> dt.datetime:
    """A moment during service hours (07:00-20:00 WIB) between ``first_day`` and the day before DEMO_NOW."""
    span = (DEMO_NOW.date() - first_day).days - 1
    day = first_day + dt.timedelta(days=rng.randrange(span))
    minutes = rng.randrange(7 * 60, 20 * 60)
    local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=WIB)
    return local.astimezone(dt.timezone.utc)


def _history(rng: random.Random, received: dt.datetime, goal: S) -> list[tuple[S, dt.datetime, str]]:
    """Statuses reached on the way to ``goal``, in order, with when and why; cut off at DEMO_NOW."""
    events = [(S.RECEIVED, received, NOTES[S.RECEIVED])]
    at = received
    for status, low, high in PATH:
        if goal is S.RECEIVED:
            break
        at = at + dt.timedelta(minutes=rng.randrange(low * 60, high * 60))
        if at > DEMO_NOW:  # the demo's clock has not got there yet
            break
        if goal is S.REJECTED:
            events.append((S.REJECTED, at, rng.choice(REJECTION_NOTES)))
            break
        events.append((status, at, NOTES[status]))
        if status is goal:
            break
    return events


def complaint_rows() -> list[Row]:
    """Every demo complaint, ordered by receipt, with its history under ``_history``."""
    rng = random.Random("simpul-demo-complaints")
    apps = adopted_apps()
    app_names = {a["slug"]: a["name"] for a in app_rows()}
    holidays = public_holidays()
    codes, weights = zip(*REGENCY_WEIGHTS.items())
    goals, goal_weights = zip(*FINAL_STATUS_WEIGHTS.items())
    recent = DEMO_NOW.date() - dt.timedelta(days=OPEN_WINDOW_DAYS)
    drafts = []
    for _ in range(COMPLAINT_COUNT):
        regency = rng.choices(codes, weights)[0]
        category, about_app, title, body = rng.choice(TEMPLATES)
        app = rng.choice(apps[regency]) if about_app else None
        place = rng.choice(PLACES.get(regency, GENERIC_PLACES))
        app_name = app_names[app] if app else ""
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        contact = (
            f"08{rng.randrange(11, 99)}{rng.randrange(10**7, 10**8)}"
            if rng.random() < 0.7
            else f"{first}.{last}{rng.randrange(1, 99)}@example.com".lower()
        )
        goal = rng.choices(goals, goal_weights)[0]
        received = _received_at(rng, recent if goal in OPEN else FIRST_DAY)
        drafts.append({
            "regency": regency,
            "app": app,
            "title": title.format(app=app_name, place=place),
            "body": body.format(app=app_name, place=place),
            "category": category,
            "reporter_name": f"{first} {last}",
            "reporter_contact": contact,
            "created_at": received,
            "_history": _history(rng, received, goal),
        })
    drafts.sort(key=lambda d: d["created_at"])

    sequences: dict[tuple[str, int], int] = {}
    for row in drafts:
        year = row["created_at"].astimezone(WIB).year
        sequences[(row["regency"], year)] = sequences.get((row["regency"], year), 0) + 1
        readable = TrackingCode(row["regency"], year, sequences[(row["regency"], year)]).readable
        # Demo codes: the suffix is derived, so every run writes the same rows (see tracking.derived_suffix).
        row["tracking_code"] = f"{readable}-{derived_suffix(readable)}"
        reached = {status: at for status, at, _note in row["_history"]}
        row["status"] = row["_history"][-1][0]
        row["resolved_at"] = reached.get(S.RESOLVED) if row["status"] in (S.RESOLVED, S.CLOSED) else None
        level = SERVICE_LEVELS.get(row["status"])
        row["due_at"] = due_at_for(row["status"], reached[level.clock_starts_at], holidays) if level else None
    return drafts


async def _write_history(written: list[tuple[Row, int]]) -> None:
    """Replace each written complaint's history and set ``updated_at`` to its last event."""
    staff = dict(await User.filter(username__in=list(STAFF.values())).values_list("username", "id"))
    ids = [pk for _row, pk in written]
    await ComplaintEvent.filter(complaint_id__in=ids).delete()
    def officer(row: Row, status: S) -> str | None:
        return None if status is S.RECEIVED else STAFF.get(row["regency"])

    # The demo notes are written to the citizen: they are the public notes of the steps.
    events = [
        ComplaintEvent(
            complaint_id=pk,
            status=status,
            at=at,
            public_note=note,
            actor_id=staff.get(officer(row, status) or ""),
            actor_name=officer(row, status) if staff.get(officer(row, status) or "") else "",
        )
        for row, pk in written
        for status, at, note in row["_history"]
    ]
    await ComplaintEvent.bulk_create(events, batch_size=1000)
    # ``updated_at`` is auto_now: an instance save would stamp the wall clock, a queryset update does not.
    for row, pk in written:
        await Complaint.filter(id=pk).update(updated_at=row["_history"][-1][1])


async def _reserve_codes(rows: Sequence[Row]) -> None:
    """Move each (regency, year) counter past the highest demo code, never back."""
    highest: dict[tuple[str, int], str] = {}
    for row in rows:  # rows are in receipt order, so the last code of a pair is its highest
        code = TrackingCode(row["regency"], row["created_at"].astimezone(WIB).year, 0)
        highest[(code.regency_code, code.year)] = row["tracking_code"]
    for code in highest.values():
        await reserve_tracking_code(code)


async def seed_complaints() -> Counts:
    rows = complaint_rows()
    counts = await sync(COMPLAINT_PLAN, rows, on_created=_write_history, on_updated=_write_history)
    await _reserve_codes(rows)
    return counts
