"""The HTTP API's request and response bodies (strict pydantic models; unknown fields are refused).

Example:
    >>> PredictRequest.model_validate({"text": "merge two dicts", "top_k": 3}).all_texts()
    ['merge two dicts']
    >>> PredictRequest.model_validate({"text": "a", "texts": ["b"]})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for PredictRequest
    ...
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

NOT_BLANK = r"\S"  # at least one non-space character (JSON Schema patterns are unanchored, so is pydantic's)


def _integral(value):
    """JSON Schema counts 5.0 as an integer, so does this API (strict mode alone would refuse it)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, BeforeValidator(_integral)]
Text = Annotated[str, Field(min_length=1, pattern=NOT_BLANK, examples=["How do I merge two dicts in Python?"])]


class PredictRequest(BaseModel):
    """One text (``text``) or a batch (``texts``), with optional decision settings."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={
            "oneOf": [{"required": ["text"]}, {"required": ["texts"]}],
            "examples": [{"text": "How do I merge two dicts in Python?", "top_k": 5},
                         {"texts": ["pandas groupby sum", "regex for digits"], "threshold": 0.3}],
        })

    text: Text = Field(None, description="One text to tag (give this or `texts`).")
    texts: list[Text] = Field(None, min_length=1, description="A batch of texts to tag (give this or `text`); "
                              "at most the server's --max-batch texts.")
    threshold: float = Field(None, ge=0, le=1, description="One threshold for all tags (default: the model's "
                             "tuned thresholds).")
    top_k: Whole = Field(None, ge=1, description="Return the probabilities of the k best tags (default: all).")

    @model_validator(mode="after")
    def _one_of_text_or_texts(self):
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of `text` (one string) or `texts` (a list of strings)")
        return self

    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts)


class Prediction(BaseModel):
    """Tags for one text, and the probabilities of the ``top_k`` best tags, highest first."""

    tags: list[str] = Field(description="The predicted tags.")
    probabilities: dict[str, float] = Field(description="Tag -> probability, highest first.")


class PredictBatchResponse(BaseModel):
    results: list[Prediction] = Field(description="One prediction per text, in request order.")


class LabelsResponse(BaseModel):
    labels: list[str] = Field(description="The model's tags, in the order of its score columns.")
    count: int


class HealthResponse(BaseModel):
    status: str
    model: str
    labels: int
    pid: int = Field(description="The answering process (one per --workers).")
    uptime_seconds: float
    pending_texts: int
    batching: dict


class ModelResponse(BaseModel):
    path: str
    model: str
    labels: list[str]
    meta: dict = Field(description="model.json: train settings, dataset, timings.")
    thresholds: dict
    metrics: dict = Field(description="metrics.json: validation and test metrics.")
    serving: dict = Field(description="This server's settings.")


class ErrorDetail(BaseModel):
    field: str = Field(description="Where in the request, e.g. `texts[2]` or `body`.")
    message: str
    type: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer: what is wrong, where, and how to fix it."""

    error: str = Field(description="What is wrong.")
    field: str | None = Field(description="The first field involved, if any.")
    fix: str = Field(description="What to change.")
    details: list[ErrorDetail] = Field(default_factory=list)
