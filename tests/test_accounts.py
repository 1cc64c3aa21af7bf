"""Accounts: passwords, session tokens, signing in with throttling, and user management.

Real database, real policy engine, real rate-limit storage (Redis when REDIS_URL is set).
Each throttling test uses its own throttle namespace, so counts never leak between
tests or test runs sharing one Redis. An account's role is read from the policy
store only (``roles_of``); the account row holds none.
"""
from __future__ import annotations

import asyncio
import time
import uuid

import jwt
import pytest

from core.errors import BadUserInput, Forbidden, NotFound, Unauthenticated
from core.settings import get_settings
from models import User
from permissions.access import access_for
from permissions.management import list_rules, remove_rule, roles_of
from services import passwords
from services.accounts import WRONG_CREDENTIALS, LoginThrottle, authenticate, issue_token, user_from_authorization, user_from_token
from services.users import account_grant, create_user, delete_user, role_of, shown_role, update_user
from services.passwords import check_new_password, hash_password, verify_password
from services.tokens import INVALID_TOKEN
from tests.conftest import registry_for_tests

RIGHT = "right-password"


def throttle(limit: str | None = None, **options) -> LoginThrottle:
    return LoginThrottle(limit, namespace=f"test-login-{uuid.uuid4().hex}", **options)


async def make_user(username: str = "alice", *, is_active: bool = True) -> User:
    # Four bcrypt rounds: the same algorithm, a sixty-fourth of the cost, for speed.
    return await User.create(username=username, password_hash=hash_password(RIGHT, rounds=4), is_active=is_active)


async def refused(call) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        await call
    return caught.value


# --- passwords ------------------------------------------------------------------------------


def test_hash_round_trip():
    hashed = hash_password("correct horse battery", rounds=4)
    assert hashed.startswith("$2b$04$") and "correct horse" not in hashed
    assert verify_password("correct horse battery", hashed)
    assert not verify_password("correct horse battery!", hashed)
    assert not verify_password("", hashed)


def test_each_hash_is_salted():
    assert hash_password("same password", rounds=4) != hash_password("same password", rounds=4)


@pytest.mark.parametrize(
    "password, says",
    [
        ("short", "at least 8 characters"),
        ("1234567", "at least 8 characters"),
        ("x" * 73, "at most 72 bytes"),
        ("é" * 37, "at most 72 bytes"),  # 37 characters, 74 bytes in UTF-8
    ],
)
def test_unacceptable_new_passwords_are_refused(password, says):
    with pytest.raises(BadUserInput, match=says):
        hash_password(password)


def test_the_limits_themselves_are_accepted():
    check_new_password("12345678")
    hashed = hash_password("é" * 36, rounds=4)  # exactly 72 bytes
    assert verify_password("é" * 36, hashed)


def test_no_user_and_overlong_passwords_never_verify():
    hashed = hash_password("x" * 72, rounds=4)
    assert not verify_password("x" * 72, None)
    # bcrypt would see only the first 72 bytes; we must not accept the longer one.
    assert not verify_password("x" * 73, hashed)
    assert not verify_password("whatever", "not a bcrypt hash")


def test_the_stand_in_for_a_missing_user_costs_what_a_real_hash_costs():
    # verify_password(…, None) checks against this hash, so an unknown username takes
    # as long as a known one: same algorithm, same cost factor as hash_password's default.
    cost = passwords._dummy_hash().split("$")[2]
    assert cost == f"{passwords.ROUNDS:02d}"
    assert hash_password("a fine password").split("$")[2] == cost


# --- tokens ---------------------------------------------------------------------------------


async def test_token_round_trip():
    user = await make_user()
    token = issue_token(user)
    claims = jwt.decode(token, get_settings().secret_key, algorithms=["HS256"], issuer="simpul")
    assert claims["sub"] == str(user.pk)
    assert claims["exp"] - claims["iat"] == get_settings().token_ttl_seconds
    assert (await user_from_token(token)).pk == user.pk


async def test_expired_token_is_refused():
    user = await make_user()
    error = await refused(user_from_token(issue_token(user, ttl_seconds=-10)))
    assert error.message == INVALID_TOKEN
    assert error.code == "UNAUTHENTICATED"


