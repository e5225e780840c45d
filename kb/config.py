"""Settings, read from environment variables ``KB_*`` (and a ``.env`` file if present)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", env_file=".env", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path(user_data_dir("regkb", appauthor=False)),
        description="where the record store, raw-response cache and embedded index live",
    )
    backend: Literal["embedded", "elasticsearch"] = Field(
        "embedded", description="`embedded` (tantivy, no server) or `elasticsearch`"
    )
    entries: list[Path] = Field(
        default_factory=list,
        description="extra folders of YAML entries, indexed beside the bundled ones",
    )
    elasticsearch_url: str = Field(
        "http://127.0.0.1:9200",
        description="the cluster's URL, or several nodes' URLs comma-separated (requests go "
        "round the nodes that answer)",
    )
    elasticsearch_api_key: str | None = None
    elasticsearch_username: str | None = None
    elasticsearch_password: str | None = None
    elasticsearch_ca_certs: Path | None = None
    elasticsearch_verify_certs: bool = True
    elasticsearch_timeout: float = 10.0
    elasticsearch_shards: int = Field(1, ge=1, description="primary shards of each new index")
    elasticsearch_replicas: int = Field(
        0, ge=0, description="replicas of each shard of a new index: 1 or more on a cluster"
    )
    index_prefix: str = "regkb"
    result_cache: int = Field(
        1024, ge=0, description="searches whose results the embedded index keeps per "
        "generation, as a search engine's query-result cache does (0: none); a new "
        "generation starts empty",
    )
    cors_origins: str = Field("", description="origins allowed by CORS, comma-separated; "
                              "empty: CORS off")
    rate_limit: str = Field("", description="per-client rate limit of `kb serve` (20/s, "
                            "600/min); empty: none")

    @property
    def elasticsearch_hosts(self) -> list[str]:
        """The node URLs of ``elasticsearch_url``, in order."""
        return [url.strip() for url in self.elasticsearch_url.split(",") if url.strip()]

    @property
    def store_path(self) -> Path:
        return self.home / "store.sqlite"

    @field_validator("backend", mode="before")
    @classmethod
    def _backend(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() == "sqlite":
            raise ValueError(
                "KB_BACKEND=sqlite is gone: the embedded index is now tantivy; "
                "use KB_BACKEND=embedded (the default) and run `kb index` once"
            )
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def index_path(self) -> Path:
        """The embedded index: a folder of tantivy generations."""
        return self.home / "index"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
