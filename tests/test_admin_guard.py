"""Nothing locks out the last administrator, the way back when it happened anyway, and the audit of
every change to who may do what (issue 11).

An administrator is an active account that may ``manage`` the ``Policy`` and create and update
``User`` accounts in every regency (``permissions.management.ADMINISTRATION``), as the real
decision rules say: these tests build the situations through rules and grants, never by name.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.clock import wib_time
from core.errors import BadUserInput
from models import AuditEntry, User
from permissions.access import access_for
from permissions.management import (
    LAST_ADMIN,
    add_rule,
    administrators,
    assign_role,
    list_rules,
    remove_rule,
    revoke_role,
    roles_of,
)
from services import audit
from services.users import create_user, delete_user, update_user
from tests.conftest import registry_for_tests
from tests.world import _HASH

ROOT = Path(__file__).resolve().parent.parent
ADMIN_RULE = ("kominfo_admin", "*", "*", "*")


async def refused_for_last_admin(change) -> BadUserInput:
    with pytest.raises(BadUserInput) as caught:
        await change
    assert caught.value.extensions["reason"] == LAST_ADMIN
    assert "no active account" in caught.value.message
    return caught.value


async def account(username: str, role: str | None = None, domain: str = "*", *, active: bool = True) -> User:
    user = await User.create(username=username, password_hash=_HASH, is_active=active)
    if role:
        await assign_role(username, role, domain)
    return user


async def user_managers(world) -> User:
    """A role that manages accounts everywhere but not the policy: it may not remove the last administrator."""
    await add_rule("user_manager", "*", "User", "*", registry=registry_for_tests())
    return await account("hr.pusat", "user_manager")


# --- the policy: rules and role assignments -----------------------------------------------------


async def test_the_world_has_one_administrator(world):
    assert await administrators() == {"kominfo"}


async def test_the_last_administrators_rule_cannot_be_removed(world):
    await refused_for_last_admin(remove_rule(*ADMIN_RULE))
    assert ADMIN_RULE in await list_rules()
    assert (await access_for(await User.get(username="kominfo"))).decide("Policy", "manage").everywhere


async def test_the_last_administrators_role_cannot_be_revoked(world):
    await refused_for_last_admin(revoke_role("kominfo", "kominfo_admin", "*"))
    assert await roles_of("kominfo") == [("kominfo_admin", "*")]


async def test_a_second_administrator_makes_the_revocation_possible(world):
    # Given a second active account holding kominfo_admin everywhere
    await account("admin.dua", "kominfo_admin")
    # Then either one may go, but not both
    assert await revoke_role("kominfo", "kominfo_admin", "*") is True
    await refused_for_last_admin(revoke_role("admin.dua", "kominfo_admin", "*"))
    assert await administrators() == {"admin.dua"}


async def test_an_inactive_or_regional_holder_is_no_administrator(world):
    # An inactive account with the role, and the role held in one regency only, keep nobody in charge
    await account("admin.cuti", "kominfo_admin", active=False)
    await account("admin.karawang", "kominfo_admin", "32.15")
    assert await administrators() == {"kominfo"}
    await refused_for_last_admin(revoke_role("kominfo", "kominfo_admin", "*"))


async def test_the_guard_asks_the_decisions_not_the_role_name(world):
    # Given the administration spelled out rule by rule for another role held by another account
    registry = registry_for_tests()
    for obj, act in (("Policy", "manage"), ("User", "create"), ("User", "update")):
        await add_rule("pengelola", "*", obj, act, registry=registry)
    await account("pengelola.satu", "pengelola")
    # Then kominfo_admin's catch-all rule may go: someone can still manage everything that matters
    assert await administrators() == {"kominfo", "pengelola.satu"}
    assert await remove_rule(*ADMIN_RULE) is True
    # ... but not one of the three rules the remaining administrator needs
    await refused_for_last_admin(remove_rule("pengelola", "*", "User", "update"))
    # A rule the administration does not need is removed as usual
    await add_rule("pengelola", "*", "App", "read", registry=registry)
    assert await remove_rule("pengelola", "*", "App", "read") is True


async def test_without_an_administrator_to_keep_nothing_is_refused(world):
    # A policy that has no administrator (a world built without one) refuses no removal
    await User.filter(username="kominfo").update(is_active=False)
    assert await administrators() == set()
    assert await revoke_role("kominfo", "kominfo_admin", "*") is True
    assert await remove_rule(*ADMIN_RULE) is True


async def test_two_administrators_revoking_each_other_at_once_leave_one(world):
    await account("admin.dua", "kominfo_admin")
    results = await asyncio.gather(
        revoke_role("kominfo", "kominfo_admin", "*"), revoke_role("admin.dua", "kominfo_admin", "*"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["BadUserInput", "bool"]
    assert len(await administrators()) == 1


# --- accounts: deactivate, demote, delete --------------------------------------------------------


async def test_the_last_administrator_cannot_be_deactivated_demoted_or_deleted(world):
    hr = await access_for(await user_managers(world))
    kominfo = await User.get(username="kominfo")
    await refused_for_last_admin(update_user(hr, kominfo.pk, is_active=False))
    await refused_for_last_admin(update_user(hr, kominfo.pk, role="regency_staff", regency_code="32.15"))
    await refused_for_last_admin(delete_user(hr, kominfo.pk))
    kominfo = await User.get(username="kominfo")
    assert kominfo.is_active and await roles_of("kominfo") == [("kominfo_admin", "*")]
    # A password change is no threat to anyone's rights
    await update_user(hr, kominfo.pk, password="another-password")
    assert not await AuditEntry.filter(action__in=["user_deactivate", "user_update", "user_delete"]).exists()


async def test_with_a_second_administrator_the_first_may_go(world):
    hr = await access_for(await user_managers(world))
    await account("admin.dua", "kominfo_admin")
    kominfo = await User.get(username="kominfo")
    await update_user(hr, kominfo.pk, is_active=False)
    second = await User.get(username="admin.dua")
    await refused_for_last_admin(delete_user(hr, second.pk))
    await update_user(hr, kominfo.pk, is_active=True)
    assert await delete_user(hr, second.pk) == str(second.pk)
    assert await administrators() == {"kominfo"}


async def test_the_api_refuses_with_an_english_message_and_a_reason(world, as_role, tokens, gql):
    from services.accounts import issue_token

    kominfo = as_role("kominfo")
    for mutation in (
        'mutation { removePolicyRule(role: "kominfo_admin", domain: "*", object: "*", action: "*") }',
        'mutation { revokeRole(username: "kominfo", role: "kominfo_admin", domain: "*") }',
    ):
        body = await kominfo(mutation)
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["reason"] == "LAST_ADMIN"
        assert error["message"].startswith("This change would leave no active account")
    hr = gql.as_user(issue_token(await user_managers(world)))
    kominfo_id = (await User.get(username="kominfo")).pk
    for mutation in (
        f'mutation {{ updateUser(id: "{kominfo_id}", input: {{isActive: false}}) {{ id }} }}',
        f'mutation {{ deleteUser(id: "{kominfo_id}") }}',
    ):
        [error] = (await hr(mutation))["errors"]
        assert (error["extensions"]["code"], error["extensions"]["reason"]) == ("BAD_USER_INPUT", "LAST_ADMIN")
    assert await administrators() == {"kominfo"}


# --- the recovery command -------------------------------------------------------------------------


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLATFORM_ENV": "development", "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "server.manage", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_grant_admin_restores_an_administrator_on_a_database_nobody_can_manage(tmp_path):
    url = f"sqlite://{tmp_path / 'simpul.sqlite3'}"
    assert manage(url, "migrate").returncode == 0
    assert manage(url, "seed", "--demo").returncode == 0
    # Given a policy broken behind Simpul's back: the admin rule and role gone, the account deactivated
    with sqlite3.connect(tmp_path / "simpul.sqlite3") as db:
        db.execute("DELETE FROM casbin_rule WHERE v0 = 'kominfo_admin' OR v1 = 'kominfo_admin'")
        db.execute("UPDATE user_account SET is_active = 0 WHERE username = 'kominfo'")
    # When the recovery command runs
    done = manage(url, "grant-admin", "kominfo")
    assert done.returncode == 0, done.stderr
    assert "added the rule kominfo_admin * * *" in done.stdout and "gave kominfo the role kominfo_admin in *" in done.stdout
    # Then the rule, the grant and the active flag are back, each change audited as the platform
    with sqlite3.connect(tmp_path / "simpul.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM casbin_rule WHERE ptype='p' AND v0='kominfo_admin' AND v1='*' "
                          "AND v2='*' AND v3='*'").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM casbin_rule WHERE ptype='g' AND v0='kominfo' AND v1='kominfo_admin' "
                          "AND v2='*'").fetchone() == (1,)
        assert db.execute("SELECT is_active FROM user_account WHERE username='kominfo'").fetchone() == (1,)
        entries = db.execute("SELECT action, source, actor_id FROM audit_entry WHERE source = 'system' "
                             "AND action != 'update' ORDER BY id").fetchall()
    assert entries == [("policy_add", "system", None), ("role_assign", "system", None), ("user_activate", "system", None)]
    # Running it again changes nothing; an unknown account is an error
    again = manage(url, "grant-admin", "kominfo")
    assert again.returncode == 0 and "already" in again.stdout
    missing = manage(url, "grant-admin", "nobody")
    assert missing.returncode == 1 and "There is no user named 'nobody'" in missing.stderr


# --- the audit of who may do what ------------------------------------------------------------------


def no_secrets(entries, *secrets: str) -> None:
    text = json.dumps([[e.before, e.after] for e in entries])
    for secret in ("password_hash", "$2b$", *secrets):
        assert secret not in text


async def test_policy_changes_through_the_api_are_audited_as_the_caller(world, as_role):
    kominfo = as_role("kominfo")
    me = await User.get(username="kominfo")
    staff = await User.get(username="staff.karawang")
    for mutation in (
        'mutation { addPolicyRule(role: "regency_staff", domain: "*", object: "App", action: "create") }',
        'mutation { removePolicyRule(role: "regency_staff", domain: "*", object: "App", action: "create") }',
        'mutation { assignRole(username: "staff.karawang", role: "regency_staff", domain: "32.16") }',
        'mutation { revokeRole(username: "staff.karawang", role: "regency_staff", domain: "32.16") }',
    ):
        assert "errors" not in await kominfo(mutation)
    entries = await AuditEntry.filter(action__in=audit.POLICY_ACTIONS).order_by("id")
    rule = {"role": "regency_staff", "domain": "*", "object": "App", "action": "create"}
    grant = {"username": "staff.karawang", "role": "regency_staff", "domain": "32.16"}
    assert [(e.action, e.model, e.object_id, e.before, e.after, e.actor_id, e.actor_name, e.source) for e in entries] == [
        ("policy_add", "Policy", "regency_staff", None, rule, me.pk, "kominfo", "api"),
        ("policy_remove", "Policy", "regency_staff", rule, None, me.pk, "kominfo", "api"),
        ("role_assign", "User", str(staff.pk), None, grant, me.pk, "kominfo", "api"),
        ("role_revoke", "User", str(staff.pk), grant, None, me.pk, "kominfo", "api"),
    ]
    # A refused or empty change leaves no entry
    await kominfo('mutation { removePolicyRule(role: "kominfo_admin", domain: "*", object: "*", action: "*") }')
    await kominfo('mutation { removePolicyRule(role: "nobody", domain: "*", object: "App", action: "read") }')
    assert await AuditEntry.filter(action__in=audit.POLICY_ACTIONS).count() == 4


async def test_account_changes_are_audited_without_passwords(world):
    admin = await access_for(await User.get(username="kominfo"))
    # Given an account created, moved, given a new password, deactivated, reactivated and deleted
    user = await create_user(admin, username="staff.baru", password="rahasia-pertama", role="regency_staff",
                             regency_code="32.15", source="admin")
    await update_user(admin, user.pk, regency_code="32.16", source="admin")
    await update_user(admin, user.pk, password="rahasia-kedua", source="admin")
    await update_user(admin, user.pk, is_active=False, source="admin")
    await update_user(admin, user.pk, is_active=True, source="admin")
    await update_user(admin, user.pk, role="regency_staff", source="admin")  # no change: no entry
    await delete_user(admin, user.pk, source="admin")
    entries = await AuditEntry.filter(model="User", object_id=str(user.pk)).order_by("id")
    # Then each change is one entry by kominfo from the panel, with what changed
    assert [(e.action, e.actor_name, e.source) for e in entries] == [
        ("user_create", "kominfo", "admin"),
        ("user_update", "kominfo", "admin"),
        ("password_reset", "kominfo", "admin"),
        ("user_deactivate", "kominfo", "admin"),
        ("user_activate", "kominfo", "admin"),
        ("user_delete", "kominfo", "admin"),
    ]
    created, moved, password, deactivated, _, deleted = entries
    assert created.after == {"username": "staff.baru", "role": "regency_staff", "domain": "32.15",
                             "regency": "32.15", "is_active": True}
    assert (moved.before, moved.after) == ({"username": "staff.baru", "domain": "32.15", "regency": "32.15"},
                                           {"username": "staff.baru", "domain": "32.16", "regency": "32.16"})
    assert password.after == {"username": "staff.baru", "sessions_ended": True} and password.before is None
    assert (deactivated.before["is_active"], deactivated.after["is_active"]) == (True, False)
    assert deleted.before["grants"] == ["regency_staff @ 32.16"] and deleted.after is None
    # ... and never a password or its hash
    no_secrets(entries, "rahasia-pertama", "rahasia-kedua")
    # The role assignments the account service makes are in its own entries, not repeated
    assert not await AuditEntry.filter(action__in=audit.POLICY_ACTIONS).exists()


async def test_a_refused_change_leaves_no_entry(world):
    hr = await access_for(await user_managers(world))
    kominfo = await User.get(username="kominfo")
    await refused_for_last_admin(update_user(hr, kominfo.pk, is_active=False))
    await refused_for_last_admin(delete_user(hr, kominfo.pk))
    assert not await AuditEntry.filter(model="User").exists()


# --- the panel: the refusal in Indonesian, the audit log readable, filtered and exported -----------


@pytest.fixture
async def panel(world, app):
    """Kominfo signed in to the panel of the whole app (tests/admin_client.py)."""
    from tests.admin_client import AdminClient, client_for

    async with client_for(app) as http:
        client = AdminClient(http)
        assert (await client.login("kominfo")).status_code == 303
        yield client


async def test_the_panel_says_why_in_the_panels_language(panel):
    from tests.test_admin_i18n import form_error

    rule = dict(zip(("role", "domain", "object", "action"), ADMIN_RULE))
    refused = await panel.post("/admin/policy/remove-rule", {**rule, "confirmed": "yes"})
    assert refused.status_code == 400
    assert form_error(refused.text).startswith("Ditolak: setelah perubahan ini tidak ada lagi akun aktif")
    await panel.get("/admin/policy/list?language=en_US")
    refused = await panel.post("/admin/policy/revoke-role",
                               {"username": "kominfo", "role": "kominfo_admin", "domain": "*", "confirmed": "yes"})
    assert form_error(refused.text).startswith("Refused: after this change no active account")
    assert ADMIN_RULE in await list_rules() and await roles_of("kominfo") == [("kominfo_admin", "*")]


async def test_a_grid_that_takes_away_asks_first_and_saves_all_or_nothing(panel):
    staff_rules = [r for r in await list_rules() if r[0] == "regency_staff"]
    shown = [("shown", f"{o}|{a}") for o, a in (("Complaint", "update"), ("Complaint", "read"), ("App", "read"))]
    form = [("role", "regency_staff"), *shown, ("cell", "Complaint|read"), ("cell", "App|read")]
    # Taking "update" away asks first, naming it; nothing changes yet
    asked = await panel.post("/admin/policy/grid", form)
    assert asked.status_code == 200 and 'id="confirm-page"' in asked.text and "Ubah · Pengaduan · Semua wilayah" in asked.text
    assert [r for r in await list_rules() if r[0] == "regency_staff"] == staff_rules
    # Confirmed, it saves both changes
    assert (await panel.post("/admin/policy/grid", [*form, ("confirmed", "yes")])).status_code == 303
    rules = await list_rules()
    assert ("regency_staff", "*", "Complaint", "update") not in rules and ("regency_staff", "*", "App", "read") in rules
    # A grid whose removal would leave no administrator changes nothing at all, its addition included:
    # given kominfo_admin's administration spelled out (the catch-all rule then goes)
    registry = registry_for_tests()
    for obj, act in (("Policy", "manage"), ("User", "create"), ("User", "update")):
        await add_rule("kominfo_admin", "*", obj, act, registry=registry)
    assert await remove_rule(*ADMIN_RULE) is True
    admin_grid = [("role", "kominfo_admin"), ("shown", "Policy|manage"), ("shown", "App|read"), ("cell", "App|read")]
    refused = await panel.post("/admin/policy/grid", [*admin_grid, ("confirmed", "yes")])
    assert refused.status_code == 400 and "tidak ada lagi akun aktif" in refused.text
    rules = await list_rules()
    assert ("kominfo_admin", "*", "Policy", "manage") in rules and ("kominfo_admin", "*", "App", "read") not in rules
    assert not await AuditEntry.filter(source="admin", object_id="kominfo_admin").exists()


async def test_the_audit_log_reads_as_sentences_in_the_panels_language(panel, world):
    from services.accounts import LoginThrottle, authenticate
    from services.complaints import submit_complaint

    admin = await access_for(await User.get(username="kominfo"))
    staff = await User.get(username="staff.karawang")
    # Given a move, a citizen's report, a throttled sign-in and the recovery command's kind of entry
    await update_user(admin, staff.pk, regency_code="32.16", source="admin")
    await submit_complaint(regency_code="32.15", title="Lampu jalan mati", body="Sejak Senin.",
                           reporter_name="Siti", reporter_contact="0812", client_address="192.0.2.7")
    throttle = LoginThrottle("1/60 seconds", namespace=f"audit-page-{staff.pk}-{id(panel)}", delay_unit=0)
    for _ in range(3):
        with pytest.raises(Exception):
            await authenticate("kominfo", "wrong-password", "192.0.2.99", throttle=throttle)
    await audit.record(actor=None, action="role_assign", model="User", object_id=staff.pk, before=None,
                       after={"username": "staff.karawang", "role": "kominfo_admin", "domain": "*"}, source="system")
    page = (await panel.get("/admin/audit/list")).text
    # Then each reads in Indonesian: the action, the actor, the fields and their values before and after
    assert "Akun diubah" in page and "Kabupaten Karawang (32.15)" in page and "Kabupaten Bekasi (32.16)" in page
    assert '<span class="before">Kabupaten Karawang (32.15)</span> → <span class="after">Kabupaten Bekasi (32.16)</span>' in page
    assert "Data ditambahkan" in page and "Warga (anonim)" in page
    assert "Upaya masuk dibatasi" in page and "Anonim (mencoba masuk)" in page and "Alamat klien" in page
    assert "192.0.2.99" in page
    assert "Peran diberikan" in page and "Sistem" in page and "Admin Kominfo" in page
    table = page[page.index('id="rows"'):]
    assert " WIB" in table and '{"' not in table and '&#34;' not in table  # no raw JSON
    # Filters: actor, model, action, date range (WIB days)
    by_kominfo = (await panel.get("/admin/audit/list?actor=kominfo")).text
    assert 'data-total="1"' in by_kominfo and "Akun diubah" in by_kominfo
    citizens = (await panel.get("/admin/audit/list?actor=~anonim&model=Complaint")).text
    assert 'data-total="1"' in citizens and "Warga (anonim)" in citizens
    assert 'data-total="1"' in (await panel.get("/admin/audit/list?actor=~sistem")).text
    assert 'data-total="1"' in (await panel.get("/admin/audit/list?action=login_throttled")).text
    today = wib_time(dt.datetime.now(dt.timezone.utc))
    yesterday = (today - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    today = today.strftime("%d/%m/%Y")
    days = (await panel.get(f"/admin/audit/list?since={today}&until={today}")).text
    assert 'data-total="4"' in days
    assert 'data-total="0"' in (await panel.get(f"/admin/audit/list?until={yesterday}")).text


async def test_the_filtered_audit_log_downloads_as_csv_and_the_download_is_audited(panel, world):
    import csv
    import io

    admin = await access_for(await User.get(username="kominfo"))
    staff = await User.get(username="staff.karawang")
    await update_user(admin, staff.pk, password="rahasia-baru-sekali", source="admin")
    await update_user(admin, staff.pk, is_active=False, source="admin")
    response = await panel.get("/admin/audit/export.csv?model=User&action=user_deactivate")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Waktu (WIB)", "Pelaku", "Tindakan"]
    assert len(rows) == 2 and rows[1][1:3] == ["kominfo", "Akun dinonaktifkan"] and rows[1][0].endswith("WIB")
    assert "Aktif: Ya → Tidak" in rows[1][6]
    assert "rahasia-baru-sekali" not in response.text
    # The download itself is in the log, with the filters it used
    [export] = await AuditEntry.filter(action="export", model="AuditEntry")
    assert export.actor_name == "kominfo" and export.source == "admin"
    assert export.after == {"format": "csv", "rows": 1, "filters": {"model": "User", "action": "user_deactivate"}}
