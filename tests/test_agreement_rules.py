"""Agreement rules: what a PKS must follow, dates, apps, and the EXPIRED status as time passes.

Each refusal names the field and carries a ``reason`` code with its ``params``
(tests/test_error_reasons.py checks them through the API and the panel).
"""
import datetime as dt

import pytest

from core.errors import BadUserInput
from models import Agreement, AuditEntry, Regency, User
from models.enums import AgreementKind as K, AgreementStatus as St, RegencyKind
from models.registry import registry_from_modules
from permissions.access import access_for
from services import crud
from models.agreement_rules import check_agreement, effective_status
from services.agreement_rules import expire_lapsed_agreements, expired_filter, not_expired

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
async def regions():
    make = lambda code, name, provider=False: Regency.create(  # noqa: E731
        code=code, name=name, kind=RegencyKind.KABUPATEN, province="Jawa Barat", is_provider=provider
    )
    return {
        "tangerang": await make("36.71", "Kota Tangerang", provider=True),
        "karawang": await make("32.15", "Kabupaten Karawang"),
        "bekasi": await make("32.16", "Kabupaten Bekasi"),
    }


async def mou(regions, regency="karawang", status=St.SIGNED, number=None, **values) -> Agreement:
    return await Agreement.create(
        number=number or f"MOU/{regency}/{status.value}", kind=K.MOU, title="MoU Smart City",
        regency=regions[regency], provider=regions["tangerang"], status=status,
        signed_on=dt.date(2018, 5, 16) if status != St.DRAFT else None, **values,
    )


def pks(regions, parent, regency="karawang", **values) -> Agreement:
    """An unsaved PKS, as the CRUD service hands it to the validator."""
    values = dict(number="PKS/1", status=St.DRAFT) | values
    return Agreement(
        kind=K.PKS, title="PKS aplikasi", regency=regions[regency],
        provider=regions["tangerang"], parent=parent, **values,
    )


async def refused(agreement: Agreement, field: str, reason: str | None = None, apps=()) -> str:
    with pytest.raises(BadUserInput) as raised:
        await check_agreement(agreement, {"apps": list(apps)})
    assert raised.value.extensions["field"] == field
    if reason is not None:
        assert raised.value.reason == raised.value.extensions["reason"] == reason
    return raised.value.message


def dated_mou(regions, **values) -> Agreement:
    """A signed MoU of 16 May 2018 valid five years, unsaved."""
    values = dict(number="MOU/dated", status=St.SIGNED, signed_on=dt.date(2018, 5, 16),
                  valid_until=dt.date(2023, 5, 15)) | values
    return Agreement(kind=K.MOU, title="MoU", regency=regions["karawang"], provider=regions["tangerang"], **values)


async def test_a_pks_must_follow_an_mou(regions):
    message = await refused(pks(regions, parent=None), "parentId", "AGREEMENT_PKS_WITHOUT_MOU")
    assert message.startswith("A PKS must follow an MoU")


async def test_a_pks_cannot_follow_a_draft_mou(regions):
    draft = await mou(regions, status=St.DRAFT)
    assert "is DRAFT" in await refused(pks(regions, parent=draft), "parentId", "AGREEMENT_MOU_NOT_SIGNED")


async def test_a_terminated_pks_may_follow_a_terminated_mou(regions):
    ended = await mou(regions, status=St.TERMINATED, valid_until=dt.date(2025, 2, 11))
    terminated = pks(regions, parent=ended, status=St.TERMINATED, signed_on=dt.date(2020, 6, 10),
                     valid_until=dt.date(2025, 2, 11))
    await check_agreement(terminated, {"apps": [1]})
    # but nothing else may follow it
    signed = pks(regions, parent=ended, status=St.SIGNED, signed_on=dt.date(2020, 6, 10))
    assert "is TERMINATED" in await refused(signed, "parentId", "AGREEMENT_MOU_NOT_SIGNED")


async def test_a_pks_cannot_follow_another_regencys_mou(regions):
    bekasi_mou = await mou(regions, regency="bekasi")
    assert "same adopter and provider" in await refused(
        pks(regions, parent=bekasi_mou), "parentId", "AGREEMENT_MOU_OTHER_PARTIES"
    )


async def test_a_pks_cannot_follow_a_pks(regions):
    signed = await mou(regions)
    first = pks(regions, parent=signed, status=St.SIGNED, signed_on=dt.date(2019, 1, 2))
    await first.save()
    second = pks(regions, parent=first, number="PKS/2")
    assert "is a PKS" in await refused(second, "parentId", "AGREEMENT_PARENT_NOT_MOU")


async def test_an_mou_follows_nothing(regions):
    other = await mou(regions, number="MOU/old")
    child = Agreement(number="MOU/2", kind=K.MOU, title="t", regency=regions["karawang"],
                      provider=regions["tangerang"], parent=other)
    assert "An MoU cannot follow" in await refused(child, "parentId", "AGREEMENT_MOU_HAS_PARENT")


