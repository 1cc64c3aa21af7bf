"""Every error leaves with an ``extensions.code`` from the contract, and nothing internal leaks."""
import logging
import traceback

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from core.errors import ApiError

log = logging.getLogger("simpul.graphql")

INTERNAL_MESSAGE = "Internal server error. Quote request id {request_id} when reporting it."


def is_internal(error: GraphQLError) -> bool:
    """True for errors raised by our code that are not deliberate ApiErrors."""
    return error.original_error is not None and not isinstance(error.original_error, (ApiError, GraphQLError))


class ErrorCodes(MaskErrors):
    """Shape errors as the contract says: a code on each, internal failures masked with a request id."""

    def __init__(self) -> None:
        super().__init__()

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._shape(error) for error in errors]

    def _request_id(self) -> str:
        context = self.execution_context.context
        return getattr(context, "request_id", "unknown")

    def _shape(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, ApiError):
            extensions = {"code": original.code, **original.extensions}
            message = original.message
        elif is_internal(error):
            request_id = self._request_id()
            extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
            message = INTERNAL_MESSAGE.format(request_id=request_id)
        else:
            # Parse and validation errors (unknown field, bad enum value, wrong type):
            # the caller sent something this API does not accept.
            extensions = {**(error.extensions or {}), "code": (error.extensions or {}).get("code", "BAD_USER_INPUT")}
            message = error.message
        return GraphQLError(
            message=message, nodes=error.nodes, source=error.source, positions=error.positions,
            path=error.path, original_error=None, extensions=extensions,
        )


#: Longest line of a logged traceback: an exception message may quote a megabyte of input.
LOG_LINE_LIMIT = 300


def log_errors(errors: list[GraphQLError], request_id: str) -> None:
    """Log internal failures once, with the request id and a traceback whose every line is bounded."""
    for error in errors:
        if is_internal(error):
            log.error("request %s failed at %s\n%s", request_id, error.path, bounded_traceback(error.original_error))


def bounded_traceback(exception: BaseException) -> str:
    lines = "".join(traceback.format_exception(exception)).splitlines()
    return "\n".join(line if len(line) <= LOG_LINE_LIMIT else f"{line[:LOG_LINE_LIMIT]}… ({len(line):,} characters)"
                     for line in lines)
