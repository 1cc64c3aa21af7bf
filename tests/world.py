"""A small, explicit world for API tests: three regencies, a few apps, agreements and complaints, three users."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import bcrypt

from models import Agreement, App, Complaint, Regency, User
from models.enums import AgreementKind, AgreementStatus, AppCategory, ComplaintStatus, RegencyKind

PASSWORD = "demo-password"
_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()


@dataclass
class World:
    tangerang: Regency
    karawang: Regency
    bekasi: Regency
    apps: list[App]
    mou: dict[str, Agreement]
    draft: dict[str, Agreement]
    complaints: dict[str, list[Complaint]] = field(default_factory=dict)


async def build_world(complaints_per_regency: int = 3) -> World:
    from permissions.defaults import sync_default_policy
    from permissions.management import assign_role
    from tests.conftest import registry_for_tests

    await sync_default_policy(registry_for_tests())
    tangerang = await Regency.create(code="36.71", name="Kota Tangerang", kind=RegencyKind.KOTA, province="Banten", is_provider=True)
    karawang = await Regency.create(code="32.15", name="Kabupaten Karawang", kind=RegencyKind.KABUPATEN, province="Jawa Barat")
    bekasi = await Regency.create(code="32.16", name="Kabupaten Bekasi", kind=RegencyKind.KABUPATEN, province="Jawa Barat")
    apps = [
        await App.create(name="LAKSA", slug="laksa", category=AppCategory.COMPLAINTS),
        await App.create(name="e-Office", slug="e-office", category=AppCategory.E_GOVERNMENT),
        await App.create(name="SIKDA", slug="sikda", category=AppCategory.E_GOVERNMENT),
    ]
    mou, draft = {}, {}
    for regency in (karawang, bekasi):
        mou[regency.code] = await Agreement.create(
            number=f"MOU/{regency.code}/2018", kind=AgreementKind.MOU, title=f"MoU Smart City {regency.name}",
            regency=regency, provider=tangerang, signed_on=dt.date(2018, 5, 16), valid_until=dt.date(2030, 5, 16),
            status=AgreementStatus.SIGNED,
        )
        await mou[regency.code].apps.add(*apps)
        draft[regency.code] = await Agreement.create(
            number=f"PKS/{regency.code}/DRAFT", kind=AgreementKind.PKS, title=f"Draf PKS {regency.name}",
            regency=regency, provider=tangerang, parent=mou[regency.code], status=AgreementStatus.DRAFT,
        )
    world = World(tangerang, karawang, bekasi, apps, mou, draft)
    for regency in (karawang, bekasi):
        rows = []
        for n in range(complaints_per_regency):
            rows.append(await Complaint.create(
                tracking_code=f"ADU-{regency.code.replace('.', '')}-2026-{n + 1:06d}",
                regency=regency, app=apps[n % len(apps)], title=f"Keluhan {n + 1} di {regency.name}",
                body="Layanan tidak dapat diakses.", reporter_name=f"Warga {n + 1}",
                reporter_contact=f"08123{n:05d}", status=ComplaintStatus.RECEIVED,
            ))
        world.complaints[regency.code] = rows
    for username, role, regency, domain in (
        ("kominfo", "kominfo_admin", None, "*"),
        ("staff.karawang", "regency_staff", karawang, "32.15"),
        ("staff.bekasi", "regency_staff", bekasi, "32.16"),
    ):
        await User.create(username=username, password_hash=_HASH, regency=regency)
        await assign_role(username, role, domain)
    return world
