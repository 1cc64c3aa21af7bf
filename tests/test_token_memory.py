"""A token's signature is checked once per process; whatever is remembered, expiry and the key still hold."""
import dataclasses
import time

import pytest

from core.errors import Unauthenticated
from core.settings import get_settings
from services import tokens


class _User:
    pk = 7
    session_epoch = 3


def test_a_remembered_token_names_the_same_caller_without_a_second_check(monkeypatch):
    token = tokens.issue_token(_User())
    first = tokens.subject_of_token(token)
    monkeypatch.setattr(tokens, "_verified", lambda t: pytest.fail("checked the signature again"))
    assert tokens.subject_of_token(token) == first == tokens.TokenSubject(7, 3, first.expires_at)


def test_a_remembered_token_that_expired_is_refused(monkeypatch):
    token = tokens.issue_token(_User(), ttl_seconds=60)
    tokens.subject_of_token(token)
    monkeypatch.setattr(time, "time", lambda: 10**12)
    with pytest.raises(Unauthenticated):
        tokens.subject_of_token(token)


def test_a_token_remembered_under_another_key_is_checked_again(monkeypatch):
    token = tokens.issue_token(_User())
    tokens.subject_of_token(token)
    other = dataclasses.replace(get_settings(), secret_key="another-secret-" + "x" * 32)
    monkeypatch.setattr(tokens, "get_settings", lambda: other)
    with pytest.raises(Unauthenticated):
        tokens.subject_of_token(token)
