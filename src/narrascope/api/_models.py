"""Request and response shapes of the JSON API (they make up its OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Accepted",
    "ArticleIn",
    "ArticleItem",
    "ArticleList",
    "ArticlesIn",
    "Error",
    "Health",
    "JobState",
    "UrlsIn",
]


class Error(BaseModel):
    """Every error answer: a status and a reason a person can act on (never a traceback)."""

    error: str
    status: int


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_version: int
    articles: int
    read_only: bool
    writes: str = Field(description="'enabled', or why writes are refused")
    queue: dict[str, Any]


class ArticleItem(BaseModel):
    id: str
    title: str
    outlet: str
    published: str | None
    language: str
    url: str
    word_count: int
    duplicate_of: str | None
    dominant_narrative: str | None
    techniques: int = Field(description="technique spans found in the article")
    story: int | None
    snippet: str | None = Field(None, description="with q: the matched words in [brackets]")


class ArticleList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ArticleItem]


class ArticleIn(BaseModel):
    """One article to analyse; only ``text`` is required."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    title: str = ""
    outlet: str = ""
    url: str = ""
    published: str | None = Field(None, description="publication date, YYYY-MM-DD")
    language: str | None = Field(None, description="ISO 639-1 code; detected when absent")


class ArticlesIn(BaseModel):
    """Several articles in one job."""

    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(min_length=1, max_length=100)


class UrlsIn(BaseModel):
    """Web pages (or feeds) to fetch and analyse: ``url`` or ``urls``."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    urls: list[str] = Field(default_factory=list, max_length=20)


class Accepted(BaseModel):
    job: str
    state: str
    url: str


class JobState(BaseModel):
    id: str
    kind: str
    state: str
    created: str
    started: str | None
    finished: str | None
    progress: dict[str, Any]
    articles: list[str]
    rejected: list[list[str]]
    summary: dict[str, Any]
    error: str | None
    attempts: int
    inputs: int
    position: int | None = None
