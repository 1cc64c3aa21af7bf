"""Enumerations shared by the models, the API and the panel (values are the GraphQL names).

The class docstring describes the GraphQL enum and a ``#:`` comment above a member
describes that value (read by ``models.descriptions``), as for model fields.
"""
from enum import Enum


class RegencyKind(str, Enum):
    """Kind of region in Kemendagri's list: a regency (kabupaten) or a city (kota)."""

    #: A regency (kabupaten), headed by a bupati.
    KABUPATEN = "KABUPATEN"
    #: A city (kota), headed by a wali kota.
    KOTA = "KOTA"


class AppCategory(str, Enum):
    """Catalogue group of an app."""

    E_GOVERNMENT = "E_GOVERNMENT"
    PUBLIC_SERVICE = "PUBLIC_SERVICE"
    COMPLAINTS = "COMPLAINTS"
    HEALTH = "HEALTH"
    EDUCATION = "EDUCATION"
    ECONOMY = "ECONOMY"
    TRANSPORT = "TRANSPORT"
    SOCIAL = "SOCIAL"
    ENVIRONMENT = "ENVIRONMENT"
    TOURISM = "TOURISM"


class AppPlatform(str, Enum):
    """Where an app runs."""

    #: In a web browser.
    WEB = "WEB"
    #: As an Android app.
    ANDROID = "ANDROID"
    #: In a web browser and as a mobile app.
    WEB_AND_MOBILE = "WEB_AND_MOBILE"
    #: As a desktop program.
    DESKTOP = "DESKTOP"


class AppStatus(str, Enum):
    """Lifecycle status of an app in the catalogue."""

    #: In service.
    ACTIVE = "ACTIVE"
    #: Being tried out before full service.
    PILOT = "PILOT"
    #: No longer in service.
    RETIRED = "RETIRED"


class AgreementKind(str, Enum):
    """Kind of agreement: an MoU comes first, then the technical PKS that follows it."""

    #: Memorandum of understanding (nota kesepahaman) between the provider and an adopting region.
    MOU = "MOU"
    #: Cooperation agreement (perjanjian kerja sama) that follows an MoU and lists the apps adopted.
    PKS = "PKS"


class AgreementStatus(str, Enum):
    """Lifecycle status of an agreement. The public sees every status but `DRAFT`."""

    #: Being prepared: visible to Kominfo and to the staff of its regency only.
    DRAFT = "DRAFT"
    #: Signed, not yet in force.
    SIGNED = "SIGNED"
    #: In force.
    ACTIVE = "ACTIVE"
    #: Its term has ended.
    EXPIRED = "EXPIRED"
    #: Ended before its term.
    TERMINATED = "TERMINATED"


class ComplaintStatus(str, Enum):
    """Where a complaint stands in the workflow. Only `transitionComplaint` moves it."""

    #: Submitted, waiting for the desk to check it.
    RECEIVED = "RECEIVED"
    #: Checked by the desk, waiting to be worked on.
    VERIFIED = "VERIFIED"
    #: Being worked on.
    IN_PROGRESS = "IN_PROGRESS"
    #: Answered: it may still be closed, or reopened (back to `IN_PROGRESS`).
    RESOLVED = "RESOLVED"
    #: Settled for good.
    CLOSED = "CLOSED"
    #: Not accepted by the desk.
    REJECTED = "REJECTED"


class ComplaintCategory(str, Enum):
    """LAPOR!'s report types."""

    #: An aspiration (aspirasi): a suggestion or a wish.
    ASPIRATION = "ASPIRATION"
    #: A complaint (pengaduan) about a service.
    COMPLAINT = "COMPLAINT"
    #: A request for information (permintaan informasi).
    INFORMATION_REQUEST = "INFORMATION_REQUEST"
