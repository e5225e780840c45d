"""Settings, read from environment variables ``KB_*`` (and a ``.env`` file if present)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", env_file=".env", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path(user_data_dir("regkb", appauthor=False)),
        description="where the record store, raw-response cache and embedded index live",
    )
    backend: Literal["sqlite", "elasticsearch"] = "sqlite"
    entries: list[Path] = Field(
        default_factory=list,
        description="extra folders of YAML entries, indexed beside the bundled ones",
    )
    elasticsearch_url: str = "http://127.0.0.1:9200"
    elasticsearch_api_key: str | None = None
    elasticsearch_username: str | None = None
    elasticsearch_password: str | None = None
    elasticsearch_ca_certs: Path | None = None
    elasticsearch_verify_certs: bool = True
    elasticsearch_timeout: float = 10.0
    index_prefix: str = "regkb"

    @property
    def store_path(self) -> Path:
        return self.home / "store.sqlite"

    @property
    def sqlite_index_path(self) -> Path:
        return self.home / "index.sqlite"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