def _forge(claims: dict, *, secret: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret or get_settings().secret_key, algorithm=algorithm)


async def test_tampered_and_foreign_tokens_are_refused():
    user = await make_user()
    other = await make_user("mallory")
    token = issue_token(user)
    header, payload, signature = token.split(".")
    now = int(time.time())
    good = {"sub": str(user.pk), "iat": now, "exp": now + 60, "iss": "simpul"}
    # Another user's claims under the original signature.
    swapped = issue_token(other).split(".")[1]
    candidates = [
        f"{header}.{swapped}.{signature}",
        f"{header}.{payload}.{signature[:-4]}AAAA",
        _forge(good, secret="not-our-secret-but-long-enough-for-hs256"),
        _forge(good | {"iss": "someone-else"}),
        _forge({k: v for k, v in good.items() if k != "exp"}),
        _forge(good | {"sub": "alice"}),
        _forge(good | {"sub": "99999999999"}),
        jwt.encode(good, key=None, algorithm="none"),
        "not.a.token",
        "",
    ]
    for candidate in candidates:
        error = await refused(user_from_token(candidate))
        assert error.message == INVALID_TOKEN, candidate


async def test_token_of_a_deleted_or_deactivated_user_is_refused():
    gone, paused = await make_user("gone"), await make_user("paused")
    gone_token, paused_token = issue_token(gone), issue_token(paused)
    await gone.delete()
    paused.is_active = False
    await paused.save()
    assert (await refused(user_from_token(gone_token))).message == INVALID_TOKEN
    assert (await refused(user_from_token(paused_token))).message == INVALID_TOKEN


async def test_authorization_header():
    user = await make_user()
    token = issue_token(user)
    assert await user_from_authorization(None) is None
    assert await user_from_authorization("") is None
    assert (await user_from_authorization(f"Bearer {token}")).pk == user.pk
    assert (await user_from_authorization(f"bearer  {token} ")).pk == user.pk
    for header in ("Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer ", token, f"Bearer {token} extra", "Token abc"):
        error = await refused(user_from_authorization(header))
        assert "Bearer" in error.message, header
    assert (await refused(user_from_authorization("Bearer nonsense"))).message == INVALID_TOKEN


# --- signing in -----------------------------------------------------------------------------


async def test_login_with_the_right_password():
    user = await make_user()
    assert (await authenticate("alice", RIGHT, "198.51.100.1", throttle=throttle())).pk == user.pk
    # Usernames are lowercase; what people type is matched as such.
    assert (await authenticate(" Alice ", RIGHT, "198.51.100.1", throttle=throttle())).pk == user.pk


async def test_wrong_password_unknown_user_and_inactive_user_look_the_same():
    await make_user()
    await make_user("paused", is_active=False)
    limit = throttle()
    errors = [
        await refused(authenticate("alice", "wrong-password", "198.51.100.1", throttle=limit)),
        await refused(authenticate("nobody", RIGHT, "198.51.100.2", throttle=limit)),
        await refused(authenticate("paused", RIGHT, "198.51.100.3", throttle=limit)),
        await refused(authenticate("x" * 500, RIGHT, "198.51.100.4", throttle=limit)),
    ]
    assert {(e.code, e.message, tuple(e.extensions)) for e in errors} == {("UNAUTHENTICATED", WRONG_CREDENTIALS, ())}


async def test_failures_from_one_client_stop_that_client_not_the_owner_of_the_account():
    # Given five wrong passwords for alice from one address
    await make_user()
    await make_user("bob")
    limit = throttle()
    for _ in range(get_settings().login_attempts):
        error = await refused(authenticate("alice", "wrong-password", "198.51.100.1", throttle=limit))
        assert error.message == WRONG_CREDENTIALS
    # When that address now tries the right password, it is refused and told for how long
    error = await refused(authenticate("alice", RIGHT, "198.51.100.1", throttle=limit))
    assert error.message.startswith("Too many failed sign-in attempts. Try again in ")
    assert 0 < error.extensions["retryAfterSeconds"] <= get_settings().login_window_seconds
    # Then alice herself, from a client that has not failed, signs in (slowed down, not refused)
    assert (await authenticate("alice", RIGHT, "203.0.113.99", throttle=limit)).username == "alice"
    # ... and other accounts are not affected from the guessing address either
    assert (await authenticate("bob", RIGHT, "198.51.100.1", throttle=limit)).username == "bob"


