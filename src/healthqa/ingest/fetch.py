"""Download the public releases of the source data sets into the sources folder.

``fetch("medquad")`` / ``fetch("orphanet")`` write ``<sources>/medquad/`` (the collection folders
of the MedQuAD repository) or ``<sources>/orphanet/<name>.jsonl.gz``, laid out like ``shared/data``.

What a caller can rely on:

- Nothing touches the network until :func:`fetch` is called; only the standard library is used.
- The download is streamed to a temporary file beside the target folder (same filesystem, so the
  final renames are cheap and atomic) and verified before anything is unpacked: the byte count
  against ``Content-Length``, the sha256 and size when known, the archive's integrity and layout.
- The new folder is assembled under a temporary name and only then swapped in; the previous folder
  stays in place until the new one is complete. On any failure every temporary is removed, the
  previous folder is left as it was, and :class:`~healthqa.errors.FetchError` is raised with one
  line naming the URL and the reason.

Addresses are configurable, most specific first: the ``url`` argument, then the environment
variable of the release (``HEALTHQA_MEDQUAD_URL``, ``HEALTHQA_ORPHANET_URL``), then the default.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gzip
import hashlib
import http.client
import json
import os
import secrets
import shutil
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from healthqa.config import sources_dir
from healthqa.errors import FetchError

Progress = Callable[[int, int | None], None]
"""Called as ``progress(bytes_done, total_or_None)``: once with 0 at the start, then per chunk."""

Kind = Literal["zip", "jsonl.gz"]

_CHUNK = 1 << 16
_USER_AGENT = "healthqa-fetch/0.1 (+https://github.com/abachaa/MedQuAD)"

MEDQUAD_DEFAULT_URL = "https://github.com/abachaa/MedQuAD/archive/refs/heads/master.zip"
"""GitHub's archive of the MedQuAD repository's main branch; its top folder is ``MedQuAD-master/``."""

ORPHANET_DEFAULT_URL = "https://www.orphadata.com/data/orphapackets/orphapackets.jsonl.gz"
"""Where the ORPHApackets export (one JSON record a line, gzip) is expected to be published.

