"""Enumerations shared by the models, the API and the panel (values are the GraphQL names)."""
from enum import Enum


class RegencyKind(str, Enum):
    KABUPATEN = "KABUPATEN"
    KOTA = "KOTA"


class AppCategory(str, Enum):
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
    WEB = "WEB"
    ANDROID = "ANDROID"
    WEB_AND_MOBILE = "WEB_AND_MOBILE"
    DESKTOP = "DESKTOP"


class AppStatus(str, Enum):
    ACTIVE = "ACTIVE"
    PILOT = "PILOT"
    RETIRED = "RETIRED"


class AgreementKind(str, Enum):
    MOU = "MOU"
    PKS = "PKS"


class AgreementStatus(str, Enum):
    DRAFT = "DRAFT"
    SIGNED = "SIGNED"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    TERMINATED = "TERMINATED"


class ComplaintStatus(str, Enum):
    RECEIVED = "RECEIVED"
    VERIFIED = "VERIFIED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"


class ComplaintCategory(str, Enum):
    """LAPOR!'s report types."""

    ASPIRATION = "ASPIRATION"  # aspirasi
    COMPLAINT = "COMPLAINT"  # pengaduan
    INFORMATION_REQUEST = "INFORMATION_REQUEST"  # permintaan informasi
