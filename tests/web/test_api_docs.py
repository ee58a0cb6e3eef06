"""The API documentation works without internet: Swagger UI comes from this server, never from a CDN."""

from __future__ import annotations

import re


def test_docs_page_loads_swagger_from_this_server(client):
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(s.startswith("/static/vendor/swagger-ui-bundle.js") for s in sources)
    assert any(s.startswith("/static/vendor/swagger-ui.css") for s in sources)
    assert all(s.startswith("/") for s in sources), sources  # nothing from another host
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'data-openapi="/openapi.json"' in page.text
    for asset in ("/static/vendor/swagger-ui-bundle.js", "/static/vendor/swagger-ui.css", "/static/api-docs.js"):
        assert client.get(asset).status_code == 200, f"{asset} is not served: run make assets"
    assert client.get("/redoc").status_code == 404  # ReDoc would load from a CDN


def test_the_menu_links_the_api_docs_for_roles_that_manage_tokens(client, login):
    owner = login("owner", locale="en")
    assert 'href="/docs"' in owner.get("/").text
    client.cookies.clear()
    agent = login("agent", locale="zh")
    assert 'href="/docs"' not in agent.get("/").text
