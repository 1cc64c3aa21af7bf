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
    """Raise BadUserInput (naming the field) when the agreement breaks a rule; normalise a lapsed status.

    - an MoU follows nothing: it has no ``parent``;
    - a PKS follows a signed MoU (SIGNED, ACTIVE or EXPIRED) between the same adopter and provider;
    - ``validUntil`` is after ``signedOn``;
    - a SIGNED or ACTIVE agreement has ``signedOn``.

    ``relations`` (``{"apps": [ids]}``, as the CRUD service passes it) is accepted
    for the validator protocol; no rule reads it yet.
    """
    kind = AgreementKind(agreement.kind)
    status = St(agreement.status)
    if kind == AgreementKind.MOU and agreement.parent_id is not None:
        raise BadUserInput("An MoU cannot follow another agreement: leave parent empty.", field="parentId")
    if kind == AgreementKind.PKS:
        await _check_parent(agreement)
    if agreement.signed_on and agreement.valid_until and agreement.valid_until <= agreement.signed_on:
        raise BadUserInput(
            f"validUntil ({agreement.valid_until.isoformat()}) must be after signedOn "
            f"({agreement.signed_on.isoformat()}).",
            field="validUntil",
        )
    if status in NEEDS_SIGNING_DATE and agreement.signed_on is None:
        raise BadUserInput(f"A {status.value} agreement needs signedOn, the date it was signed.", field="signedOn")
    # Saved as it will show: a lapsed agreement is EXPIRED, not SIGNED.
    agreement.status = effective_status(agreement)


async def _check_parent(pks: Any) -> None:
    if pks.parent_id is None:
        raise BadUserInput("A PKS must follow an MoU: set parent to the signed MoU it implements.", field="parentId")
    parent = await type(pks).get_or_none(pk=pks.parent_id)
    if parent is None:
        raise BadUserInput(f"parentId {pks.parent_id!r} does not match any agreement.", field="parentId")
    if AgreementKind(parent.kind) != AgreementKind.MOU:
        raise BadUserInput(f"A PKS must follow an MoU; {parent.number} is a {parent.kind.value}.", field="parentId")
    if St(parent.status) not in SIGNED_STATUSES:
        raise BadUserInput(
            f"A PKS must follow a signed MoU; {parent.number} is {St(parent.status).value}.", field="parentId"
        )
    if parent.regency_id != pks.regency_id or parent.provider_id != pks.provider_id:
        raise BadUserInput(
            f"A PKS must be between the same adopter and provider as its MoU ({parent.number}).", field="parentId"
        )


def effective_status(agreement: Any, today: dt.date | None = None) -> St:
    """The status to show: SIGNED or ACTIVE with ``valid_until`` before ``today`` (WIB) is EXPIRED."""
    status = St(agreement.status)
    today = today or today_wib()
    if status in LAPSING_STATUSES and agreement.valid_until is not None and agreement.valid_until < today:
        return St.EXPIRED
    return status