async def test_guessing_from_many_addresses_slows_the_account_down_without_locking_it(monkeypatch):
    await make_user()
    limit = throttle()
    slept: list[float] = []

    async def no_wait(seconds):
        slept.append(seconds)

    monkeypatch.setattr("services.accounts.asyncio.sleep", no_wait)
    attempts = get_settings().login_attempts
    for n in range(attempts + 4):
        await refused(authenticate("alice", "wrong-password", f"198.51.100.{n}", throttle=limit))
    # Each failure beyond the limit doubles the wait, capped
    assert slept == [limit.delay_unit * 2**k for k in range(4)]
    assert limit.delay_for(attempts + 100) == limit.max_delay
    # and the right password from a fresh client still works (after the longest wait so far)
    assert (await authenticate("alice", RIGHT, "203.0.113.5", throttle=limit)).username == "alice"
    # which ends the slowdown
    slept.clear()
    assert (await authenticate("alice", RIGHT, "203.0.113.5", throttle=limit)).username == "alice"
    assert slept == []


async def test_too_many_failures_from_one_address_lock_that_address():
    # Given failures for many different usernames from one address (password spraying)
    await make_user()
    limit = throttle(client_limit="5/15 minutes")
    for n in range(5):
        await refused(authenticate(f"guess{n}", "wrong-password", "192.0.2.66", throttle=limit))
    # Then a real user is refused from that address, and can still sign in from another one
    error = await refused(authenticate("alice", RIGHT, "192.0.2.66", throttle=limit))
    assert error.message.startswith("Too many failed sign-in attempts.")
    assert (await authenticate("alice", RIGHT, "192.0.2.67", throttle=limit)).username == "alice"


async def test_throttling_is_audited_once_per_window_without_what_was_typed():
    from models import AuditEntry

    await make_user()
    limit = throttle()
    for _ in range(get_settings().login_attempts):
        await refused(authenticate("alice", "wrong-password", "198.51.100.9", throttle=limit))
    for _ in range(3):
        await refused(authenticate("alice", RIGHT, "198.51.100.9", throttle=limit))
    for _ in range(get_settings().login_attempts + 1):
        await refused(authenticate("hunter2-typed-as-a-name", "x", "198.51.100.10", throttle=limit))
    entries = await AuditEntry.filter(action="login_throttled").order_by("id")
    assert [(e.model, e.object_id, e.after["client"], e.after["scope"]) for e in entries] == [
        ("User", "alice", "198.51.100.9", "account"),
        ("User", "", "198.51.100.10", "account"),
    ]


async def test_a_success_resets_the_count():
    await make_user()
    limit = throttle()
    for _ in range(2):
        for _ in range(get_settings().login_attempts - 1):
            await refused(authenticate("alice", "wrong-password", None, throttle=limit))
        assert (await authenticate("alice", RIGHT, None, throttle=limit)).username == "alice"


async def test_signing_in_works_again_once_the_window_has_passed():
    # Given alice's address refused by a throttle with a two-second window
    await make_user()
    limit = throttle("5/2 seconds")
    for _ in range(5):
        await refused(authenticate("alice", "wrong-password", "198.51.100.7", throttle=limit))
    error = await refused(authenticate("alice", RIGHT, "198.51.100.7", throttle=limit))
    assert error.message == "Too many failed sign-in attempts. Try again in 1 minute."
    # When the window has passed, then the real user signs in again from that address
    await asyncio.sleep(2.5)
    assert (await authenticate("alice", RIGHT, "198.51.100.7", throttle=limit)).username == "alice"


async def test_default_throttle_follows_the_settings():
    settings = get_settings()
    limit = LoginThrottle()
    assert limit.failures.item.amount == settings.login_attempts
    assert limit.failures.window_seconds == settings.login_window_seconds


# --- user management ------------------------------------------------------------------------


@pytest.fixture
async def admin(world):
    return await access_for(await User.get(username="kominfo"))