Orphanet moves and renames its downloads between releases, so this address is only a default:
override it with ``HEALTHQA_ORPHANET_URL`` or the ``url`` argument when it no longer answers.
"""


@dataclass(frozen=True)
class Release:
    """One public data set that :func:`fetch` knows how to download and verify."""

    name: str  # also the folder it lands in under the sources folder
    url: str  # default address, used when neither the argument nor ``url_env`` gives one
    kind: Kind
    url_env: str  # environment variable that overrides ``url``
    filename: str = ""  # for a single-file release: the file's name when the URL does not end in one
    # Pinned by the publisher for ``url`` only; a moving target (a branch archive) has neither.
    sha256: str | None = None
    size: int | None = None


RELEASES: dict[str, Release] = {
    "medquad": Release(
        name="medquad",
        url=MEDQUAD_DEFAULT_URL,
        kind="zip",
        url_env="HEALTHQA_MEDQUAD_URL",
    ),
    "orphanet": Release(
        name="orphanet",
        url=ORPHANET_DEFAULT_URL,
        kind="jsonl.gz",
        url_env="HEALTHQA_ORPHANET_URL",
        filename="orphapackets.jsonl.gz",
    ),
}


def release_for(name: str) -> Release:
    """The release called ``name``; :class:`FetchError` naming the known ones otherwise."""
    try:
        return RELEASES[name]
    except KeyError:
        known = ", ".join(sorted(RELEASES))
        raise FetchError(f"unknown data set {name!r} (known: {known})") from None


def resolve_url(release: Release, url: str | None = None) -> str:
    """The address to download ``release`` from: the argument, else the environment, else the default."""
    return url or os.environ.get(release.url_env) or release.url


def fetch(
    name: str,
    destination: Path | None = None,
    *,
    url: str | None = None,
    progress: Progress | None = None,
    timeout: float = 60,
    sha256: str | None = None,
) -> Path:
    """Download release ``name`` into ``(destination or sources_dir()) / name`` and return that folder.

    ``sha256`` (hex) is checked when given; otherwise the release's pinned checksum and size are
    checked when the default address is used. ``timeout`` bounds each network wait (connect, each
    read), not the whole download. Raises :class:`FetchError` on any failure, after removing
    every temporary and leaving a previous folder untouched (an interrupt with Ctrl-C included).
    """
    release = release_for(name)
    address = resolve_url(release, url)
    pinned = address == release.url
    expected_sha = (sha256 or (release.sha256 if pinned else None) or "").lower() or None
    expected_size = release.size if pinned else None

    root = Path(destination) if destination is not None else sources_dir()
    target = root / release.name
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FetchError(f"{address}: cannot create {root}: {error.strerror or error}") from error

    temporaries: list[Path] = []
    try:
        download = _temporary_path(root, release.name, ".part")
        temporaries.append(download)
        digest, received = _download(address, download, timeout, progress)

        if expected_size is not None and received != expected_size:
            raise _Invalid(f"size {received} bytes, expected {expected_size}")
        if expected_sha is not None and digest != expected_sha:
            raise _Invalid(f"sha256 mismatch: got {digest}, expected {expected_sha}")

        staging = _temporary_path(root, release.name, ".new")
        temporaries.append(staging)
        if release.kind == "zip":
            _verify_and_extract_medquad(download, staging)
        else:
            _verify_jsonl_gz(download)
            # Same filesystem, so this is a rename, not a copy.
            staging.mkdir()
            os.replace(download, staging / _file_name(release, address))

        _swap_into_place(staging, target, root)
        return target
    except _Invalid as error:
        raise FetchError(_one_line(f"{address}: {error}")) from None
    except urllib.error.HTTPError as error:
        hint = f" (set {release.url_env} or pass a URL to use another address)" if pinned else ""
        raise FetchError(_one_line(f"{address}: HTTP {error.code} {error.reason}{hint}")) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise FetchError(f"{address}: timed out after {timeout:g} s") from error
        raise FetchError(_one_line(f"{address}: {_reason(error.reason)}")) from error
    except TimeoutError as error:
        raise FetchError(f"{address}: timed out after {timeout:g} s") from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        # ValueError: urllib's verdict on a malformed URL or unknown scheme.
        raise FetchError(_one_line(f"{address}: {_reason(error)}")) from error
    except KeyboardInterrupt:
        # A caller gets the same promise as for any other failure: nothing left behind, one error.
        raise FetchError(f"{address}: interrupted") from None
    finally:
        for path in temporaries:
            _remove(path)


class _Invalid(Exception):
    """A download arrived but is not what was expected; the message is the reason."""


def _download(url: str, into: Path, timeout: float, progress: Progress | None) -> tuple[str, int]:
    """Stream ``url`` into the (already reserved) file ``into``; return its sha256 and byte count."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    digest = hashlib.sha256()
    received = 0
    with urllib.request.urlopen(request, timeout=timeout) as response, into.open("wb") as out:
        total = _content_length(response.headers.get("Content-Length"))
        if progress is not None:
            progress(0, total)
        while chunk := response.read(_CHUNK):
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            if progress is not None:
                progress(received, total)
    # http.client returns a short body without complaint when the peer closes early, so the
    # byte count is the only sign of a truncated download.
    if total is not None and received != total:
        raise _Invalid(f"truncated download: received {received} of {total} bytes")
    if received == 0:
        raise _Invalid("empty download")
    return digest.hexdigest(), received


