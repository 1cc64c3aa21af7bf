"""Who is calling: resolved once the operation is valid, so refused requests cost no SQL."""
import asyncio
import contextlib

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from core.errors import Unauthenticated


async def close_revoked(websocket) -> None:
    """Close a WebSocket whose caller's session ended, with graphql-transport-ws's 4403 Forbidden."""
    with contextlib.suppress(RuntimeError):  # already closed
        await websocket.close(code=4403, reason="Forbidden: your session has ended; sign in again.")


class ResolveCaller(SchemaExtension):
    # Strawberry builds one context per WebSocket connection and hands it to every operation on it;
    # each operation gets its own copy here (on_operation), so no access or loaded row outlives it.
    """Looks up the caller (signed-token user, policy decisions) just before execution.

    The token's signature was already checked by the transport (401 when bad);
    here a token whose user was deleted or deactivated since it was issued is
    refused with ``UNAUTHENTICATED`` and nothing runs.
    """

    def on_operation(self):
        context = self.execution_context.context
        if getattr(context, "transport", "http") == "websocket":
            self.execution_context.context = context.for_operation()
        yield

    async def on_execute(self):
        try:
            await self.execution_context.context.resolve_access()
        except Unauthenticated as error:
            self.execution_context.result = ExecutionResult(
                data=None, errors=[GraphQLError(error.message, original_error=error)]
            )
            context = self.execution_context.context
            if getattr(context, "transport", "http") == "websocket":
                # The session ended while the socket stayed open: nothing more runs on it.
                asyncio.get_running_loop().call_soon(asyncio.ensure_future, close_revoked(context.request))
        except Exception as error:  # noqa: BLE001 - e.g. the database is down: nothing runs, and nothing leaks
            # Raised from here it would reach the client as the bare exception text, without a code
            # (an unreachable database's host and port); as the result's error it is masked and logged.
            self.execution_context.result = ExecutionResult(
                data=None, errors=[GraphQLError("Internal server error.", original_error=error)]
            )
        yield
