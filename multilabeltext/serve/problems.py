"""Clear JSON errors: every bad request gets a 4xx body saying what is wrong, where, and the fix.

FastAPI's defaults would answer malformed JSON with 422, undecodable bytes with a bare 400 and a failure
inside the service with a plain-text 500; the handlers here give all of them one shape
(:class:`~multilabeltext.serve.schemas.ErrorResponse`). :class:`BodyLimit` refuses oversized bodies (413)
before reading them.

Example:
    >>> problem(413, "texts[3] is 30000 bytes long (limit 20000).", "shorten it.", field="texts[3]").status_code
    413
"""

from __future__ import annotations

import json

from starlette.responses import JSONResponse

EXAMPLE = '{"text": "How do I merge two dicts in Python?"}'
JSON_FIX = f"send a JSON object with Content-Type: application/json, e.g. {EXAMPLE} (see /docs)."

FIXES = {
    "extra_forbidden": "remove the field: /predict accepts text or texts, threshold and top_k (see /docs).",
    "missing": f"send {EXAMPLE} or {{\"texts\": [\"...\", \"...\"]}}.",
    "string_type": "send the text as a JSON string.",
    "string_too_short": "send a non-empty text.",
    "string_pattern_mismatch": "send a text with at least one non-space character.",
    "list_type": "send texts as a JSON list of strings.",
    "too_short": "send at least one text.",
    "float_type": "send threshold as a number between 0 and 1, e.g. 0.5.",
    "int_type": "send top_k as a whole number >= 1, e.g. 5.",
    "greater_than_equal": "use a value within the documented range (see /docs).",
    "less_than_equal": "use a value within the documented range (see /docs).",
    "finite_number": "use a finite number.",
    "model_type": f"send a JSON object, e.g. {EXAMPLE}.",
    "model_attributes_type": JSON_FIX,
    "value_error": f"send exactly one of text or texts: {EXAMPLE} or {{\"texts\": [\"...\", \"...\"]}}.",
    "string_unicode": "send valid Unicode text (no unpaired \\ud800-\\udfff escapes).",
}


def problem(status: int, what: str, fix: str, *, field: str | None = None, details: list | None = None,
            headers: dict | None = None) -> JSONResponse:
    """The JSON error response every failure uses."""
    return JSONResponse({"error": what, "field": field, "fix": fix, "details": details or []}, status_code=status,
                        headers=headers)


def field_name(loc) -> str:
    """``("body", "texts", 2)`` -> ``texts[2]``; the body itself is ``body``."""
    parts = [p for p in loc if p != "body"] if len(loc) > 1 else list(loc)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def validation_problem(errors) -> JSONResponse:
    """A pydantic/FastAPI error list -> 400 (body is not JSON) or 422 (JSON of the wrong shape)."""
    errors = list(errors)
    if any(e.get("type") == "json_invalid" for e in errors):
        first = errors[0]
        reason = (first.get("ctx") or {}).get("error", "malformed JSON")
        return problem(400, f"the request body is not valid JSON ({reason} at character {first['loc'][-1]}).",
                       JSON_FIX, field="body")
    details = [{"field": field_name(e.get("loc", ())), "message": str(e.get("msg", "invalid value")),
                "type": str(e.get("type", "value_error"))} for e in errors]
    first = details[0] if details else {"field": "body", "message": "invalid request", "type": "value_error"}
    return problem(422, f"{first['field']}: {first['message']}.", FIXES.get(first["type"], JSON_FIX),
                   field=first["field"], details=details)


def install_handlers(app) -> None:
    """Route FastAPI's validation and HTTP errors, and anything unexpected, to :func:`problem`."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        return validation_problem(exc.errors())

    @app.exception_handler(HTTPException)
    async def _http(request, exc: HTTPException):
        if exc.status_code == 400:  # FastAPI could not parse the body: say why
            return problem(400, unreadable_body(request.scope.get(BODY_KEY)), JSON_FIX, field="body")
        if exc.status_code == 404:
            return problem(404, f"no such endpoint: {request.method} {request.url.path}.",
                           "use POST /predict, GET /labels, /model, /health; the API is described at /docs.")
        if exc.status_code == 405:
            return problem(405, f"{request.method} is not allowed on {request.url.path}.",
                           "POST /predict with a JSON body; GET the other endpoints (see /docs).",
                           headers=getattr(exc, "headers", None))
        return problem(exc.status_code, str(exc.detail), "see /docs.", headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request, exc: Exception):
        return problem(500, f"the service failed on this request ({type(exc).__name__}: {exc}).",
                       "this is a bug in multilabeltext serve; please report it with the request. The service "
                       "keeps running.")


BODY_KEY = "multilabeltext.body"  # where BodyLimit leaves the body it read, for the 400 diagnosis


def unreadable_body(body: bytes | None) -> str:
    """Why a request body is not JSON FastAPI could read: not UTF-8, nested too deeply, or where it breaks."""
    import json

    if body is None:
        return "the request body could not be read as JSON."
    try:
        json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return f"the request body is not UTF-8 text (byte {exc.start})."
    except RecursionError:
        return "the request body's JSON is nested too deeply."
    except json.JSONDecodeError as exc:
        return f"the request body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
    return "the request body could not be read as JSON."


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413, by header or while reading.

    The body is read in full (at most ``limit`` bytes) before the app runs, then handed on unchanged."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await self._refuse(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:  # read the body here, so one that grows past the limit is refused before the app sees it
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return await self._refuse(scope, receive, send)
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False
        scope[BODY_KEY] = b"".join(chunks)

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": scope[BODY_KEY], "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, receive, send):
        response = problem(413, f"the request body is larger than {self.limit} bytes.",
                           "send fewer or shorter texts per request (limits: --max-batch, --max-text-bytes).",
                           field="body", headers={"Connection": "close"})
        await response(scope, receive, send)


def dumps(data) -> bytes:
    """Compact UTF-8 JSON (non-finite numbers become null, so an answer can never fail to encode)."""
    return json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _finite(value):
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