@pytest.fixture
async def staff(world):
    return await access_for(await User.get(username="staff.karawang"))


async def test_create_regency_staff(admin):
    user = await create_user(admin, username="staff.baru", password="a-new-password", role="regency_staff", regency_code="32.15")
    row = await User.get(username="staff.baru").select_related("regency")
    assert (row.pk, row.regency.code, row.is_active) == (user.pk, "32.15", True)
    assert await role_of(row) == "regency_staff"
    assert row.password_hash != "a-new-password"
    assert await roles_of("staff.baru") == [("regency_staff", "32.15")]
    # The new account signs in, and its role is in force at once.
    signed_in = await authenticate("staff.baru", "a-new-password", None, throttle=throttle())
    assert (await access_for(signed_in)).decide("Complaint", "read").regencies == {"32.15"}


async def test_create_kominfo_admin_holds_the_role_everywhere(admin):
    user = await create_user(admin, username="admin.dua", password="a-new-password", role="kominfo_admin")
    assert user.regency_id is None
    assert await roles_of("admin.dua") == [("kominfo_admin", "*")]


@pytest.mark.parametrize(
    "fields, field, says",
    [
        ({"username": "Has.Upper"}, "username", "lowercase"),
        ({"username": "ab"}, "username", "3 to 64"),
        ({"username": "with space"}, "username", "3 to 64"),
        ({"username": "x" * 65}, "username", "3 to 64"),
        ({"username": "kominfo"}, "username", "Username 'kominfo' is taken"),
        ({"username": "regency_staff"}, "username", "name of a role"),
        ({"username": "public"}, "username", "name of a role"),
        ({"password": "short"}, "password", "at least 8"),
        ({"password": "p" * 73}, "password", "at most 72 bytes"),
        ({"role": "superuser"}, "role", "Unknown role 'superuser'"),
        ({"regency_code": None}, "regencyCode", "needs the code of the regency"),
        ({"regency_code": "99.99"}, "regencyCode", "no regency with code '99.99'"),
        ({"role": "kominfo_admin", "regency_code": "32.15"}, "regencyCode", "covers every regency"),
    ],
)
async def test_create_validation_errors_leave_no_user(admin, fields, field, says):
    valid = {"username": "new.staff", "password": "a-new-password", "role": "regency_staff", "regency_code": "32.15"}
    before = await User.all().count()
    with pytest.raises(BadUserInput, match=says) as caught:
        await create_user(admin, **(valid | fields))
    assert caught.value.extensions["field"] == field
    assert await User.all().count() == before
    assert await roles_of(valid["username"]) == []


async def test_a_refused_role_assignment_leaves_no_user(admin):
    # Given a policy with no rules for regency_staff, so assigning that role is refused
    for rule in await list_rules():
        if rule[0] == "regency_staff":
            await remove_rule(*rule)
    before = await User.all().count()
    # When an account with that role is created, then it fails and the user row is gone too
    with pytest.raises(BadUserInput, match="Unknown role 'regency_staff'"):
        await create_user(admin, username="orphan", password="a-new-password", role="regency_staff", regency_code="32.15")
    assert not await User.filter(username="orphan").exists()
    assert await User.all().count() == before


async def test_staff_and_anonymous_may_not_manage_users(world, staff):
    anonymous = await access_for(None)
    target = await User.get(username="staff.bekasi")
    for access, error in ((staff, Forbidden), (anonymous, Unauthenticated)):
        with pytest.raises(error):
            await create_user(access, username="sneaky", password="a-new-password", role="kominfo_admin")
        with pytest.raises(error):
            await update_user(access, target.pk, role="kominfo_admin")
        with pytest.raises(error):
            await delete_user(access, target.pk)
    assert not await User.filter(username="sneaky").exists()
    assert await roles_of("staff.bekasi") == [("regency_staff", "32.16")]