def _content_length(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        length = int(value.strip())
    except ValueError:
        return None
    return length if length >= 0 else None


def _verify_and_extract_medquad(archive: Path, staging: Path) -> None:
    """Check the zip, its layout and every member's path; then unpack it into ``staging``.

    The archive's single top folder (``MedQuAD-master/``) is dropped, so the collection folders
    land directly in ``staging``.
    """
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            names = [_safe_member_path(info.filename) for info in members]
            bad = bundle.testzip()
            if bad is not None:
                raise _Invalid(f"corrupt zip archive: member {bad!r} fails its CRC check")
            prefix = _common_top_folder(members, names)
            relative = [PurePosixPath(*parts[prefix:]) if len(parts) > prefix else None for parts in names]
            if not any(_is_collection_xml(path) for path in relative if path is not None):
                raise _Invalid("unexpected layout: no *_QA*/ folder with .xml files in the zip archive")

            staging.mkdir()
            for info, path in zip(members, relative, strict=True):
                if path is None:
                    continue
                out_path = staging.joinpath(*path.parts)
                if info.is_dir():
                    out_path.mkdir(parents=True, exist_ok=True)
                    continue
                out_path.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(info) as source, out_path.open("wb") as sink:
                    shutil.copyfileobj(source, sink, _CHUNK)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        # NotImplementedError: a compression method zipfile cannot read.
        raise _Invalid(f"corrupt zip archive: {_reason(error)}") from error


def _safe_member_path(name: str) -> tuple[str, ...]:
    """The parts of a member name; :class:`_Invalid` for one that would land outside the folder."""
    # Some Windows tools write backslashes; treat them as separators so they cannot hide a "..".
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        raise _Invalid(f"unsafe zip archive: absolute member path {name!r}")
    parts = tuple(part for part in normalised.split("/") if part not in ("", "."))
    if ".." in parts:
        raise _Invalid(f"unsafe zip archive: member path {name!r} leaves the folder")
    return parts


def _common_top_folder(members: list[zipfile.ZipInfo], names: list[tuple[str, ...]]) -> int:
    """1 when every member sits under one top folder (GitHub's ``<repo>-<branch>/``), else 0."""
    tops = {parts[0] for parts in names if parts}
    if len(tops) != 1:
        return 0
    if any(len(parts) < 2 and not info.is_dir() for info, parts in zip(members, names, strict=True)):
        return 0  # a file at the top level: the archive has no wrapping folder
    # A single top-level *_QA* folder is itself a collection, not a wrapper: keep it.
    return 0 if fnmatch.fnmatch(next(iter(tops)), "*_QA*") else 1


def _is_collection_xml(path: PurePosixPath) -> bool:
    return len(path.parts) >= 2 and fnmatch.fnmatch(path.parts[0], "*_QA*") and path.suffix.lower() == ".xml"


def _verify_jsonl_gz(path: Path) -> None:
    """Check that the file is a complete gzip stream whose first line is a JSON value."""
    try:
        with gzip.open(path, "rb") as stream:
            first = stream.readline()
            if not first.strip():
                raise _Invalid("unexpected content: the first line of the .jsonl.gz file is empty")
            try:
                json.loads(first)
            except ValueError as error:
                raise _Invalid(f"unexpected content: the first line is not JSON ({error})") from None
            # Reading to the end is what checks the gzip trailer (CRC and length).
            while stream.read(_CHUNK):
                pass
    except (gzip.BadGzipFile, zlib.error, EOFError) as error:
        raise _Invalid(f"corrupt gzip file: {_reason(error)}") from error


def _file_name(release: Release, url: str) -> str:
    """The name the single file gets: the URL's own when it looks right, else the release's."""
    candidate = PurePosixPath(urllib.parse.urlsplit(url).path).name
    suffix = "." + release.kind
    if candidate.endswith(suffix) and len(candidate) > len(suffix) and candidate.isprintable():
        return candidate
    return release.filename


def _swap_into_place(staging: Path, target: Path, root: Path) -> None:
    """Put ``staging`` at ``target``; an existing ``target`` is kept until the new one is in place.

    POSIX cannot rename a folder over a non-empty one, so the old folder is first renamed aside
    (same folder, so both renames are atomic) and removed only after the new one has taken its name.
    """
    if not (target.exists() or target.is_symlink()):
        os.replace(staging, target)
        return
    old = _temporary_path(root, target.name, ".old")
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        # Put the previous folder back before reporting the failure.
        with contextlib.suppress(OSError):
            os.replace(old, target)
        raise
    _remove(old)


def _temporary_path(root: Path, name: str, suffix: str) -> Path:
    """A fresh, unused name in ``root``; hidden so that readers of the sources folder skip it.

    Only a name is chosen: the caller creates the file or folder, so it gets normal permissions
    (``tempfile`` would make it private, and it becomes the published folder).
    """
    while True:
        candidate = root / f".{name}-{secrets.token_hex(6)}{suffix}"
        if not (candidate.exists() or candidate.is_symlink()):
            return candidate


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _reason(error: object) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    text = str(error)
    return text or type(error).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())