@pytest.mark.parametrize("valid_until", [dt.date(2018, 5, 15), dt.date(2018, 5, 16)])
async def test_valid_until_must_be_after_signed_on(regions, valid_until):
    agreement = Agreement(number="MOU/x", kind=K.MOU, title="t", regency=regions["karawang"],
                          provider=regions["tangerang"], status=St.SIGNED,
                          signed_on=dt.date(2018, 5, 16), valid_until=valid_until)
    assert "validUntil" in await refused(agreement, "validUntil", "AGREEMENT_ENDS_BEFORE_SIGNED")


@pytest.mark.parametrize("status", [St.SIGNED, St.ACTIVE])
async def test_a_signed_agreement_needs_its_signing_date(regions, status):
    agreement = Agreement(number="MOU/x", kind=K.MOU, title="t", regency=regions["karawang"],
                          provider=regions["tangerang"], status=status)
    message = await refused(agreement, "signedOn", "AGREEMENT_NEEDS_SIGNED_ON")
    assert message == f"An agreement in status {status.value} needs signedOn, the date it was signed."


@pytest.mark.parametrize("parent_status", [St.SIGNED, St.ACTIVE, St.EXPIRED])
async def test_valid_agreements_pass(regions, parent_status):
    parent = await mou(regions, status=parent_status, valid_until=dt.date(2030, 5, 16))
    followup = pks(regions, parent=parent, status=St.ACTIVE, signed_on=dt.date(2019, 2, 1),
                   valid_until=dt.date(2030, 1, 31))
    await check_agreement(followup, {"apps": [1]})
    assert followup.status == St.ACTIVE
    await check_agreement(pks(regions, parent=parent), None)  # a DRAFT PKS with no dates yet
    draft_mou = Agreement(number="MOU/draft", kind=K.MOU, title="t", regency=regions["karawang"],
                          provider=regions["tangerang"])
    await check_agreement(draft_mou, None)


async def test_a_lapsed_agreement_is_saved_as_expired(regions):
    old = Agreement(number="MOU/2016", kind=K.MOU, title="t", regency=regions["karawang"],
                    provider=regions["tangerang"], status=St.SIGNED,
                    signed_on=dt.date(2016, 9, 20), valid_until=dt.date(2021, 9, 20))
    await check_agreement(old, None)
    assert old.status == St.EXPIRED


# --- a PKS within its MoU, apps on the PKS ------------------------------------------------------


async def test_a_pks_is_not_signed_before_its_mou(regions):
    parent = dated_mou(regions)
    await parent.save()
    early = pks(regions, parent=parent, status=St.SIGNED, signed_on=dt.date(2018, 5, 15))
    with pytest.raises(BadUserInput) as raised:
        await check_agreement(early, {"apps": [1]})
    error = raised.value
    assert (error.extensions["field"], error.reason) == ("signedOn", "AGREEMENT_PKS_BEFORE_MOU")
    assert error.params == {"pks": dt.date(2018, 5, 15), "mou": dt.date(2018, 5, 16), "mouNumber": "MOU/dated"}
    assert error.extensions["params"] == {"pks": "2018-05-15", "mou": "2018-05-16", "mouNumber": "MOU/dated"}
    # the same day as its MoU is fine
    await check_agreement(pks(regions, parent=parent, status=St.SIGNED, signed_on=dt.date(2018, 5, 16)), None)


async def test_a_pks_is_not_valid_beyond_its_mou(regions):
    parent = dated_mou(regions)
    await parent.save()
    late = pks(regions, parent=parent, status=St.SIGNED, signed_on=dt.date(2018, 8, 15), valid_until=dt.date(2023, 5, 16))
    message = await refused(late, "validUntil", "AGREEMENT_PKS_BEYOND_MOU")
    assert "beyond the end of its MoU MOU/dated (2023-05-15)" in message
    # ending with its MoU is fine, and an MoU without an end date bounds nothing
    await check_agreement(pks(regions, parent=parent, valid_until=dt.date(2023, 5, 15)), None)
    open_ended = dated_mou(regions, number="MOU/open", valid_until=None)
    await open_ended.save()
    await check_agreement(pks(regions, parent=open_ended, valid_until=dt.date(2040, 1, 1)), None)


async def test_an_active_pks_lists_at_least_one_app(regions):
    parent = await mou(regions, valid_until=dt.date(2030, 5, 15))
    active = pks(regions, parent=parent, status=St.ACTIVE, signed_on=dt.date(2019, 2, 1))
    message = await refused(active, "appIds", "AGREEMENT_ACTIVE_PKS_WITHOUT_APPS")
    assert message.startswith("An ACTIVE PKS lists at least one app")
    await check_agreement(active, {"apps": [7]})
    # a draft or signed PKS may still be without apps
    await check_agreement(pks(regions, parent=parent, status=St.SIGNED, signed_on=dt.date(2019, 2, 1)), {"apps": []})


