"""End to end in Debian's Chromium: sign in, find a customer, open their page, import a file, get the rejects.

A real uvicorn server runs in a thread against a fresh, committed database; screenshots of every main page
(desktop and phone) go to test-artifacts/, and one more is taken where the flow fails.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shopcx.core import db
from shopcx.core.settings import get_settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "browser-pass-2026"
UPLOAD = (
    "order_id,placed_at,customer_id,customer_name,sku,product_name,quantity,unit_price,status\n"
    "B-1,2026-03-01 10:00,b1,周杰,CUP-1,保温杯,2,49.90,paid\n"
    "B-1,2026-03-01 10:00,b1,周杰,TEA-9,西湖龙井,1,128.00,paid\n"
    "B-2,not a date,b2,吴敏,CUP-1,保温杯,1,49.90,paid\n"
    "B-3,2026-03-05 11:30,b3,郑爽,CUP-1,保温杯,many,49.90,paid\n"
    "B-4,2026-03-06 12:00,b1,周杰,CUP-1,保温杯,1,49.90,completed\n"
)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium (make browser)"
    if os.environ.get("SHOPCX_REQUIRE_SHARED_DATA") == "1" or os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed() -> None:
    """A shop with customers and orders, and an owner, committed through the services."""
    from shopcx.customers import service as customers
    from shopcx.customers.schemas import CustomerIn
    from shopcx.orders import service as orders
    from shopcx.orders.schemas import OrderIn
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff
    from shopcx.staff.service import SYSTEM

    placed = datetime.now(UTC) - timedelta(days=20)
    with db.session_scope() as session:
        shop = shops.create_shop(session, code="main", name="小雅生活馆", platform="taobao")
        staff.create_user(session, username="boss", password=PASSWORD, role="owner", display_name="王店长")
        for n, (name, phone) in enumerate([("王小明", "13800138000"), ("李娜", "13912345678"),
                                           ("张伟", "13698765432")], start=1):
            orders.upsert_order(session, shop, OrderIn.model_validate({
                "source": "taobao", "external_id": f"TB{n:06d}", "status": "delivered",
                "placed_at": placed + timedelta(days=n),
                "customer": {"source": "taobao", "external_id": f"buyer{n}", "name": name, "phone": phone,
                             "city": "杭州", "birthday_lunar": {"month": 8, "day": 15}, "tags": ["VIP"]},
                "lines": [{"sku": "CUP-1", "name": "保温杯", "quantity": n, "unit_price_amount": 4990}],
                "shipments": [{"carrier": "顺丰速运", "tracking_no": f"SF{n}", "shipped_at": placed,
                               "promised_at": placed + timedelta(days=2),
                               "delivered_at": placed + timedelta(days=2 + n)}],
            }), actor=SYSTEM)
        customers.upsert_customer(session, CustomerIn(name="赵六", email="zhao@example.com"), actor=None)


@pytest.fixture
def live_server(fresh_db_url, tmp_path, monkeypatch):
    """uvicorn serving the app on a free port against fresh_db_url; the suite's engine is restored after."""
    import uvicorn

    from shopcx.web.app import create_app

    settings = get_settings()
    monkeypatch.setattr(settings, "data_dir", tmp_path / "data")
    monkeypatch.setattr(settings, "secret_key", settings.secret_key or "browser-test-secret")
    monkeypatch.setattr(db, "_engine", None)  # so configure() leaves the suite's engine alone
    monkeypatch.setattr(db, "_factory", None)
    db.configure(fresh_db_url)
    _seed()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvicorn-browser-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        db.get_engine().dispose()


