"""A bounded load test on loopback: several threads, a fixed number of requests, a time limit; no errors allowed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from multilabeltext.predict import Predictor

THREADS = 8
REQUESTS_PER_THREAD = 40
TIME_LIMIT_S = 60


def test_concurrent_clients_get_correct_answers_and_requests_are_batched(server, serve_model, test_texts):
    texts = test_texts["text"].tolist()[:THREADS * REQUESTS_PER_THREAD]
    expected = Predictor(serve_model).predict(texts, top_k=3)
    before = httpx.get(f"{server}/health").json()["batching"]
    deadline = time.monotonic() + TIME_LIMIT_S

    def client_thread(worker: int) -> list[tuple[int, int, dict | str]]:
        answers = []
        with httpx.Client(base_url=server, timeout=30) as client:
            for i in range(worker, len(texts), THREADS):
                if time.monotonic() > deadline:
                    break
                if i % 5 == 0:  # every fifth request is a small batch
                    response = client.post("/predict", json={"texts": texts[i:i + 1] * 3, "top_k": 3})
                    answer = response.json()["results"][0] if response.status_code == 200 else response.text
                else:
                    response = client.post("/predict", json={"text": texts[i], "top_k": 3})
                    answer = response.json() if response.status_code == 200 else response.text
                answers.append((i, response.status_code, answer))
        return answers

    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        answers = [a for chunk in pool.map(client_thread, range(THREADS)) for a in chunk]
    elapsed = time.monotonic() - started

    assert len(answers) == len(texts), f"only {len(answers)} of {len(texts)} requests within {TIME_LIMIT_S} s"
    failures = [(i, status, answer) for i, status, answer in answers if status != 200]
    assert not failures, failures[:5]
    wrong = [i for i, _, answer in answers if answer != expected[i]]
    assert not wrong, f"{len(wrong)} answers differ from the library's, e.g. text {wrong[0]}"
    after = httpx.get(f"{server}/health").json()
    assert after["status"] == "ok" and after["pending_texts"] == 0
    stats = after["batching"]
    requests = stats["requests"] - before["requests"]
    assert requests == len(texts)
    assert stats["batches"] - before["batches"] < requests, "concurrent requests were never scored together"
    print(f"\n{len(texts)} requests from {THREADS} threads in {elapsed:.2f} s; "
          f"{requests / (stats['batches'] - before['batches']):.1f} requests per model call")
