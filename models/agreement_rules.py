"""The rules an agreement keeps across its fields: Agreement's declared validator.

Next to the model, as Django keeps ``Model.clean``: the generic CRUD service
calls :func:`check_agreement` before every create and update, for the API and
the panel alike. Rows are looked up through the agreement's own class, so this
module needs nothing above the models.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.clock import today_wib
from core.errors import BadUserInput
from models.enums import AgreementKind, AgreementStatus as St

#: Statuses of an agreement that has been signed (a PKS may follow such an MoU).
SIGNED_STATUSES = (St.SIGNED, St.ACTIVE, St.EXPIRED)
#: Statuses that lapse to EXPIRED once ``valid_until`` has passed.
LAPSING_STATUSES = (St.SIGNED, St.ACTIVE)
#: Statuses that require ``signed_on``.
NEEDS_SIGNING_DATE = (St.SIGNED, St.ACTIVE)


async def check_agreement(agreement: Any, relations: Mapping[str, Any] | None = None) -> None:
    """Raise BadUserInput (naming the field, with a ``reason`` and its ``params``) when the agreement breaks a rule.

    - an MoU follows nothing (no ``parent``) and lists no apps: the apps belong to its PKS;
    - a PKS follows a signed MoU (SIGNED, ACTIVE or EXPIRED; a TERMINATED PKS may follow a TERMINATED
      MoU) between the same adopter and provider, is not signed before it and is not valid beyond its end;
    - ``validUntil`` is after ``signedOn``;
    - a SIGNED or ACTIVE agreement has ``signedOn``;
    - an ACTIVE PKS lists at least one app.

    The ``reason`` codes are ``AGREEMENT_*`` (and ``UNKNOWN_REFERENCE`` for a parent that does
    not exist); the panel's catalogue translates each (``error|<REASON>``).

    ``relations`` is what the CRUD service passes: ``{"apps": [ids]}``, the apps the agreement
    will list once saved. Without it, a saved agreement's stored apps count. Also normalises a
    lapsed status to EXPIRED.
    """
    kind = AgreementKind(agreement.kind)
    status = St(agreement.status)
    apps = await _apps_of(agreement, relations)
    if kind == AgreementKind.MOU:
        if agreement.parent_id is not None:
            raise BadUserInput("An MoU cannot follow another agreement: leave parent empty.", field="parentId",
                               reason="AGREEMENT_MOU_HAS_PARENT")
        if apps:
            raise BadUserInput(
                f"An MoU lists no apps ({len(apps)} given): the apps belong to the PKS that follows it.",
                field="appIds", reason="AGREEMENT_MOU_HAS_APPS", params={"count": len(apps)},
            )
    if kind == AgreementKind.PKS:
        await _check_parent(agreement)
    if agreement.signed_on and agreement.valid_until and agreement.valid_until <= agreement.signed_on:
        raise BadUserInput(
            f"validUntil ({agreement.valid_until.isoformat()}) must be after signedOn "
            f"({agreement.signed_on.isoformat()}).",
            field="validUntil", reason="AGREEMENT_ENDS_BEFORE_SIGNED",
            params={"validUntil": agreement.valid_until, "signedOn": agreement.signed_on},
        )
    if status in NEEDS_SIGNING_DATE and agreement.signed_on is None:
        raise BadUserInput(
            f"An agreement in status {status.value} needs signedOn, the date it was signed.", field="signedOn",
            reason="AGREEMENT_NEEDS_SIGNED_ON", params={"status": status},
        )
    # Saved as it will show: a lapsed agreement is EXPIRED, not SIGNED.
    shown = effective_status(agreement)
    if kind == AgreementKind.PKS and shown == St.ACTIVE and not apps:
        raise BadUserInput("An ACTIVE PKS lists at least one app: choose the apps it adopts.", field="appIds",
                           reason="AGREEMENT_ACTIVE_PKS_WITHOUT_APPS")
    agreement.status = shown


async def _apps_of(agreement: Any, relations: Mapping[str, Any] | None) -> list[Any]:
    if relations is not None and "apps" in relations:
        return list(relations["apps"] or [])
    if agreement.pk is None or not agreement._saved_in_db:
        return []
    return list(await agreement.apps.all().values_list("id", flat=True))


async def _check_parent(pks: Any) -> None:
    if pks.parent_id is None:
        raise BadUserInput("A PKS must follow an MoU: set parent to the signed MoU it implements.", field="parentId",
                           reason="AGREEMENT_PKS_WITHOUT_MOU")
    parent = await type(pks).get_or_none(pk=pks.parent_id)
    if parent is None:
        raise BadUserInput(
            f"parentId {pks.parent_id!r} does not match any agreement.", field="parentId",
            reason="UNKNOWN_REFERENCE", params={"model": "Agreement", "value": pks.parent_id},
        )
    mou = {"mouNumber": parent.number}
    if AgreementKind(parent.kind) != AgreementKind.MOU:
        raise BadUserInput(
            f"A PKS must follow an MoU; {parent.number} is a {parent.kind.value}.", field="parentId",
            reason="AGREEMENT_PARENT_NOT_MOU", params={**mou, "kind": AgreementKind(parent.kind)},
        )
    # A terminated MoU was signed once: the PKS that followed it stays valid as a terminated record.
    ended_together = St(parent.status) == St.TERMINATED and St(pks.status) == St.TERMINATED
    if St(parent.status) not in SIGNED_STATUSES and not ended_together:
        raise BadUserInput(
            f"A PKS must follow a signed MoU; {parent.number} is {St(parent.status).value}.", field="parentId",
            reason="AGREEMENT_MOU_NOT_SIGNED", params={**mou, "status": St(parent.status)},
        )
    if parent.regency_id != pks.regency_id or parent.provider_id != pks.provider_id:
        raise BadUserInput(
            f"A PKS must be between the same adopter and provider as its MoU ({parent.number}).", field="parentId",
            reason="AGREEMENT_MOU_OTHER_PARTIES", params=mou,
        )
    if pks.signed_on and parent.signed_on and pks.signed_on < parent.signed_on:
        raise BadUserInput(
            f"A PKS cannot be signed ({pks.signed_on.isoformat()}) before its MoU {parent.number} "
            f"({parent.signed_on.isoformat()}).",
            field="signedOn", reason="AGREEMENT_PKS_BEFORE_MOU",
            params={"pks": pks.signed_on, "mou": parent.signed_on, **mou},
        )
    if pks.valid_until and parent.valid_until and pks.valid_until > parent.valid_until:
        raise BadUserInput(
            f"A PKS cannot be valid ({pks.valid_until.isoformat()}) beyond the end of its MoU {parent.number} "
            f"({parent.valid_until.isoformat()}).",
            field="validUntil", reason="AGREEMENT_PKS_BEYOND_MOU",
            params={"pks": pks.valid_until, "mou": parent.valid_until, **mou},
        )


def effective_status(agreement: Any, today: dt.date | None = None) -> St:
    """The status to show: SIGNED or ACTIVE with ``valid_until`` before ``today`` (WIB) is EXPIRED."""
    status = St(agreement.status)
    today = today or today_wib()
    if status in LAPSING_STATUSES and agreement.valid_until is not None and agreement.valid_until < today:
        return St.EXPIRED
    return status