@pytest.fixture
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def watched_page(browser, failure_shot: str, **context_args):
    """A page in a new browser context that records page errors and console errors (yielded with the page) and
    saves a full-page screenshot named failure_shot when the block fails."""
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        yield page, errors
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{failure_shot}.png"), full_page=True)
        raise
    finally:
        context.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_no_sideways_scroll(page, width: int, where: str = "the page") -> None:
    """The page fits the screen it is drawn on: the document is no wider than the viewport's width."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{where} scrolls sideways at {width}px ({scroll}px wide)"


def sign_in_as(page, base: str, username: str) -> None:
    """Sign in from the login page as one of the seeded (or added) staff."""
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")


def _sign_in(page, base: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")


def test_sign_in_search_customer_import_and_download_rejects(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    base = live_server
    with watched_page(browser, "failure-desktop",
                      viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True) as (page, errors):
        page.goto(base + "/login")
        _shot(page, "01-login")
        _sign_in(page, base)
        expect(page.locator("#orders-chart svg")).to_be_visible()
        expect(page.locator("#stat-customers")).to_have_text("4")
        _shot(page, "02-home")

        page.click("nav >> text=\"客户\"")
        page.wait_for_url(base + "/customers")
        expect(page.locator("#customer-table tbody tr")).to_have_count(4)
        page.fill("input[name=q]", "王小")  # HTMX live search swaps the table
        expect(page.locator("#customer-table tbody tr")).to_have_count(1)
        expect(page.locator("#customer-table")).to_contain_text("13800138000")
        assert "q=" in page.url
        _shot(page, "03-customers-search")

        page.click("#customer-table >> text=王小明")
        expect(page.locator("h1")).to_have_text("王小明")
        expect(page.locator("#profile")).to_contain_text("农历八月十五")
        expect(page.locator("#timeline .ship-late")).to_have_count(1)
        switch = page.locator("#consent button[data-channel=sms]")
        expect(switch).to_have_attribute("aria-checked", "false")
        switch.click()  # an HTMX POST carrying the CSRF header from <body hx-headers>
        expect(page.locator("#consent button[data-channel=sms]")).to_have_attribute("aria-checked", "true")
        _shot(page, "04-customer")

        page.click("nav >> text=数据导入")
        page.wait_for_url(base + "/imports")
        upload = tmp_path / "三月订单.csv"
        upload.write_text(UPLOAD, encoding="utf-8")
        page.set_input_files("input[name=file]", str(upload))
        page.select_option("select[name=format]", "generic")
        page.select_option("select[name=shop]", "main")
        _shot(page, "05-imports")
        page.click("#upload button[type=submit]")
        page.wait_for_url(f"{base}/imports/*")
        expect(page.locator("#progress")).to_have_attribute("data-status", "done", timeout=30_000)
        expect(page.locator("#progress [role=progressbar]")).to_have_attribute("aria-valuenow", "100")
        expect(page.locator("#count-stored")).to_have_text("3")
        expect(page.locator("#count-rejected")).to_have_text("2")
        expect(page.locator("#reject-table tbody tr")).to_have_count(2)
        _shot(page, "06-import-done")

        with page.expect_download() as download_info:
            page.click("#reject-report")
        download = download_info.value
        saved = ARTIFACTS / "reject-report.csv"
        download.save_as(str(saved))
        rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
        assert [row["line_no"] for row in rows] == ["4", "5"] and all(row["reason"] for row in rows)
        assert download.suggested_filename.endswith("-rejects.csv")

        page.click("nav >> text=订单")
        expect(page.locator("#order-table")).to_contain_text("B-1")
        _shot(page, "07-orders")
        assert errors == []


def test_phone_layout_folds_the_navigation(browser, live_server):
    from playwright.sync_api import expect

    base = live_server
    with watched_page(browser, "failure-phone", viewport={"width": 390, "height": 844}, device_scale_factor=2,
                      is_mobile=True, has_touch=True, locale="zh-CN") as (page, errors):
        _sign_in(page, base)
        nav_link = page.locator("nav >> text=\"客户\"")
        expect(nav_link).to_be_hidden()
        _shot(page, "phone-01-home")
        page.click("label.nav-button")
        expect(nav_link).to_be_visible()
        _shot(page, "phone-02-menu")
        nav_link.click()
        page.wait_for_url(base + "/customers")
        _shot(page, "phone-03-customers")
        page.click("#customer-table >> text=王小明")
        expect(page.locator("#timeline")).to_be_visible()
        _shot(page, "phone-04-customer")
        assert_no_sideways_scroll(page, 390)


def test_api_docs_draw_without_internet(browser, live_server):
    """Every request that leaves this server is refused: Swagger UI must still list the operations."""
    from playwright.sync_api import expect

    base = live_server
    outside: list[str] = []
    for locale, link in (("zh-CN", "API 文档"), ("en-US", "API")):
        with watched_page(browser, f"failure-docs-{locale}", viewport={"width": 1366, "height": 900},
                          locale=locale) as (page, errors):
            def refuse_outside(route):
                if route.request.url.startswith(base):
                    return route.continue_()
                outside.append(route.request.url)
                return route.abort()

            page.route("**/*", refuse_outside)
            _sign_in(page, base)
            if locale == "en-US":
                page.click("form[action='/locale'] button[value=en]")
            page.click("details.user-menu > summary")  # the user's menu: API docs, shops, sign out
            page.click(f"a.nav-docs >> text=\"{link}\"")
            page.wait_for_url(base + "/docs")
            expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
            # Swagger UI draws the tags as they scroll into view: scroll until more than a few tags are drawn
            for _ in range(60):  # (the page's CSP forbids wait_for_function's eval)
                if page.locator(".opblock").count() > 20:
                    break
                page.mouse.wheel(0, 1500)
                page.wait_for_timeout(300)
            assert page.locator(".opblock").count() > 20
            _shot(page, f"docs-{locale}")
            assert errors == []
    assert outside == []


def test_lists_export_to_excel_from_the_page(browser, live_server, tmp_path):
    """The export button follows the search typed into the list, on a desktop and on a phone."""
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    base = live_server
    for name, args in (("desktop", {"viewport": {"width": 1366, "height": 900}}),
                       ("phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True})):
        with watched_page(browser, f"failure-export-{name}", locale="zh-CN", accept_downloads=True,
                          **args) as (page, errors):
            _sign_in(page, base)
            page.goto(base + "/customers")
            page.fill("input[name=q]", "王小")
            expect(page.locator("#customer-table tbody tr")).to_have_count(1)
            link = page.locator("a.export-link")
            expect(link).to_have_text("导出 Excel")
            box = link.bounding_box()
            assert box["height"] >= 40, f"the export button is {box['height']}px tall"
            with page.expect_download() as download_info:
                link.click()
            target = tmp_path / f"customers-{name}.xlsx"
            download_info.value.save_as(target)
            rows = list(load_workbook(target).active.iter_rows(values_only=True))
            assert rows[0][:3] == ("客户编号", "姓名", "昵称") and [r[1] for r in rows[1:]] == ["王小明"]
            page.goto(base + "/orders")
            with page.expect_download() as download_info:
                page.click("a.export-link")
            assert download_info.value.suggested_filename.startswith("shopcx-orders-")
            _shot(page, f"export-{name}")
            assert errors == []