async def test_an_active_pks_without_relations_counts_its_stored_apps(regions):
    # Given an ACTIVE PKS saved with one app, checked without the relations the CRUD service passes
    from models import App
    from models.enums import AppCategory

    parent = await mou(regions, valid_until=dt.date(2030, 5, 15))
    saved = pks(regions, parent=parent, status=St.ACTIVE, signed_on=dt.date(2019, 2, 1))
    await saved.save()
    await saved.apps.add(await App.create(name="LAKSA", slug="laksa", category=AppCategory.COMPLAINTS))
    await check_agreement(saved, None)
    # then, once its apps are gone, it is refused
    await saved.apps.clear()
    with pytest.raises(BadUserInput, match="at least one app"):
        await check_agreement(saved, None)


async def test_an_mou_lists_no_apps(regions):
    agreement = dated_mou(regions)
    message = await refused(agreement, "appIds", "AGREEMENT_MOU_HAS_APPS", apps=[1, 2])
    assert message.startswith("An MoU lists no apps (2 given)")
    await check_agreement(agreement, {"apps": []})


def test_effective_status():
    def agreement(status, valid_until):
        return Agreement(number="n", kind=K.MOU, title="t", status=status, valid_until=valid_until)

    yesterday, tomorrow = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)
    assert effective_status(agreement(St.SIGNED, yesterday), TODAY) == St.EXPIRED
    assert effective_status(agreement(St.ACTIVE, yesterday), TODAY) == St.EXPIRED
    assert effective_status(agreement(St.ACTIVE, TODAY), TODAY) == St.ACTIVE  # the last day still counts
    assert effective_status(agreement(St.SIGNED, tomorrow), TODAY) == St.SIGNED
    assert effective_status(agreement(St.SIGNED, None), TODAY) == St.SIGNED
    assert effective_status(agreement(St.DRAFT, yesterday), TODAY) == St.DRAFT
    assert effective_status(agreement(St.TERMINATED, yesterday), TODAY) == St.TERMINATED


async def test_expired_filters_agree_with_effective_status_in_sql(regions):
    # Given one agreement per (status, validity) combination, stored without the rules
    rows = []
    for status in St:
        for valid_until in (None, TODAY - dt.timedelta(days=1), TODAY, TODAY + dt.timedelta(days=30)):
            rows.append(await Agreement.create(
                number=f"A/{status.value}/{valid_until}", kind=K.MOU, title="t", status=status,
                regency=regions["karawang"], provider=regions["tangerang"], valid_until=valid_until,
            ))
    expected_expired = {r.pk for r in rows if effective_status(r, TODAY) == St.EXPIRED}
    # then the SQL filters split the rows exactly as effective_status does
    assert set(await Agreement.filter(expired_filter(TODAY)).values_list("id", flat=True)) == expected_expired
    assert set(await Agreement.filter(not_expired(TODAY)).values_list("id", flat=True)) == {r.pk for r in rows} - expected_expired


async def test_the_expiry_job_stores_expired_and_audits_it(regions):
    lapsed = await mou(regions, number="MOU/lapsed", valid_until=TODAY - dt.timedelta(days=1))
    current = await mou(regions, number="MOU/current", valid_until=TODAY)
    assert await expire_lapsed_agreements(TODAY) == 1
    assert (await Agreement.get(pk=lapsed.pk)).status == St.EXPIRED
    assert (await Agreement.get(pk=current.pk)).status == St.SIGNED
    entry = await AuditEntry.get(model="Agreement", object_id=str(lapsed.pk))
    assert (entry.before["status"], entry.after["status"], entry.source, entry.actor_id) == ("SIGNED", "EXPIRED", "system", None)
    assert await expire_lapsed_agreements(TODAY) == 0  # idempotent


async def test_the_generic_create_runs_the_rules(regions):
    # Given kominfo creating agreements through the generic CRUD service (API and panel alike)
    from permissions.defaults import sync_default_policy
    from permissions.management import assign_role
    from tests.conftest import registry_for_tests

    await sync_default_policy(registry_for_tests())
    await User.create(username="kominfo", password_hash="x")
    await assign_role("kominfo", "kominfo_admin", "*")
    access = await access_for(await User.get(username="kominfo"))
    spec = registry_from_modules(["models"])["Agreement"]
    draft = await mou(regions, status=St.DRAFT)
    data = {"number": "PKS/9", "kind": K.PKS, "title": "PKS", "regency": regions["karawang"].pk,
            "provider": regions["tangerang"].pk, "parent": draft.pk}
    # then a PKS following a draft MoU is refused, and nothing is saved
    with pytest.raises(BadUserInput, match="signed MoU"):
        await crud.create_row(spec, access, data)
    assert not await Agreement.filter(number="PKS/9").exists()