async def test_update_moves_the_primary_role_assignment(admin):
    target = await User.get(username="staff.karawang")
    # Another regency: the rule moves with the account
    moved = await update_user(admin, str(target.pk), regency_code="32.16")
    assert (await moved.regency).code == "32.16"
    assert await roles_of("staff.karawang") == [("regency_staff", "32.16")]
    # Promoted: the home regency goes, the role covers every regency
    promoted = await update_user(admin, target.pk, role="kominfo_admin")
    assert promoted.regency_id is None
    assert await roles_of("staff.karawang") == [("kominfo_admin", "*")]
    # Back to staff needs a regency
    with pytest.raises(BadUserInput, match="needs the code of the regency"):
        await update_user(admin, target.pk, role="regency_staff")
    demoted = await update_user(admin, target.pk, role="regency_staff", regency_code="32.15")
    assert await role_of(await User.get(pk=demoted.pk).select_related("regency")) == "regency_staff"
    assert await roles_of("staff.karawang") == [("regency_staff", "32.15")]


async def test_update_keeps_other_grants(admin, world):
    from permissions.management import assign_role

    await assign_role("staff.karawang", "regency_staff", "32.16")
    await update_user(admin, (await User.get(username="staff.karawang")).pk, regency_code="36.71")
    assert await roles_of("staff.karawang") == [("regency_staff", "32.16"), ("regency_staff", "36.71")]


async def test_update_password_and_deactivate(admin):
    target = await User.get(username="staff.bekasi")
    token = issue_token(target)
    await update_user(admin, target.pk, password="another-password")
    # Whoever held the old password may hold its token: the change ends it
    assert (await refused(user_from_token(token))).message == INVALID_TOKEN
    signed_in = await authenticate("staff.bekasi", "another-password", None, throttle=throttle())
    assert signed_in.pk == target.pk
    token = issue_token(signed_in)
    assert (await user_from_token(token)).pk == target.pk
    with pytest.raises(BadUserInput, match="at least 8"):
        await update_user(admin, target.pk, password="short")

    await update_user(admin, target.pk, is_active=False)
    error = await refused(authenticate("staff.bekasi", "another-password", None, throttle=throttle()))
    assert error.message == WRONG_CREDENTIALS
    assert (await refused(user_from_token(token))).message == INVALID_TOKEN


async def test_unknown_ids_are_not_found(admin):
    for missing in (999999, "999999", "abc", "-1", "1.5"):
        with pytest.raises(NotFound) as caught:
            await update_user(admin, missing, password="a-new-password")
        assert caught.value.message == f"User with id {missing!r} does not exist."
        with pytest.raises(NotFound):
            await delete_user(admin, missing)


async def test_admins_cannot_lock_themselves_out(admin):
    me = admin.user
    with pytest.raises(BadUserInput, match="your own account"):
        await delete_user(admin, me.pk)
    with pytest.raises(BadUserInput, match="your own role"):
        await update_user(admin, me.pk, is_active=False)
    with pytest.raises(BadUserInput, match="your own role"):
        await update_user(admin, me.pk, role="regency_staff", regency_code="32.15")
    await update_user(admin, me.pk, password="my-new-password")  # their own password is fine
    assert await roles_of("kominfo") == [("kominfo_admin", "*")]


async def test_delete_removes_the_account_and_every_grant(admin):
    from permissions.management import assign_role

    target = await User.get(username="staff.karawang")
    await assign_role("staff.karawang", "regency_staff", "32.16")
    token = issue_token(target)
    assert await delete_user(admin, str(target.pk)) == str(target.pk)
    assert not await User.filter(pk=target.pk).exists()
    assert await roles_of("staff.karawang") == []
    assert (await refused(user_from_token(token))).message == INVALID_TOKEN


async def test_regional_user_managers_stay_in_their_regencies(world):
    # Given a role that may manage accounts in Karawang only
    from permissions.management import add_rule, assign_role

    await add_rule("karawang_hr", "*", "User", "*", registry=registry_for_tests())
    await User.create(username="hr.karawang", password_hash="x", regency=world.karawang)
    await assign_role("hr.karawang", "karawang_hr", "32.15")
    hr = await access_for(await User.get(username="hr.karawang"))
    # Then they create Karawang staff, but not Bekasi staff nor Kominfo admins
    await create_user(hr, username="new.karawang", password="a-new-password", role="regency_staff", regency_code="32.15")
    with pytest.raises(Forbidden):
        await create_user(hr, username="new.bekasi", password="a-new-password", role="regency_staff", regency_code="32.16")
    with pytest.raises(Forbidden):
        await create_user(hr, username="new.admin", password="a-new-password", role="kominfo_admin")
    # ... and Bekasi's accounts do not exist for them
    bekasi = await User.get(username="staff.bekasi")
    with pytest.raises(NotFound):
        await update_user(hr, bekasi.pk, password="a-new-password")
    with pytest.raises(NotFound):
        await delete_user(hr, bekasi.pk)
    karawang_staff = await User.get(username="staff.karawang")
    with pytest.raises(Forbidden):
        await update_user(hr, karawang_staff.pk, role="kominfo_admin")


