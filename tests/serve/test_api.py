"""The real server over HTTP: each endpoint's answers, checked against the library's own predictions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from multilabeltext.predict import Predictor

from .conftest import MAX_BATCH


@pytest.fixture(scope="module")
def predictor(serve_model):
    return Predictor(serve_model)


def test_one_text_gets_the_same_answer_as_the_library(client, predictor):
    text = "How do I merge two dictionaries in Python?"
    response = client.post("/predict", json={"text": text, "top_k": 3})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == predictor.predict([text], top_k=3)[0]
    assert len(response.json()["probabilities"]) == 3


def test_a_batch_keeps_order_and_matches_the_saved_test_probabilities(client, predictor, test_texts):
    rows = test_texts.head(MAX_BATCH)
    response = client.post("/predict", json={"texts": rows["text"].tolist()})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == len(rows)
    assert results == predictor.predict(rows["text"].tolist())
    for result, proba, predicted in zip(results, rows["proba"], rows["predicted"]):
        served = np.array([result["probabilities"][label] for label in predictor.labels])
        np.testing.assert_allclose(served, proba, atol=6e-5)  # rounded to 4 decimals, computed at training time
        assert sorted(result["tags"]) == sorted(predicted)


def _assert_tags_follow(result: dict, threshold: float) -> None:
    """The tags are the scores >= threshold; shown scores are rounded to 4 decimals, the decision used exact ones."""
    sure = {t for t, p in result["probabilities"].items() if p >= threshold + 5e-5}
    close = {t for t, p in result["probabilities"].items() if p >= threshold - 5e-5}
    assert sure <= set(result["tags"]) <= close, (threshold, result)


def test_threshold_and_top_k_are_applied_per_request(client):
    text = "javascript jquery click event on a button"
    low = client.post("/predict", json={"text": text, "threshold": 0.0}).json()
    high = client.post("/predict", json={"text": text, "threshold": 1.0}).json()
    labels = client.get("/labels").json()["labels"]
    assert sorted(low["tags"]) == sorted(labels)  # every score >= 0
    _assert_tags_follow(high, 1.0)
    _assert_tags_follow(client.post("/predict", json={"text": text, "threshold": 0.5}).json(), 0.5)
    probabilities = list(low["probabilities"].values())
    assert probabilities == sorted(probabilities, reverse=True) and len(probabilities) == len(labels)
    assert len(client.post("/predict", json={"text": text, "top_k": 10_000}).json()["probabilities"]) == len(labels)


def test_labels_model_and_health(client, serve_model):
    labels = client.get("/labels").json()
    assert labels["labels"] == json.loads((serve_model / "labels.json").read_text()) and labels["count"] == 10
    model = client.get("/model").json()
    assert model["model"] == "linear" and model["labels"] == labels["labels"]
    assert model["metrics"] == json.loads((serve_model / "metrics.json").read_text())
    assert model["thresholds"]["method"] == "global"
    assert model["serving"]["max_batch"] == MAX_BATCH and model["meta"]["format_version"] == 1
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["labels"] == 10 and health["batching"]["texts"] > 0


def test_openapi_and_docs_describe_the_api(client):
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/predict", "/labels", "/health", "/model"}
    request = spec["components"]["schemas"]["PredictRequest"]
    assert request["additionalProperties"] is False
    assert set(request["properties"]) == {"text", "texts", "threshold", "top_k"}
    assert {"400", "413", "422"} <= set(spec["paths"]["/predict"]["post"]["responses"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_docs_load_nothing_from_outside(client):
    """/docs and /redoc use scripts served by the service itself: no CDN, no Google Fonts (issue 13)."""
    import re

    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"url\(([^)]+)\)", html)
        assert urls, html[:500]
        remote = [u for u in urls if u.startswith(("http:", "https:", "//"))]
        assert not remote, (page, remote)
        assert "fonts.googleapis" not in html and "cdn.jsdelivr" not in html
        for url in urls:
            if url.startswith("/docs-assets/"):
                assert client.get(url).status_code == 200, url
