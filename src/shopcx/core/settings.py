"""Settings read from the environment (prefix SHOPCX_) or a .env file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All configuration; every field can be set as SHOPCX_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="SHOPCX_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the SQLite file, secret and reports live.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir.")
    secret_key: str = Field(default="", description="Signs sessions and links; generated into data_dir if empty.")
    default_timezone: str = "Asia/Shanghai"
    default_currency: str = "CNY"
    default_locale: str = "zh"
    queue: str = Field(default="memory", description="memory | sqlite | redis")
    redis_url: str = "redis://127.0.0.1:6379/0"
    embedded_worker: bool = Field(default=False, description="Run the outbox and periodic jobs inside the web process "
                                                            "(`shopcx serve` turns it on with the memory queue).")
    host: str = "127.0.0.1"
    port: int = 8000
    secure_cookies: bool = False
    session_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    page_size: int = 50
    import_batch_orders: int = 2000
    analysis_params: dict = Field(default_factory=dict, description="Overrides of the customer-value thresholds "
                                  "(insights.analysis.DEFAULT_PARAMS), as JSON, e.g. {\"at_risk_p_alive\": 0.4}")
    max_upload_mb: int = Field(default=200, description="Largest file the import page accepts.")
    import_max_expanded_mb: int = Field(default=2000, description="Largest size a compressed import (.gz, .zip, "
                                        ".xlsx) may expand to; a zip bomb is refused.")
    import_max_rows: int = Field(default=5_000_000, description="Most rows one import file may have.")
    import_max_order_lines: int = Field(default=10_000, description="Most lines one order of an import may have.")
    trusted_proxies: str = Field(default="", description="Comma-separated addresses or networks of the reverse "
                                 "proxies whose X-Forwarded-For/-Proto are believed (e.g. 127.0.0.1 or 10.0.0.0/8); "
                                 "empty: none, the client address is the connection's own.")


    # Capacity of one web worker process (README 'Production'): the thread pool that runs requests and the
    # database pool are both sized from web_concurrency; requests past it wait in a queue of web_queue for at
    # most web_queue_wait seconds, and past that are answered 503 with Retry-After at once.
    web_concurrency: int = Field(default=16, ge=1, le=512,
                                 description="Requests one worker process runs at once (threads and connections).")
    web_queue: int = Field(default=512, ge=0, description="Requests one worker process lets wait for a thread.")
    web_queue_wait: float = Field(default=5.0, ge=0, description="Seconds a request waits for a thread before 503.")
    token_stamp_seconds: int = Field(default=60, ge=0, description="An API token's last_used_at is written at "
                                                                   "most this often (outside the request).")
    home_quick_ms: int = Field(default=250, ge=0, description="The home page computes its figures on every view "
                               "when that takes less than this; slower, it shows them kept and the worker "
                               "recomputes them (dashboard/snapshots.py).")

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'shopcx.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The secret key; a random one is created once and kept in data_dir/secret.key."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        self.secret_key = path.read_text().strip()
        return self.secret_key


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
