"""The FastAPI application: a model directory loaded once, behind ``/predict``, ``/labels``, ``/model``, ``/health``.

Concurrent ``/predict`` requests are scored together by one :class:`~multilabeltext.serve.batching.MicroBatcher`
(one model call per batch, in a worker thread); each request then gets its own decisions (its ``threshold``
and ``top_k``) from :meth:`multilabeltext.modeldir.TrainedModel.decide` (via
:meth:`multilabeltext.predict.Predictor.from_proba`). Bad requests get a 4xx JSON body
(:mod:`multilabeltext.serve.problems`), never a 500.

Example (needs a trained model directory, so it is not run as a doctest)::

    from fastapi.testclient import TestClient
    with TestClient(create_app("models/so-titles-linear")) as client:
        client.post("/predict", json={"text": "merge two dicts", "top_k": 2}).json()
    # {'tags': ['python', 'dictionary'], 'probabilities': {'python': 0.93, 'dictionary': 0.81}}
"""

# no `from __future__ import annotations` here: FastAPI reads the endpoints' annotations at run time
import contextlib
import os
import time
from pathlib import Path

from .. import __version__
from .batching import MicroBatcher, Overloaded
from .settings import ServeSettings

DESCRIPTION = """Tags for texts from a trained multilabeltext model.

`POST /predict` takes one text (`{"text": "..."}`) or a batch (`{"texts": ["...", "..."]}`), with optional
`threshold` (one for all tags; default: the model's tuned thresholds; the model's minimum number of tags per
text still applies) and `top_k` (how many tag probabilities
to return; default: all). Concurrent requests are scored together in one model call.

Errors are JSON `{"error", "field", "fix", "details"}`: 400 for a body that is not JSON, 413 for texts or
batches over the server's limits, 422 for JSON of the wrong shape, 503 when too many texts are waiting.
"""

ERRORS = {400: "The body is not valid JSON (or not UTF-8).", 413: "A text or the batch is over the limits.",
          422: "The JSON does not match the schema (wrong types, unknown fields, empty texts).",
          503: "Too many texts are waiting; retry shortly."}


def create_app(model_dir: str | Path, settings: ServeSettings | None = None, *, predictor=None):
    """The service for ``model_dir`` (loaded now, so a bad directory fails before anything listens)."""
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    from ..predict import Predictor
    from .docs import install_local_docs
    from .problems import BodyLimit, dumps, install_handlers, problem
    from .schemas import (
        ErrorResponse,
        HealthResponse,
        LabelsResponse,
        ModelResponse,
        PredictBatchResponse,
        Prediction,
        PredictRequest,
    )

    settings = settings or ServeSettings()
    predictor = predictor or Predictor(model_dir)
    trained = predictor.model
    batcher = MicroBatcher(trained.predict_proba, max_batch=settings.max_batch, max_wait_ms=settings.max_wait_ms,
                           max_pending=settings.max_pending)
    started = time.time()
    model_name = trained.kind

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="multilabeltext", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    install_local_docs(app)  # /docs and /redoc with scripts from this machine, nothing from a CDN
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    install_handlers(app)
    app.state.batcher, app.state.predictor, app.state.settings = batcher, predictor, settings
    error_responses = {code: {"model": ErrorResponse, "description": text} for code, text in ERRORS.items()}

    def json_response(data, status: int = 200) -> Response:
        return Response(dumps(data), status_code=status, media_type="application/json")

    def over_limits(texts: list[str], single: bool):
        if len(texts) > settings.max_batch:
            return problem(413, f"the batch has {len(texts)} texts (limit {settings.max_batch}).",
                           f"send at most {settings.max_batch} texts per request, or start the server with a "
                           "larger --max-batch.", field="texts")
        for i, text in enumerate(texts):
            where = "text" if single else f"texts[{i}]"
            try:
                size = len(text.encode("utf-8"))
            except UnicodeEncodeError:
                return problem(422, f"{where} is not valid Unicode (it holds an unpaired surrogate escape).",
                               "send the text as valid UTF-8 / well-formed \\u escapes.", field=where)
            if size > settings.max_text_bytes:
                return problem(413, f"{where} is {size} bytes long in UTF-8 (limit {settings.max_text_bytes}).",
                               "shorten the text, or start the server with a larger --max-text-bytes.", field=where)
        return None

    @app.post("/predict", response_model=Prediction | PredictBatchResponse, responses=error_responses,
              summary="Tags and probabilities for one text or a batch")
    async def predict(body: PredictRequest):
        texts = body.all_texts()
        refused = over_limits(texts, single=body.text is not None)
        if refused is not None:
            return refused
        try:
            proba = await batcher.submit(texts)
        except Overloaded as busy:
            return problem(503, f"the service is busy: {busy}", "retry in a moment, or send smaller batches.",
                           headers={"Retry-After": "1"})
        results = predictor.from_proba(proba, threshold=body.threshold, top_k=body.top_k)
        return json_response(results[0] if body.text is not None else {"results": results})

    @app.get("/labels", response_model=LabelsResponse, summary="The model's tags, in score-column order")
    async def labels():
        return json_response({"labels": list(predictor.labels), "count": len(predictor.labels)})

    @app.get("/health", response_model=HealthResponse, summary="Liveness, queue length and batching counters")
    async def health():
        return json_response({"status": "ok", "model": model_name, "labels": len(predictor.labels),
                              "pid": os.getpid(), "uptime_seconds": round(time.time() - started, 3),
                              "pending_texts": batcher.pending, "batching": batcher.stats.to_dict()})

    model_info = {"path": str(trained.path), "model": model_name, "labels": list(predictor.labels),
                  "meta": trained.meta, "thresholds": trained.rule.to_dict(), "metrics": trained.metrics,
                  "serving": {**settings.to_dict(), "max_body_bytes": settings.max_body_bytes}}

    @app.get("/model", response_model=ModelResponse, summary="Model metadata, thresholds and metrics")
    async def model():
        return json_response(model_info)

    @app.get("/", include_in_schema=False)
    async def root(request: Request):
        return json_response({"service": "multilabeltext", "model": model_name, "docs": "/docs",
                              "openapi": "/openapi.json"})

    return app
