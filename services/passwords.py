"""Password rules and bcrypt hashing.

bcrypt reads at most 72 bytes of a password. Rather than pre-hashing (which
would make our hashes differ from every other bcrypt tool's, including the
ones the seeds and the admin panel may use) we *refuse* a new password longer
than 72 bytes in UTF-8, with a message saying so: 72 bytes is still a
passphrase of a dozen words.

Hashing and checking cost about a quarter of a second on purpose; the async
callers run them in a worker thread (``asyncio.to_thread``) so one sign-in
does not stall every other request on the event loop.
"""
from __future__ import annotations

from functools import lru_cache

import bcrypt

from core.errors import BadUserInput

MIN_LENGTH = 8
#: bcrypt ignores everything after the 72nd byte; longer passwords are refused.
MAX_BYTES = 72
#: bcrypt's cost factor (2**12 rounds, bcrypt's own default). Tests may pass a lower one.
ROUNDS = 12


def check_new_password(plain: str, *, field: str = "password") -> None:
    """Raise BadUserInput unless ``plain`` is acceptable as a new password."""
    if not isinstance(plain, str) or len(plain) < MIN_LENGTH:
        raise BadUserInput(f"Passwords must be at least {MIN_LENGTH} characters long.", field=field)
    if len(plain.encode("utf-8")) > MAX_BYTES:
        raise BadUserInput(
            f"Passwords can be at most {MAX_BYTES} bytes long (about {MAX_BYTES} letters, fewer with "
            "accents or emoji); choose a shorter one.",
            field=field,
        )


def hash_password(plain: str, *, rounds: int = ROUNDS) -> str:
    """A bcrypt hash of an acceptable new password (see ``check_new_password``), as text for the database."""
    check_new_password(plain)
    return bcrypt.hashpw(plain.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def verify_password(plain: str, hashed: str | None) -> bool:
    """True when ``plain`` matches ``hashed``. Always costs one bcrypt check, whatever the input.

    ``hashed=None`` (no such user) checks against a dummy hash of the same cost and
    returns False, so the time taken does not reveal whether a username exists.
    """
    data = plain.encode("utf-8") if isinstance(plain, str) else b""
    # A password over 72 bytes can never have been set; check a truncated copy anyway
    # so refusing it takes as long as refusing any other wrong password.
    acceptable = 0 < len(data) <= MAX_BYTES
    try:
        matches = bcrypt.checkpw(data[:MAX_BYTES], (hashed or _dummy_hash()).encode("ascii"))
    except ValueError:  # a malformed stored hash: nobody can sign in with it
        bcrypt.checkpw(data[:MAX_BYTES], _dummy_hash().encode("ascii"))
        return False
    return matches and acceptable and hashed is not None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash nobody knows the password of, at the same cost as real ones; computed once per process."""
    return bcrypt.hashpw(b"no user has this password", bcrypt.gensalt(rounds=ROUNDS)).decode("ascii")
