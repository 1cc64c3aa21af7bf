"""Who is calling: resolved once the operation is valid, so refused requests cost no SQL."""
from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from core.errors import Unauthenticated


class ResolveCaller(SchemaExtension):
    """Looks up the caller (signed-token user, policy decisions) just before execution.

    The token's signature was already checked by the transport (401 when bad);
    here a token whose user was deleted or deactivated since it was issued is
    refused with ``UNAUTHENTICATED`` and nothing runs.
    """

    async def on_execute(self):
        try:
            await self.execution_context.context.resolve_access()
        except Unauthenticated as error:
            self.execution_context.result = ExecutionResult(
                data=None, errors=[GraphQLError(error.message, original_error=error)]
            )
        yield
