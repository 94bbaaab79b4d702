"""``iter_inputs``: every kind of input (paths, globs, stdin, URLs, feeds) → Documents.

Inputs are expanded lazily and each one is read by the reader for its format;
whatever goes wrong with one input becomes a :class:`Rejected` with a reason and
the iteration continues, so one bad file never stops a corpus run.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urljoin, urlsplit

import httpx

from narrascope.document import Document
from narrascope.ingest._feeds import FeedEntry, ParsedFeed, looks_like_feed, parse_feed, parse_opml
from narrascope.ingest._fetch import Fetched, FetchError, fetch, make_client
from narrascope.ingest._html import extract_html, html_fragment_text
from narrascope.ingest._lang import detect_language
from narrascope.ingest._normalize import content_id, normalize_text, strip_boilerplate
from narrascope.ingest._records import iter_csv, iter_jsonl, json_record, record_article
from narrascope.ingest._text import (
    DecodeError,
    decode_bytes,
    path_text,
    read_limited,
    regular_file_reason,
    too_large_reason,
)
from narrascope.ingest._txt import parse_txt
from narrascope.ingest._types import Article, IngestOptions, Rejected

__all__ = ["FORMATS", "iter_inputs", "iter_texts"]

#: file suffix → reader; other suffixes are skipped inside directories, rejected when named
FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".opml": "opml",
}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_GLOB_CHARS = re.compile(r"[*?\[]")
STDIN = "<stdin>"


def _is_url(value: str) -> bool:
    return bool(_URL.match(value.strip()))


def _url_lines(text: str) -> list[str] | None:
    """The URLs of a URL-list file (every non-empty, non-# line is a URL), else None."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if lines and all(_is_url(line) for line in lines):
        return lines
    return None


def _domain(url: str) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host[4:] if host.startswith("www.") else host


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop: not a directory, read (and rejected) as a file
        return False


def _walk(root: Path) -> Iterator[Path | Rejected]:
    """Supported files under ``root`` in a stable order, hidden files and dirs skipped.

    Depth first from an explicit stack, because ``os.walk`` recurses and a tree a
    thousand levels deep ends in RecursionError. Symlinked directories are not
    followed (a link to ``.`` or ``..`` would loop). A directory that cannot be
    listed is a Rejected, and its siblings are still read.
    """
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            reason = f"cannot read the directory: {exc.strerror or exc}"
            yield Rejected(path_text(directory), reason)
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if _is_dir(entry):
                if not entry.is_symlink():
                    subdirs.append(Path(entry.path))
            elif Path(entry.name).suffix.lower() in FORMATS:
                yield Path(entry.path)
        stack.extend(reversed(subdirs))


def _match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Whether relative path ``parts`` matches glob ``pattern`` parts (``**``: any number).

    As in :mod:`glob`, a name starting with a dot is only matched by a pattern
    part starting with one.
    """
    if not pattern:
        return not parts
    head, tail = pattern[0], pattern[1:]
    if head == "**":
        for skip in range(len(parts) + 1):
            if _match(tail, parts[skip:]):
                return True
            if skip < len(parts) and parts[skip].startswith("."):
                return False
        return False
    if not parts or (parts[0].startswith(".") and not head.startswith(".")):
        return False
    return fnmatch.fnmatch(parts[0], head) and _match(tail, parts[1:])


def _glob_base(pattern: str) -> Path:
    """The literal directory a glob pattern searches under (``data/**/*.txt`` → ``data``)."""
    parts = Path(pattern).parts
    literal = next((i for i, part in enumerate(parts) if _GLOB_CHARS.search(part)), len(parts))
    return Path(*parts[:literal]) if literal else Path(".")


def _glob(pattern: str) -> list[Path]:
    """The sorted matches of a recursive glob, without following symlinked directories.

    ``glob.glob(recursive=True)`` follows them into ``**``, so a link to ``.`` or
    ``..`` in the tree makes it run forever. Here the tree under the pattern's
    literal prefix is walked (a symlinked directory can match, but is not
    entered) and each path is matched part by part; a trailing slash matches
    directories only, as with glob.
    """
    parts = Path(pattern).parts
    literal = next((i for i, part in enumerate(parts) if _GLOB_CHARS.search(part)), len(parts))
    rest = parts[literal:]
    if not rest:
        return []
    dirs_only = pattern.endswith(("/", os.sep))
    hidden = any(part.startswith(".") for part in rest)  # else no dot-name can ever match
    depth = None if "**" in rest else len(rest)
    matches: list[Path] = []
    stack: list[tuple[Path, tuple[str, ...]]] = [(Path(*parts[:literal]), ())]
    while stack:
        directory, relative = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:  # as glob: an unreadable directory has no matches
            continue
        for entry in entries:
            if entry.name.startswith(".") and not hidden:
                continue
            sub, is_dir = (*relative, entry.name), _is_dir(entry)
            if (is_dir or not dirs_only) and _match(rest, sub):
                matches.append(directory / entry.name)
            if is_dir and not entry.is_symlink() and (depth is None or len(sub) < depth):
                stack.append((directory / entry.name, sub))
    return sorted(matches, key=str)


class _Reader:
    """Holds the options and the (lazily created) HTTP client for one ``iter_inputs`` call."""

    def __init__(self, options: IngestOptions, client: httpx.Client | None) -> None:
        self.options = options
        self._client = client
        self._owns_client = client is None
        #: feed URLs already read from an OPML file in this run (each is read once)
        self._feeds_seen: set[str] = set()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = make_client(
                self.options.timeout, allow_private=self.options.allow_private_urls
            )
        return self._client

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    def get(self, url: str) -> Fetched:
        """Fetch ``url`` with the run's limits (raises FetchError with the reason)."""
        opts = self.options
        return fetch(
            self.client,
            url,
            timeout=opts.timeout,
            retries=opts.retries,
            max_bytes=opts.max_bytes,
            backoff=opts.backoff,
            allow_private=opts.allow_private_urls,
        )

    # ------------------------------------------------------------ assembling
    def document(self, article: Article, fmt: str, encoding: str = "utf-8") -> Document | Rejected:
        """Settle text, id, outlet and language of an extracted article."""
        opts = self.options
        prefix = ""
        if article.text is not None:
            text, title, body = article.text, article.title, article.body
            prefix = article.prefix
            id_title = article.id_title if article.id_title is not None else title
        else:
            title = " ".join(normalize_text(article.title).split())
            body = strip_boilerplate(normalize_text(article.body))
            text = f"{title}\n\n{body}" if title and body else title or body
            id_title = title
        if not text.strip():
            return Rejected(article.source, "no text")
        url = article.url
        listed = opts.outlets.lookup(url) if opts.outlets is not None and url else None
        mode = opts.outlet_from
        if mode == "folder":
            outlet = article.folder
        elif mode == "field":
            outlet = article.outlet
        elif mode == "domain":
            outlet = listed.name if listed else _domain(url)
        elif mode == "auto":  # from the data only: a folder name is never an outlet
            outlet = (listed.name if listed else "") or article.outlet or _domain(url)
        else:
            outlet = ""
        language = (article.language or opts.default_language or "").strip().lower()
        if language:
            language = language.replace("_", "-").split("-")[0]
        elif not opts.defer_language:
            language = detect_language(text)
        meta: dict[str, Any] = {"format": fmt, **article.meta}
        if encoding not in ("utf-8", "ascii"):
            meta["encoding"] = encoding
        return Document(
            id=content_id(id_title, body),
            text=text,
            title=title,
            url=url,
            outlet=outlet,
            published=article.published,
            language=language,
            source=article.source,
            source_prefix=prefix,
            authors=article.authors,
            meta=meta,
        )

    # --------------------------------------------------------------- inputs
    def input(self, raw: str, stdin: TextIO | None) -> Iterator[Document | Rejected]:
        if raw == "-":
            yield from self.stdin(stdin)
            return
        if _is_url(raw):
            yield from self.url(raw.strip())
            return
        path = Path(raw).expanduser()
        if path.is_dir():
            root = os.path.realpath(path)
            for file in _walk(path):
                if isinstance(file, Rejected):
                    yield file
                elif (outside := self.link_outside(file, root)) is not None:
                    yield outside
                else:
                    yield from self.file(file, named=False)
        elif os.path.lexists(path):  # a dangling or looping link is rejected with its reason
            yield from self.file(path, named=True)
        elif _GLOB_CHARS.search(raw):
            matches = _glob(os.path.expanduser(raw))
            if not matches:
                yield Rejected(path_text(raw), "the pattern matched no files")
            seen: set[str] = set()  # a file reached twice (a matched dir and its files, links)
            root = os.path.realpath(_glob_base(os.path.expanduser(raw)))
            for found in matches:
                for file in _walk(found) if found.is_dir() else [found]:
                    if isinstance(file, Rejected):
                        yield file
                    elif (outside := self.link_outside(file, root)) is not None:
                        yield outside
                    elif (real := os.path.realpath(file)) not in seen:
                        seen.add(real)
                        yield from self.file(file, named=False)
        else:
            yield Rejected(path_text(raw), "no such file, directory or URL")

    def link_outside(self, file: Path, root: str) -> Rejected | None:
        """A Rejected for a file reached through a symlink that leaves ``root``, else None.

        A corpus folder holding ``passwd.txt -> /etc/passwd`` must not store that
        file as an article; ``follow_links`` is the user saying the links are theirs.
        The file's real path is checked, not only whether it is a link: a glob can
        match a symlinked directory, whose files are no links themselves. Links
        inside the tree are read as usual (each file once).
        """
        if self.options.follow_links:
            return None
        real = os.path.realpath(file)
        try:
            if os.path.commonpath([real, root]) == root:
                return None
        except ValueError:  # another drive: outside
            pass
        return Rejected(
            path_text(file),
            "reached through a symbolic link, it lies outside the input folder "
            "(skipped; --follow-links reads it)",
        )

    def file(self, path: Path, *, named: bool) -> Iterator[Document | Rejected]:
        """Read one file; whatever goes wrong rejects this file, named by its path."""
        source = path_text(path)
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            if named:
                yield Rejected(source, f"unsupported format {path.suffix or '(no suffix)'!r}")
            return
        try:
            reason = regular_file_reason(path)  # before opening: a FIFO would block forever
            if reason is not None:
                yield Rejected(source, reason)
                return
            folder = path_text(path.resolve().parent.name)
            if fmt == "jsonl":
                for item in iter_jsonl(path, self.options, folder):
                    yield self.document(item, "jsonl") if isinstance(item, Article) else item
            elif fmt == "csv":
                for item in iter_csv(path, self.options, folder):
                    yield self.document(item, "csv") if isinstance(item, Article) else item
            elif fmt == "opml":
                yield from self._opml(read_limited(path, self.options.max_bytes), path)
            else:
                data = read_limited(path, self.options.max_bytes)
                yield from getattr(self, f"_{fmt}")(data, source, folder)
        except DecodeError as exc:
            yield Rejected(source, str(exc))
        except OSError as exc:
            yield Rejected(source, f"cannot read: {exc.strerror or exc}")
        except Exception as exc:  # a parser bug must cost one file, not the run
            yield Rejected(source, f"unexpected error: {type(exc).__name__}: {exc}")

    # -------------------------------------------------------------- formats
    def _txt(self, data: bytes, source: str, folder: str) -> Iterator[Document | Rejected]:
        text, encoding = decode_bytes(data)
        urls = _url_lines(text)
        if urls is not None:
            for url in urls:
                yield from self.url(url)
            return
        yield self._txt_document(text, source, folder, encoding)

    def _txt_document(
        self, text: str, source: str, folder: str, encoding: str
    ) -> Document | Rejected:
        parsed = parse_txt(text)
        headers = parsed.headers
        meta: dict[str, Any] = {"headers": sorted(headers)} if headers else {}
        article = Article(
            source=source,
            title=parsed.title,
            body=parsed.body,
            text=parsed.text,
            prefix=parsed.prefix,
            id_title=parsed.id_title,
            url=headers.get("url", ""),
            outlet=headers.get("outlet", ""),
            published=parsed.published,
            language=headers.get("lang", ""),
            authors=[
                a.strip() for a in re.split(r";|\band\b", headers.get("author", "")) if a.strip()
            ],
            folder=folder,
            meta=meta,
        )
        return self.document(article, "txt", encoding)

    def _html(
        self, data: bytes, source: str, folder: str, url: str = "", charset: str | None = None
    ) -> Iterator[Document | Rejected]:
        text, encoding = decode_bytes(data, declared=charset)
        article = extract_html(text, source, url)
        if article is None:
            yield Rejected(source, "no article text found in the HTML (empty or truncated page)")
            return
        article.folder = folder
        yield self.document(article, "html", encoding)

    def _feed(
        self, data: bytes, source: str, folder: str, *, remote: bool = False
    ) -> Iterator[Document | Rejected]:
        feed = parse_feed(data)
        if feed is None:
            yield Rejected(source, "not an RSS/Atom feed")
            return
        if not feed.entries:
            yield Rejected(source, "the feed has no entries")
        for number, entry in enumerate(feed.entries, start=1):
            yield self.safe_entry(feed, entry, f"{source}#{number}", folder, remote=remote)

    def _opml(self, data: bytes, path: Path) -> Iterator[Document | Rejected]:
        source = path_text(path)
        try:
            feeds = parse_opml(data)
        except Exception as exc:
            yield Rejected(source, f"not an OPML file: {exc}")
            return
        if not feeds:
            yield Rejected(source, "the OPML file lists no feeds (no outline with xmlUrl)")
        for url, _title in feeds:
            if not _is_url(url):
                # never a local path: "/etc/passwd", "../secrets" or the OPML file itself
                # (which made a file listing itself twice recurse exponentially)
                shown = path_text(url[:200])
                yield Rejected(f"{source}: {shown}", "not an http(s) URL (OPML feeds are fetched)")
                continue
            url = url.strip()
            if url in self._feeds_seen:  # listed twice, or by two OPML files of the run
                yield Rejected(path_text(url), "listed again in an OPML file (read once)")
                continue
            self._feeds_seen.add(url)
            yield from self.url(url)

    # ----------------------------------------------------------- feed entries
    def safe_entry(
        self, feed: ParsedFeed, entry: FeedEntry, fallback_source: str, folder: str, *, remote: bool
    ) -> Document | Rejected:
        """:meth:`entry`, with any failure rejecting this entry alone: the feed goes on."""
        try:
            return self.entry(feed, entry, fallback_source, folder, remote=remote)
        except Exception as exc:
            source = path_text(entry.link or fallback_source)
            return Rejected(source, f"unexpected error: {type(exc).__name__}: {exc}")

    def entry(
        self, feed: ParsedFeed, entry: FeedEntry, fallback_source: str, folder: str, *, remote: bool
    ) -> Document | Rejected:
        """A feed entry: full content if the feed has it, else the linked page, else the summary.

        Links are followed only for remote feeds; a local feed file is read as it is
        (offline, reproducible).
        """
        source = entry.link or fallback_source
        meta: dict[str, Any] = {"feed": feed.title or fallback_source.rsplit("#", 1)[0]}
        fmt = "atom" if feed.version.startswith("atom") else "rss"
        body = html_fragment_text(entry.content) if entry.content else ""
        if not body and remote and _is_url(entry.link):
            try:
                got = self.get(entry.link)
                text, encoding = decode_bytes(got.content, declared=got.charset)
                page = extract_html(text, source, got.url)
            except (FetchError, DecodeError) as exc:
                page = None
                meta["fetch_error"] = str(exc)
            except Exception as exc:  # whatever breaks one link costs this entry, not the feed
                page = None
                meta["fetch_error"] = f"unexpected error: {type(exc).__name__}: {exc}"
            if page is not None:
                page.title = page.title or entry.title
                page.published = page.published or entry.published
                page.authors = page.authors or entry.authors
                page.outlet = page.outlet or feed.title
                page.meta = meta
                return self.document(page, "html", encoding)
        if not body:
            body = html_fragment_text(entry.summary) if entry.summary else ""
            if body:
                meta["partial"] = "summary"
        if not body:
            reason = meta.get("fetch_error") or "the entry has neither content nor summary"
            return Rejected(source, str(reason))
        article = Article(
            source=source,
            title=entry.title,
            body=body,
            url=entry.link,
            outlet=feed.title,
            published=entry.published,
            authors=entry.authors,
            folder=folder,
            meta=meta,
        )
        return self.document(article, fmt)

    # ------------------------------------------------------------------ URLs
    def url(self, url: str) -> Iterator[Document | Rejected]:
        try:
            got = self.get(url)
        except FetchError as exc:
            yield Rejected(path_text(url), str(exc))
            return
        try:
            if looks_like_feed(got.content, got.content_type):
                feed = parse_feed(got.content)
                if feed is not None and feed.entries:
                    for number, entry in enumerate(feed.entries, start=1):
                        if entry.link:
                            entry.link = urljoin(got.url, entry.link)
                        yield self.safe_entry(feed, entry, f"{url}#{number}", "", remote=True)
                    return
            yield from self._html(got.content, url, "", url=got.url, charset=got.charset)
        except DecodeError as exc:
            yield Rejected(url, str(exc))

    # ----------------------------------------------------------------- stdin
    def stdin(self, stream: TextIO | None) -> Iterator[Document | Rejected]:
        if stream is None:
            import sys

            stream = sys.stdin
        limit = self.options.max_bytes
        text = stream.read(limit + 1)
        if len(text) > limit:
            yield Rejected(STDIN, too_large_reason(len(text), limit))
            return
        if not text.strip():
            yield Rejected(STDIN, "empty input")
            return
        if "\x00" in text:
            yield Rejected(STDIN, "binary input (contains NUL characters)")
            return
        urls = _url_lines(text)
        if urls is not None:
            for url in urls:
                yield from self.url(url)
            return
        stripped = text.lstrip()
        if stripped.startswith("{"):
            yield from self._stdin_jsonl(text)
        elif stripped[:1] == "<":
            yield from self._html(text.encode("utf-8"), STDIN, "")
        else:
            yield self._txt_document(text, STDIN, "", "utf-8")

    def _stdin_jsonl(self, text: str) -> Iterator[Document | Rejected]:
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            item = json_record(line, f"{STDIN}:{number}", self.options, "")
            yield self.document(item, "jsonl") if isinstance(item, Article) else item


def iter_inputs(
    inputs: Sequence[str],
    options: IngestOptions = IngestOptions(),
    *,
    stdin: TextIO | None = None,
    client: httpx.Client | None = None,
) -> Iterator[Document | Rejected]:
    """Read every input and yield a Document per article or a Rejected per failure.

    ``inputs`` are paths (files or directories, read recursively), globs, ``"-"``
    for ``stdin``, http(s) URLs (article pages or RSS/Atom feeds), URL-list
    ``.txt`` files and OPML files. ``client`` lets callers (and tests) supply
    their own httpx client; otherwise one with narrascope's User-Agent is made
    on first use and closed at the end.
    """
    reader = _Reader(options, client)
    try:
        for raw in inputs:
            try:
                yield from reader.input(raw, stdin)
            except Exception as exc:
                yield Rejected(path_text(raw), f"unexpected error: {type(exc).__name__}: {exc}")
    finally:
        reader.close()


def iter_texts(
    items: Iterable[str | Mapping[str, Any]], options: IngestOptions = IngestOptions()
) -> Iterator[Document | Rejected]:
    """The Python API's inputs, read by the rules of the files they stand for.

    A string is read exactly as a ``.txt`` file with that content (header lines,
    title line, date search), a mapping exactly as a JSONL record, so that
    ``narrascope.analyze([text])`` and ``narrascope analyze file.txt`` give the
    same id, title and date and a database mixing both holds the article once.
    The documents have no ``source`` (there is no file); a Rejected names the
    item as ``<item N>``.
    """
    reader = _Reader(options, None)
    for index, item in enumerate(items):
        where = f"<item {index}>"
        result: Document | Rejected
        if isinstance(item, str):
            if not item.strip():
                result = Rejected(where, "empty text")
            else:
                result = reader._txt_document(item, "", "", "utf-8")
        elif isinstance(item, Mapping):
            article = record_article(item, "", options, "")
            result = reader.document(article, "record") if isinstance(article, Article) else article
        else:
            result = Rejected(where, f"expected a string or a mapping, not {type(item).__name__}")
        yield Rejected(where, result.reason) if isinstance(result, Rejected) else result