# --- the account role, read from the policy store --------------------------------------------


def test_the_account_role_is_the_one_held_where_the_account_works():
    # A staff account of Karawang also helping out in Bekasi: the Karawang grant is its account role.
    grants = [("regency_staff", "32.15"), ("regency_staff", "32.16")]
    assert account_grant(grants, "32.16") == ("regency_staff", "32.16")
    assert account_grant(grants, "32.15") == ("regency_staff", "32.15")
    # Held somewhere else than at home: still its account role, rather than none.
    assert account_grant([("regency_staff", "32.16")], "32.15") == ("regency_staff", "32.16")
    # kominfo_admin before regency_staff; roles that are not account roles never are.
    assert account_grant([("auditor", "*"), ("regency_staff", "32.15"), ("kominfo_admin", "*")], None) == ("kominfo_admin", "*")
    assert account_grant([("auditor", "*")], None) is None
    # What is shown: the account role, else the first role held, else nothing.
    assert shown_role([("auditor", "*")], None) == "auditor"
    assert shown_role([], "32.15") is None


async def test_a_password_change_leaves_the_role_assignments_alone(admin, world):
    from permissions.management import assign_role, revoke_role

    # Given staff of Karawang whose only grant is in Bekasi (changed through the policy API)
    await revoke_role("staff.karawang", "regency_staff", "32.15")
    await assign_role("staff.karawang", "regency_staff", "32.16")
    target = await User.get(username="staff.karawang")
    # When only the password changes, then no grant moves
    await update_user(admin, target.pk, password="another-password")
    assert await roles_of("staff.karawang") == [("regency_staff", "32.16")]


async def test_an_account_without_an_account_role_gets_one_only_when_named(admin, world):
    from permissions.management import revoke_role

    await revoke_role("staff.bekasi", "regency_staff", "32.16")
    target = await User.get(username="staff.bekasi")
    with pytest.raises(BadUserInput, match="holds no account role") as caught:
        await update_user(admin, target.pk, regency_code="32.15")
    assert caught.value.extensions["field"] == "role"
    await update_user(admin, target.pk, role="regency_staff")  # home regency kept: Bekasi
    assert await roles_of("staff.bekasi") == [("regency_staff", "32.16")]


# --- accounts through the API ------------------------------------------------------------------

USERS = "{ users(first: 100, orderBy: [{username: ASC}]) { totalCount nodes { username role regency { code } } } }"


def error_codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


@pytest.fixture
async def hr_token(world):
    """A role that manages accounts in Karawang only (as in test_regional_user_managers_stay_in_their_regencies)."""
    from permissions.management import add_rule, assign_role

    await add_rule("karawang_hr", "*", "User", "*", registry=registry_for_tests())
    user = await User.create(username="hr.karawang", password_hash="x", regency=world.karawang)
    await assign_role("hr.karawang", "karawang_hr", "32.15")
    return issue_token(user)


