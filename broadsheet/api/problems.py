"""The JSON API's one error shape: problem details (RFC 9457), served as application/problem+json
for every refusal (400, 404, 405, 422, 429, 500) and declared for every route in the OpenAPI document."""

from __future__ import annotations

from http import HTTPStatus

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

PROBLEM_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    """One parameter the request got wrong."""

    location: str = Field(description="Where: query.limit, path.article_id, ...")
    message: str


class ProblemOut(BaseModel):
    """An error (RFC 9457 problem details): `detail` is one sentence a reader can act on."""

    type: str = Field("about:blank", description="about:blank: the status code says what kind of problem it is")
    title: str = Field(description="The status code's phrase (Not Found, Unprocessable Content, ...)")
    status: int = Field(ge=400, le=599)
    detail: str
    errors: list[FieldProblem] | None = Field(None, description="Each invalid parameter (422 only)")


def status_title(status: int) -> str:
    """The standard phrase of an HTTP status code (RFC 9110)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int, detail: str, errors: list[FieldProblem] | None = None, headers: dict | None = None
) -> JSONResponse:
    """A problem details response."""
    body = ProblemOut(type="about:blank", title=status_title(status), status=status, detail=detail, errors=errors)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=PROBLEM_TYPE
    )


def declared(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI `responses` for these error statuses, each a problem details body (served as
    application/problem+json: api_openapi names that media type in the document)."""
    return {status: {"model": ProblemOut, "description": status_title(status)} for status in statuses}


def as_problem_media(document: dict) -> dict:
    """The OpenAPI document with every error response's body under application/problem+json."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[0] in "45" and "application/json" in content:
                    response["content"] = {PROBLEM_TYPE: content.pop("application/json"), **content}
    return document
