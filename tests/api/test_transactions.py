"""Each request is one transaction, committed before its answer is sent (rollbacks: the other API tests)."""

import warnings

from sqlalchemy import event
from sqlalchemy.orm import Session

from shopcx.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_the_commit_happens_before_the_answer_is_sent(session, token):
    seen = []
    app = create_app()

    async def watch(scope, receive, send):
        async def watched_send(message):
            if message["type"] == "http.response.start":
                seen.append("answer")
            await send(message)

        await app(scope, receive, watched_send)

    def committed(_session):
        if not _session.in_nested_transaction():  # a savepoint inside the unit of work is not its commit
            seen.append("commit")

    headers = token("customers:write")
    event.listen(Session, "after_commit", committed)
    try:
        TestClient(watch).post("/api/v1/customers", json={"name": "先提交"}, headers=headers)
    finally:
        event.remove(Session, "after_commit", committed)
    # The unit of work commits, then the answer leaves; the token's last-used stamp is written after it.
    assert seen == ["commit", "answer", "commit"]