async def test_users_are_read_in_the_callers_scope(world, as_role, gql, hr_token):
    # Kominfo reads every account, with the roles the policy store holds
    body = await as_role("kominfo")(USERS)
    assert body["data"]["users"]["totalCount"] == 4
    assert body["data"]["users"]["nodes"][0] == {"username": "hr.karawang", "role": "karawang_hr", "regency": {"code": "32.15"}}
    assert {"username": "kominfo", "role": "kominfo_admin", "regency": None} in body["data"]["users"]["nodes"]
    # A role granted User in Karawang reads Karawang's accounts only
    karawang = await gql.as_user(hr_token)(USERS)
    assert [n["username"] for n in karawang["data"]["users"]["nodes"]] == ["hr.karawang", "staff.karawang"]
    bekasi = await User.get(username="staff.bekasi")
    single = await gql.as_user(hr_token)("query($id: ID!) { user(id: $id) { username } }", {"id": str(bekasi.pk)})
    assert single == {"data": {"user": None}}
    # Regency staff and the public read no account at all
    for role, code in (("staff.karawang", "FORBIDDEN"), ("anonymous", "UNAUTHENTICATED")):
        denied = await as_role(role)(USERS)
        assert error_codes(denied) == [code] and denied["data"] is None
    # ... not even through a regency they may read
    nested = await as_role("staff.karawang")('{ regencies(filter: {code: {eq: "32.15"}}) { nodes { users { username } } } }')
    assert nested["data"]["regencies"]["nodes"] == [{"users": []}]


async def test_me_and_login_show_the_role_from_the_policy_store(world, as_role, gql):
    from permissions.management import assign_role, revoke_role

    me = "{ me { username role regency { code name } grants { role domain } } }"
    body = await as_role("staff.karawang")(me)
    assert body["data"]["me"] == {
        "username": "staff.karawang", "role": "regency_staff",
        "regency": {"code": "32.15", "name": "Kabupaten Karawang"}, "grants": [{"role": "regency_staff", "domain": "32.15"}],
    }
    assert (await as_role("anonymous")(me)) == {"data": {"me": None}}
    login = await gql(
        'mutation { login(username: "kominfo", password: "demo-password") { token user { username role regency { code } } } }'
    )
    assert login["data"]["login"]["user"] == {"username": "kominfo", "role": "kominfo_admin", "regency": None}
    # A change in the policy store is the change of the role: nothing else holds it
    await revoke_role("staff.karawang", "regency_staff", "32.15")
    await assign_role("staff.karawang", "kominfo_admin", "*")
    assert (await as_role("staff.karawang")("{ me { role } }"))["data"]["me"] == {"role": "kominfo_admin"}


async def test_account_mutations_through_the_api(world, as_role):
    create = """mutation($input: UserCreateInput!) { createUser(input: $input) { id username role regency { code } } }"""
    new = {"username": "staff.baru", "password": "a-new-password", "role": "regency_staff", "regencyCode": "32.16"}
    # Staff and the public are refused before anything is checked or written
    for role, code in (("staff.karawang", "FORBIDDEN"), ("anonymous", "UNAUTHENTICATED")):
        refused = await as_role(role)(create, {"input": {**new, "password": "short"}})
        assert error_codes(refused) == [code]
    made = await as_role("kominfo")(create, {"input": new})
    assert made["data"]["createUser"] == {
        "id": made["data"]["createUser"]["id"], "username": "staff.baru", "role": "regency_staff", "regency": {"code": "32.16"}
    }
    user_id = made["data"]["createUser"]["id"]
    update = "mutation($id: ID!, $input: UserUpdateInput!) { updateUser(id: $id, input: $input) { role regency { code } } }"
    moved = await as_role("kominfo")(update, {"id": user_id, "input": {"regencyCode": "32.15"}})
    assert moved["data"]["updateUser"] == {"role": "regency_staff", "regency": {"code": "32.15"}}
    assert await roles_of("staff.baru") == [("regency_staff", "32.15")]
    assert error_codes(await as_role("staff.bekasi")(update, {"id": user_id, "input": {"isActive": False}})) == ["FORBIDDEN"]
    # Mutations run one after another; each reads the roles as the one before left them
    both = await as_role("kominfo")(
        """mutation($id: ID!) { before: updateUser(id: $id, input: {isActive: true}) { role }
           promoted: updateUser(id: $id, input: {role: "kominfo_admin"}) { role regency { code } } }""",
        {"id": user_id},
    )
    assert both["data"] == {"before": {"role": "regency_staff"}, "promoted": {"role": "kominfo_admin", "regency": None}}
    deleted = await as_role("kominfo")("mutation($id: ID!) { deleteUser(id: $id) }", {"id": user_id})
    assert deleted == {"data": {"deleteUser": user_id}}
    assert await roles_of("staff.baru") == []
