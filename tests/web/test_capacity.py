"""Admission (web/capacity.py): at most `concurrency` requests in the app, a short bounded queue, then 503 with
Retry-After at once. Driven in one event loop with an app that holds its requests until told, so the outcome
does not depend on timing."""

from __future__ import annotations

import asyncio
import time

import httpx

from shopcx.web.capacity import Admission


def _held_app(release: asyncio.Event, inside: list[int]):
    async def app(scope, receive, send):
        inside.append(1)
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
    return app


async def _get(client: httpx.AsyncClient, path: str) -> tuple[int, str | None, float, str]:
    began = time.perf_counter()
    response = await client.get(path)
    return response.status_code, response.headers.get("retry-after"), time.perf_counter() - began, response.text


def test_past_capacity_and_queue_requests_get_503_with_retry_after_at_once():
    async def scenario():
        release, inside = asyncio.Event(), []
        gate = Admission(_held_app(release, inside), concurrency=2, queue=1, wait=0.3)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://shop") as client:
            tasks = [asyncio.create_task(_get(client, "/api/v1/customers")) for _ in range(5)]
            await asyncio.sleep(0.5)  # two are inside, one waited 0.3 s in the queue, two were refused at once
            assert len(inside) == 2
            release.set()
            answers = await asyncio.gather(*tasks)
            after = await _get(client, "/api/v1/customers")  # the slots are free again
        return answers, after, gate

    answers, after, gate = asyncio.run(scenario())
    statuses = sorted(status for status, *_ in answers)
    assert statuses == [200, 200, 503, 503, 503]
    refused = [a for a in answers if a[0] == 503]
    assert all(retry == "1" and '"error": "busy"' in body for _, retry, _, body in refused)
    assert sorted(seconds for _, _, seconds, _ in refused)[:2] < [0.2, 0.2]  # the queue was full: no wait
    assert after[0] == 200 and gate.rejected == 3


def test_a_short_queue_is_served_in_turn_and_pages_get_a_readable_503():
    async def scenario():
        release, inside = asyncio.Event(), []
        gate = Admission(_held_app(release, inside), concurrency=1, queue=3, wait=2)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://shop") as client:
            tasks = [asyncio.create_task(_get(client, "/customers")) for _ in range(4)]
            await asyncio.sleep(0.1)
            release.set()
            served = await asyncio.gather(*tasks)
            busy = Admission(_held_app(asyncio.Event(), []), concurrency=1, queue=0, wait=0)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=busy), base_url="http://shop") as other:
                held = asyncio.create_task(_get(other, "/customers"))
                await asyncio.sleep(0.05)
                page = await _get(other, "/customers")
                held.cancel()
        return served, page

    served, page = asyncio.run(scenario())
    assert [status for status, *_ in served] == [200] * 4
    assert page[0] == 503 and page[1] == "1" and "服务器繁忙" in page[3] and "retry" in page[3]


def test_a_request_that_waited_out_the_pool_or_the_write_lock_is_told_to_retry(session, monkeypatch):
    from fastapi.testclient import TestClient
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from shopcx.staff import service as staff
    from shopcx.web.app import create_app

    failure: list[Exception] = []

    def overloaded(*args, **kwargs):
        raise failure[0]

    monkeypatch.setattr(staff, "actor_for_token", overloaded)
    client = TestClient(create_app(), raise_server_exceptions=False)
    headers = {"Authorization": "Bearer scx_anything"}
    for exc in (OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked")),
                PoolTimeout("QueuePool limit of size 20 overflow 8 reached, connection timed out, timeout 5.00")):
        failure[:] = [exc]
        answer = client.get("/api/v1/customers", headers=headers)
        assert (answer.status_code, answer.headers.get("retry-after"), answer.json()["error"]) == (503, "2", "busy")
    failure[:] = [OperationalError("SELECT", {}, Exception("no such table: customer"))]
    assert client.get("/api/v1/customers", headers=headers).status_code == 500  # a real fault stays a fault
