"""Errors carry contract codes; internal failures are logged with a request id and never leak."""
import logging

import httpx
import pytest

from tests.conftest import TEST_MODEL_MODULES, GraphQLClient


@pytest.fixture
async def kiosk_admin(database, tokens):
    from server.app import create_app

    app = create_app(model_modules=TEST_MODEL_MODULES, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQLClient(http, tokens["kominfo"])


CREATE = "mutation($i: KioskCreateInput!) { createKiosk(input: $i) { id } }"


async def test_internal_error_is_masked_and_logged_with_its_request_id(world, kiosk_admin, caplog):
    caplog.set_level(logging.ERROR, logger="simpul.graphql")
    body = await kiosk_admin(CREATE, {"i": {"location": "crash", "regencyId": str(world.karawang.id)}})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    text = str(body)
    assert "SELECT" not in text and "secret_table" not in text and "Traceback" not in text
    assert request_id in error["message"]
    logged = [r.getMessage() for r in caplog.records if request_id in r.getMessage()]
    # The traceback is in the log, where an operator can read it
    assert len(logged) == 1 and "Traceback" in logged[0] and "secret_table" in logged[0]


async def test_validator_errors_are_bad_user_input_and_roll_back(world, kiosk_admin):
    from tests.throwaway_models import Kiosk

    body = await kiosk_admin(CREATE, {"i": {"location": "Lobi", "screens": 0, "regencyId": str(world.karawang.id)}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "screens"
    assert await Kiosk.all().count() == 0


async def test_malformed_request_is_refused_clearly(world, gql):
    body = await gql("{ apps { totalCount ")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    body = await gql("{ apps { noSuchField } }")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "noSuchField" in body["errors"][0]["message"]


async def test_bad_token_is_unauthenticated(world, gql):
    response = await gql.post("{ me { username } }", token="not-a-token")
    assert response.status_code == 401
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


def test_a_logged_failure_quotes_at_most_a_line_of_the_input():
    from schema.errors import LOG_LINE_LIMIT, bounded_traceback

    try:
        raise ValueError("bad value " + "x" * 1_000_000)
    except ValueError as error:
        logged = bounded_traceback(error)
    assert len(logged) < 20 * LOG_LINE_LIMIT
    assert "characters)" in logged
