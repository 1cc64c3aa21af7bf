"""Demo complaints: reports to Karawang, Bekasi, Kota Tangerang itself and a few other adopters, 2025-2026.

Citizens report about a place, or about a public-facing app their regency uses (an
adopter: the apps of its signed PKS; Kota Tangerang: its own public catalogue), never
about a back-office app. Texts come from templates with the place, the app, when the
trouble began and a closing line drawn at random; no two complaints share a body.

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
from dataclasses import dataclass

from models.app import App
from models.complaint import Complaint
from models.enums import ComplaintCategory as C
from models.enums import ComplaintStatus as S
from models.history import ComplaintEvent
from models.regency import Regency
from models.user import User
from seeds.agreements import BEKASI, KARAWANG, adopted_apps
from seeds.catalogue import app_rows, public_facing_slugs
from seeds.reference import PROVIDER_CODE
from seeds.sync import Counts, Link, Plan, Row, sync
from core.clock import WIB
from services.calendar import public_holidays
from services.tracking import TrackingCode, derived_suffix, reserve_tracking_code
from services.workflow import SERVICE_LEVELS, due_at_for

#: The demo's "now": nothing in the demo happens after it, so every run writes the same rows.
DEMO_NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=WIB)
FIRST_DAY = dt.date(2025, 1, 6)
COMPLAINT_COUNT = 180
#: Where complaints go (weights): mostly the two regencies of the 2018 MoU, then Kota Tangerang's own desk.
REGENCY_WEIGHTS = {
    KARAWANG: 70, BEKASI: 55, PROVIDER_CODE: 24,
    "36.73": 8, "36.02": 7, "32.14": 7, "32.75": 6, "32.03": 4, "36.72": 3,
}
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

#: Kecamatan of each regency that receives demo complaints.
PLACES = {
    KARAWANG: (
        "Kecamatan Karawang Barat", "Kecamatan Karawang Timur", "Kecamatan Telukjambe Timur", "Kecamatan Klari",
        "Kecamatan Cikampek", "Kecamatan Rengasdengklok", "Kecamatan Kotabaru", "Kecamatan Purwasari",
    ),
    BEKASI: (
        "Kecamatan Cikarang Utara", "Kecamatan Cikarang Selatan", "Kecamatan Tambun Selatan", "Kecamatan Cibitung",
        "Kecamatan Setu", "Kecamatan Babelan", "Kecamatan Tarumajaya", "Kecamatan Cikarang Barat",
    ),
    PROVIDER_CODE: (
        "Kecamatan Tangerang", "Kecamatan Jatiuwung", "Kecamatan Batuceper", "Kecamatan Benda",
        "Kecamatan Cipondoh", "Kecamatan Ciledug", "Kecamatan Karawaci", "Kecamatan Periuk", "Kecamatan Cibodas",
        "Kecamatan Neglasari", "Kecamatan Pinang", "Kecamatan Karang Tengah", "Kecamatan Larangan",
    ),
    "36.73": ("Kecamatan Serang", "Kecamatan Cipocok Jaya", "Kecamatan Curug", "Kecamatan Kasemen",
              "Kecamatan Taktakan", "Kecamatan Walantaka"),
    "36.02": ("Kecamatan Rangkasbitung", "Kecamatan Cibadak", "Kecamatan Malingping", "Kecamatan Bayah",
              "Kecamatan Warunggunung"),
    "32.14": ("Kecamatan Purwakarta", "Kecamatan Campaka", "Kecamatan Jatiluhur", "Kecamatan Plered",
              "Kecamatan Babakancikao"),
    "32.75": ("Kecamatan Bekasi Barat", "Kecamatan Bekasi Timur", "Kecamatan Bekasi Utara", "Kecamatan Rawalumbu",
              "Kecamatan Jatiasih", "Kecamatan Medan Satria"),
    "32.03": ("Kecamatan Cianjur", "Kecamatan Cipanas", "Kecamatan Karangtengah", "Kecamatan Cugenang"),
    "36.72": ("Kecamatan Cilegon", "Kecamatan Citangkil", "Kecamatan Ciwandan", "Kecamatan Grogol",
              "Kecamatan Pulomerak"),
}
GENERIC_PLACES = ("pusat kota", "sekitar pasar induk", "sekitar terminal", "kompleks perumahan warga", "sekitar kantor kecamatan")


@dataclass(frozen=True)
class Template:
    """One kind of report. ``{app}``, ``{place}`` and ``{since}`` are filled in; the body gets a closing line."""

    category: C
    title: str
    body: str
    #: Whether the report is about an app (then the regency must use a public-facing one).
    about_app: bool = False
    #: Only these apps fit the report (a payment problem needs an app that takes payments).
    apps: frozenset[str] | None = None


PAYING_APPS = frozenset({"e-pbb", "e-bphtb", "e-pajak-daerah", "retribusi-online", "parkir-elektronik", "pasar-online"})

TEMPLATES: tuple[Template, ...] = (
    # Complaints about an app.
    Template(C.COMPLAINT, "Aplikasi {app} tidak bisa dibuka",
             "Aplikasi {app} selalu gagal dimuat di ponsel saya {since}. Saya memerlukannya untuk mengurus keperluan keluarga.", True),
    Template(C.COMPLAINT, "Pengajuan melalui {app} belum diproses",
             "Saya mengajukan permohonan melalui {app} {since}, tetapi statusnya masih menunggu verifikasi.", True),
    Template(C.COMPLAINT, "Gagal masuk ke {app}",
             "Saya tidak bisa masuk ke {app} walaupun NIK dan kata sandi sudah benar; pesan kesalahan muncul {since}.", True),
    Template(C.COMPLAINT, "Data saya di {app} tidak sesuai",
             "Nama dan alamat yang tampil di {app} tidak sesuai dengan KTP saya. Sudah saya laporkan ke kelurahan {since}, tetapi belum berubah.", True),
    Template(C.COMPLAINT, "Kode OTP {app} tidak terkirim",
             "Kode OTP untuk mendaftar di {app} tidak pernah masuk ke nomor ponsel saya {since}, padahal nomornya aktif.", True),
    Template(C.COMPLAINT, "Unggah dokumen di {app} selalu gagal",
             "Setiap kali saya mengunggah berkas PDF di {app}, prosesnya berhenti di tengah jalan. Ini terjadi {since} dengan berkas di bawah 1 MB.", True),
    Template(C.COMPLAINT, "Pembayaran di {app} terpotong tetapi belum lunas",
             "Saldo saya sudah terpotong saat membayar melalui {app}, tetapi {since} statusnya masih belum lunas.", True, PAYING_APPS),
    Template(C.COMPLAINT, "Pertanyaan di {app} tidak dijawab",
             "Pertanyaan yang saya kirim melalui {app} belum dijawab petugas {since}.", True),
    Template(C.COMPLAINT, "Informasi di {app} tidak sesuai kenyataan",
             "Jam layanan yang tercantum di {app} tidak sesuai dengan jam buka loket; {since} saya dua kali datang saat kantor sudah tutup.", True),
    Template(C.COMPLAINT, "Tampilan {app} berantakan di ponsel",
             "Tombol-tombol di {app} saling tumpang tindih di layar ponsel saya {since}, sehingga formulir tidak bisa dikirim.", True),
    Template(C.COMPLAINT, "Permohonan di {app} ditolak tanpa alasan",
             "Permohonan saya di {app} ditolak {since} tanpa keterangan alasan yang jelas, padahal persyaratannya sudah lengkap.", True),
    Template(C.COMPLAINT, "Bukti permohonan {app} tidak bisa diunduh",
             "Setelah permohonan di {app} terkirim, tombol unduh bukti pendaftaran tidak berfungsi {since}.", True),
    # Complaints about a place.
    Template(C.COMPLAINT, "Jalan berlubang di {place}",
             "Jalan utama di {place} berlubang cukup dalam {since} dan sudah membuat beberapa pengendara motor terjatuh."),
    Template(C.COMPLAINT, "Lampu penerangan jalan mati di {place}",
             "Lampu penerangan jalan di {place} mati {since}, sehingga jalan gelap dan rawan pada malam hari."),
    Template(C.COMPLAINT, "Sampah menumpuk di {place}",
             "Sampah di tempat pembuangan sementara di {place} tidak diangkut {since} dan mulai menimbulkan bau."),
    Template(C.COMPLAINT, "Saluran air tersumbat di {place}",
             "Saluran air di {place} tersumbat {since}, sehingga air meluap ke jalan setiap kali hujan deras."),
    Template(C.COMPLAINT, "Antrean layanan administrasi terlalu lama di {place}",
             "Saya mengantre lebih dari tiga jam untuk layanan administrasi di {place} {since}, dan loket ditutup sebelum giliran saya."),
    Template(C.COMPLAINT, "Pohon tumbang belum dibersihkan di {place}",
             "Pohon tumbang di {place} menutup separuh badan jalan {since} dan belum ada petugas yang membersihkannya."),
    Template(C.COMPLAINT, "Trotoar dipenuhi lapak pedagang di {place}",
             "Trotoar di {place} dipenuhi lapak pedagang {since}, sehingga pejalan kaki terpaksa berjalan di badan jalan."),
    Template(C.COMPLAINT, "Genangan air tidak surut di {place}",
             "Genangan air setinggi betis di {place} tidak surut {since} dan mulai berbau."),
    Template(C.COMPLAINT, "Parkir liar di {place}",
             "Kendaraan diparkir di kedua sisi jalan di {place} {since}, sehingga angkutan umum sulit lewat pada jam sibuk."),
    Template(C.COMPLAINT, "Air bersih tidak mengalir di {place}",
             "Air bersih di rumah kami di {place} tidak mengalir {since}; warga harus membeli air jeriken."),
    Template(C.COMPLAINT, "Kebisingan pabrik hingga malam di {place}",
             "Mesin pabrik di dekat permukiman di {place} beroperasi hingga tengah malam {since} dan mengganggu istirahat warga."),
    Template(C.COMPLAINT, "Rambu lalu lintas rusak di {place}",
             "Rambu di persimpangan dekat pasar di {place} roboh {since}, sehingga kendaraan saling serobot."),
    # Aspirations.
    Template(C.ASPIRATION, "Usul fitur pemberitahuan di {app}",
             "Mohon {app} ditambah fitur pemberitahuan agar warga tahu perkembangan permohonannya tanpa harus memeriksa berkali-kali.", True),
    Template(C.ASPIRATION, "Usul {app} dibuat lebih ringan",
             "Sinyal di tempat kami lemah; mohon {app} dibuat lebih ringan agar tetap bisa dibuka dengan koneksi lambat.", True),
    Template(C.ASPIRATION, "Usul panduan penggunaan {app}",
             "Banyak warga lanjut usia kesulitan memakai {app}; mohon disediakan panduan bergambar atau pendampingan di kelurahan.", True),
    Template(C.ASPIRATION, "Usul taman bermain anak di {place}",
             "Warga di {place} mengusulkan lahan kosong milik pemerintah dijadikan taman bermain anak."),
    Template(C.ASPIRATION, "Usul layanan administrasi keliling ke {place}",
             "Mohon layanan administrasi kependudukan keliling dijadwalkan juga ke {place} karena jauh dari kantor dinas."),
    Template(C.ASPIRATION, "Usul tempat sampah terpilah di {place}",
             "Warga di {place} siap memilah sampah bila disediakan tempat sampah organik dan anorganik di setiap RW."),
    Template(C.ASPIRATION, "Usul jalur sepeda di {place}",
             "Makin banyak warga {place} bersepeda ke tempat kerja; mohon dibuatkan jalur sepeda yang aman di jalan utama."),
    # Requests for information.
    Template(C.INFORMATION_REQUEST, "Persyaratan layanan di {app}",
             "Dokumen apa saja yang perlu disiapkan untuk mengajukan layanan melalui {app}?", True),
    Template(C.INFORMATION_REQUEST, "Cara mendaftar akun {app}",
             "Bagaimana cara mendaftar akun {app} bagi warga yang belum memiliki alamat surel?", True),
    Template(C.INFORMATION_REQUEST, "Lama proses permohonan di {app}",
             "Berapa hari kerja yang dibutuhkan sampai permohonan di {app} selesai diproses? Saya mengajukannya {since}.", True),
    Template(C.INFORMATION_REQUEST, "Biaya layanan {app}",
             "Apakah layanan melalui {app} gratis, atau ada biaya yang harus dibayar di loket?", True),
    Template(C.INFORMATION_REQUEST, "Jadwal pelayanan di {place}",
             "Mohon informasi jadwal dan jam buka pelayanan administrasi kependudukan di {place}."),
    Template(C.INFORMATION_REQUEST, "Jadwal posyandu di {place}",
             "Kapan jadwal posyandu dan imunisasi balita di {place} bulan ini, dan di mana tempatnya?"),
)

#: When the trouble began, as a citizen writes it.
SINCE = (
    "sejak Senin lalu", "sejak tiga hari terakhir", "sejak awal bulan ini", "sejak kemarin pagi",
    "sejak seminggu yang lalu", "sejak dua minggu terakhir", "sejak akhir pekan lalu", "sejak hari Kamis",
    "sejak pekan lalu", "sejak sebulan terakhir",
)
#: How a report ends, by its category.
CLOSINGS = {
    C.COMPLAINT: (
        "Mohon segera ditindaklanjuti.", "Terima kasih atas perhatiannya.", "Mohon kabar perkembangannya.",
        "Saya berharap masalah ini cepat diselesaikan.", "Mohon petugas dapat memeriksanya.",
        "Atas bantuannya saya ucapkan terima kasih.",
    ),
    C.ASPIRATION: (
        "Terima kasih.", "Semoga usulan ini dapat dipertimbangkan.", "Kami siap membantu bila diperlukan.",
        "Semoga bermanfaat bagi warga.",
    ),
    C.INFORMATION_REQUEST: (
        "Terima kasih atas jawabannya.", "Mohon informasinya.", "Saya tunggu balasannya.", "Terima kasih sebelumnya.",
    ),
}
#: Draws before a repeated report text is accepted (never needed with these templates).
MAX_DRAWS = 50

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


def complaint_apps() -> dict[str, list[str]]:
    """Regency code → the public-facing apps its citizens may complain about.

    Kota Tangerang's citizens use its whole public catalogue; an adopter's, the apps of its
    signed PKS. Back-office apps (e-Office, e-Audit, e-Arsip...) get no citizen complaints.
    """
    public = public_facing_slugs()
    apps = {code: [slug for slug in slugs if slug in public] for code, slugs in adopted_apps().items()}
    apps[PROVIDER_CODE] = list(public)
    return apps


def _report(rng: random.Random, regency: str, apps: list[str], app_names: dict[str, str]) -> tuple[Template, str | None, str, str]:
    """(template, app slug or None, title, body) of one report to ``regency``."""
    while True:
        template = rng.choice(TEMPLATES)
        fitting = [a for a in apps if template.apps is None or a in template.apps] if template.about_app else []
        if not template.about_app or fitting:
            break
    app = rng.choice(fitting) if template.about_app else None
    values = {
        "app": app_names[app] if app else "",
        "place": rng.choice(PLACES.get(regency, GENERIC_PLACES)),
        "since": rng.choice(SINCE),
    }
    body = f"{template.body.format(**values)} {rng.choice(CLOSINGS[template.category])}"
    return template, app, template.title.format(**values), body


def complaint_rows() -> list[Row]:
    """Every demo complaint, ordered by receipt, with its history under ``_history``."""
    rng = random.Random("simpul-demo-complaints")
    apps = complaint_apps()
    app_names = {a["slug"]: a["name"] for a in app_rows()}
    holidays = public_holidays()
    codes, weights = zip(*REGENCY_WEIGHTS.items())
    goals, goal_weights = zip(*FINAL_STATUS_WEIGHTS.items())
    recent = DEMO_NOW.date() - dt.timedelta(days=OPEN_WINDOW_DAYS)
    drafts = []
    bodies: set[str] = set()
    for _ in range(COMPLAINT_COUNT):
        regency = rng.choices(codes, weights)[0]
        for _draw in range(MAX_DRAWS):
            template, app, title, body = _report(rng, regency, apps.get(regency, []), app_names)
            if body not in bodies:
                break
        bodies.add(body)
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
            "title": title,
            "body": body,
            "category": template.category,
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
