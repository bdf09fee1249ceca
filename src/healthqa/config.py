"""Every setting of healthqa, read from the environment.

Where the data live (read each time they are needed):

- ``HEALTHQA_DB``: the knowledge base, a SQLite file path (default: ``healthqa.db`` in the user's
  data directory).
- ``HEALTHQA_SOURCES``: a local folder laid out like ``shared/data`` (``medquad/``, ``orphanet/`` ...),
  where ``healthqa fetch`` writes and the set-up command reads.
- ``HEALTHQA_LEARNED``: a folder of rebuilt models (``python -m healthqa.mediqa.rebuild --out DIR``), read in place
  of the shipped ones it holds (see :func:`healthqa.learned.model_file`); unset: the shipped models.

The HTTP server's settings (:class:`Settings`, read once when the server starts):

| variable | meaning | default |
|---|---|---|
| ``HEALTHQA_ADMIN_TOKEN`` | bearer token allowing ``POST /api/ingest``; unset: ingest is off | unset |
| ``HEALTHQA_RATE_LIMIT`` | requests per minute per client address (token bucket); ``0`` turns it off | 60 |
| ``HEALTHQA_REDIS_URL`` | Redis holding the rate-limit counts, shared by every worker and host | unset: a file |
| ``HEALTHQA_REDIS_PREFIX`` | prefix of healthqa's Redis keys | ``healthqa:ratelimit:`` |
| ``HEALTHQA_RATE_LIMIT_DB`` | SQLite file of the counts without Redis (one host's workers) | beside the database |
| ``HEALTHQA_TRUSTED_PROXIES`` | comma-separated IPs/CIDRs whose ``X-Forwarded-For``/``Forwarded`` is believed | none |
| ``HEALTHQA_CORS_ORIGINS`` | comma-separated origins allowed to call the API from a browser | none |
| ``HEALTHQA_LOG_QUESTIONS`` | ``1`` writes question text to the log (it never is otherwise) | 0 |
| ``HEALTHQA_MAX_QUESTION_LENGTH`` | longest question accepted, in characters | 2000 |
| ``HEALTHQA_MAX_BODY_BYTES`` | largest request body accepted, in bytes | 16384 |
| ``HEALTHQA_ANSWER_TIMEOUT`` | seconds an answer may take before the request fails with 504 | 10 |
| ``HEALTHQA_ANSWER_CACHE`` | answers to recent questions each worker keeps in memory; ``0`` turns it off | 1024 |
| ``HEALTHQA_ANSWER_THREADS`` | questions each worker answers at once (more wait their turn) | 1 |
| ``HEALTHQA_INGEST_ROOT`` | the one folder ``POST /api/ingest`` reads; paths are relative to it | the sources folder |
| ``HEALTHQA_INGEST_TIMEOUT`` | seconds an HTTP ingest may read and save (then 504, at a file boundary) | 600 |
| ``HEALTHQA_INGEST_MAX_FILES`` | most files one ingested path may hold (HTTP and CLI) | 100000 |
| ``HEALTHQA_INGEST_MAX_FILE_BYTES`` | largest file an ingest reads (HTTP and CLI); larger: reported | 268435456 |
| ``HEALTHQA_INGEST_MAX_EXPANDED_BYTES`` | most bytes a compressed file (``.jsonl.gz``) may expand to | 1073741824 |
| ``HEALTHQA_HEADER_TIMEOUT`` | seconds a client has to send each request's headers, then it is cut off | 10 |
| ``HEALTHQA_BODY_TIMEOUT`` | seconds a client has to send a request's body once its headers are in (then 408) | 15 |
| ``HEALTHQA_MAX_CONNECTIONS`` | connections per worker; past it, the oldest one still sending a request goes | 4096 |
| ``HEALTHQA_COMMUNITY_DB`` | the communities' SQLite file (accounts, posts; never in the knowledge base) | beside it |
| ``HEALTHQA_SMTP_URL`` | ``smtp://user:password@host:587`` or ``smtps://...``: the communities' mail | unset: outbox |
| ``HEALTHQA_MAIL_FROM`` | the sender of that mail | ``healthqa@localhost`` |
| ``HEALTHQA_PUBLIC_URL`` | the site's address for links in mail (required with SMTP) | the request's |
| ``HEALTHQA_PASSWORD_MEMORY_KIB`` | memory of each argon2id password hash, in KiB | 65536 |
"""


from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from healthqa.errors import ConfigError


def data_dir() -> Path:
    return Path(user_data_dir("healthqa", appauthor=False))


def database_url() -> str:
    return os.environ.get("HEALTHQA_DB") or str(data_dir() / "healthqa.db")


def sources_dir() -> Path:
    configured = os.environ.get("HEALTHQA_SOURCES")
    return Path(configured) if configured else data_dir() / "sources"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


# Bounds on one ingest, for the server and the CLI alike: a folder such as / or a file such as a disk image
# named by mistake is refused instead of read for hours. The largest real inputs are far below both: MedQuAD
# holds 11,276 files, the largest input file (the LiveQA judged-answers CSV) is 3.5 MB.
INGEST_MAX_FILES = 100_000
INGEST_MAX_FILE_BYTES = 256 * 1024 * 1024
# A compressed input may expand to this much (the Orphanet release, 4.5 MB, expands to 35 MB): a small
# file made to expand without end (a "zip bomb") is refused instead of filling the memory.
INGEST_MAX_EXPANDED_BYTES = 1024 * 1024 * 1024


def ingest_limits_from_env(environ: Mapping[str, str] | None = None) -> tuple[int, int]:
    """(``HEALTHQA_INGEST_MAX_FILES``, ``HEALTHQA_INGEST_MAX_FILE_BYTES``): read on their own, so that the
    CLI's ingest does not depend on the server's other settings."""
    env = os.environ if environ is None else environ
    return (
        _integer(env, "HEALTHQA_INGEST_MAX_FILES", INGEST_MAX_FILES, minimum=1),
        _integer(env, "HEALTHQA_INGEST_MAX_FILE_BYTES", INGEST_MAX_FILE_BYTES, minimum=1),
    )


def ingest_expanded_limit_from_env(environ: Mapping[str, str] | None = None) -> int:
    """``HEALTHQA_INGEST_MAX_EXPANDED_BYTES``, read on its own like :func:`ingest_limits_from_env`."""
    env = os.environ if environ is None else environ
    return _integer(env, "HEALTHQA_INGEST_MAX_EXPANDED_BYTES", INGEST_MAX_EXPANDED_BYTES, minimum=1)


@dataclass(frozen=True)
class Settings:
    admin_token: str | None = None
    rate_limit: int = 60  # requests per minute per client; 0 = unlimited
    # Where the rate-limit counts live, shared by the workers (healthqa.app.ratelimit): Redis when set, else a
    # SQLite file (None: beside the knowledge base).
    redis_url: str | None = None
    redis_prefix: str = "healthqa:ratelimit:"
    rate_limit_db: str | None = None
    # Peers whose forwarded client address is believed, as normalised networks ("10.0.0.0/8", "::1/128").
    trusted_proxies: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    log_questions: bool = False
    max_question_length: int = 2000
    max_body_bytes: int = 16 * 1024
    answer_timeout: float = 10.0
    answer_cache: int = 1024  # answers to recent questions kept per worker; 0 = off
    # Questions answered at once per worker. Answering is mostly Python holding the GIL: a second thread gave
    # less throughput (benchmarks/load_wrk.py), but with one, a slow request holds up those queued behind it.
    answer_threads: int = 1
    # POST /api/ingest reads only under this folder (healthqa.app.ingest_paths); None: the sources folder
    # (healthqa.config.sources_dir) as it is when the ingest runs.
    ingest_root: Path | None = None
    ingest_timeout: float = 600.0  # seconds an HTTP ingest job may run (then 504; it stops at a file boundary)
    ingest_max_files: int = INGEST_MAX_FILES
    ingest_max_file_bytes: int = INGEST_MAX_FILE_BYTES
    ingest_max_expanded_bytes: int = INGEST_MAX_EXPANDED_BYTES
    # Slow clients: a connection gets this long to send each request's headers (healthqa.app.server.protocol).
    header_timeout: float = 10.0
    # ... and this long to send a request's whole body once its headers are in (the largest allowed body,
    # 16 KiB, then needs about 1 KiB/s).
    body_timeout: float = 15.0
    # Per worker; each costs a file descriptor and a few KiB. Above a slow-client flood's size, the flood costs
    # the other clients nothing (benchmarks/slow_clients.py: 3,000 slow connections, cap 1,000: seconds per
    # request, as new clients queue behind the flood's in the kernel's accept queue; cap 4,000: no change).
    max_connections: int = 4096
    # Communities (healthqa.community): their own file, mail, and the cost of each password hash.
    community_db: str | None = None  # None: beside the knowledge base (healthqa.community.community_path)
    smtp_url: str | None = None  # None: mail goes into the outbox table (healthqa users outbox)
    mail_from: str = "healthqa@localhost"
    public_url: str | None = None  # links in mail; None: the request's own address (outbox only)
    password_memory_kib: int = 65536  # argon2-cffi's default (RFC 9106, low-memory profile)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = _admin_token(env.get("HEALTHQA_ADMIN_TOKEN", ""))
        origins = tuple(o.strip() for o in env.get("HEALTHQA_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            admin_token=token,
            rate_limit=_integer(env, "HEALTHQA_RATE_LIMIT", cls.rate_limit, minimum=0),
            redis_url=env.get("HEALTHQA_REDIS_URL", "").strip() or None,
            redis_prefix=env.get("HEALTHQA_REDIS_PREFIX", "").strip() or cls.redis_prefix,
            rate_limit_db=env.get("HEALTHQA_RATE_LIMIT_DB", "").strip() or None,
            trusted_proxies=_networks(env, "HEALTHQA_TRUSTED_PROXIES"),
            cors_origins=origins,
            log_questions=_flag(env, "HEALTHQA_LOG_QUESTIONS"),
            max_question_length=_integer(env, "HEALTHQA_MAX_QUESTION_LENGTH", cls.max_question_length, 1),
            max_body_bytes=_integer(env, "HEALTHQA_MAX_BODY_BYTES", cls.max_body_bytes, minimum=1024),
            answer_timeout=_number(env, "HEALTHQA_ANSWER_TIMEOUT", cls.answer_timeout),
            answer_cache=_integer(env, "HEALTHQA_ANSWER_CACHE", cls.answer_cache, minimum=0),
            answer_threads=_integer(env, "HEALTHQA_ANSWER_THREADS", cls.answer_threads, minimum=1),
            ingest_root=Path(env["HEALTHQA_INGEST_ROOT"]) if env.get("HEALTHQA_INGEST_ROOT", "").strip() else None,
            ingest_timeout=_number(env, "HEALTHQA_INGEST_TIMEOUT", cls.ingest_timeout),
            ingest_max_files=ingest_limits_from_env(env)[0],
            ingest_max_file_bytes=ingest_limits_from_env(env)[1],
            ingest_max_expanded_bytes=ingest_expanded_limit_from_env(env),
            header_timeout=_number(env, "HEALTHQA_HEADER_TIMEOUT", cls.header_timeout),
            body_timeout=_number(env, "HEALTHQA_BODY_TIMEOUT", cls.body_timeout),
            max_connections=_integer(env, "HEALTHQA_MAX_CONNECTIONS", cls.max_connections, minimum=2),
            **_community_settings(env),
        )


def _community_settings(env: Mapping[str, str]) -> dict[str, Any]:
    smtp_url = env.get("HEALTHQA_SMTP_URL", "").strip() or None
    public_url = env.get("HEALTHQA_PUBLIC_URL", "").strip().rstrip("/") or None
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise ConfigError(f"HEALTHQA_PUBLIC_URL={public_url!r}: expected an http:// or https:// address")
    if smtp_url and not public_url:
        # Else the links mailed out would be built from the Host header, which a client chooses.
        raise ConfigError("HEALTHQA_SMTP_URL is set: set HEALTHQA_PUBLIC_URL too (the address in mailed links)")
    return {
        "community_db": env.get("HEALTHQA_COMMUNITY_DB", "").strip() or None,
        "smtp_url": smtp_url,
        "mail_from": env.get("HEALTHQA_MAIL_FROM", "").strip() or Settings.mail_from,
        "public_url": public_url,
        "password_memory_kib": _integer(env, "HEALTHQA_PASSWORD_MEMORY_KIB", Settings.password_memory_kib, 64),
    }


MIN_TOKEN_LENGTH = 32
MIN_TOKEN_BITS = 128
# A repeat or a run this long is taken as a pattern, not chance: in a random 32-character hex token (the
# smallest alphabet a token can pass with) one occurs about once in 10 million tokens, shorter ones far more
# often (a repeat of 6, 1 in 30,000), and the check must not refuse what secrets.token_hex(16) makes.
PATTERN_LENGTH = 8
_CHARACTER_SETS = tuple((len(chars), frozenset(chars)) for chars in (
    "0123456789", "0123456789abcdef", "0123456789ABCDEF", "0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_",  # base64url (token_urlsafe)
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/=",  # base64 (= is padding)
))
_PRINTABLE_ASCII = 95
_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./")
_KEYBOARD_LINES = _KEYBOARD_ROWS + tuple(row[::-1] for row in _KEYBOARD_ROWS)


def token_bits(token: str) -> float:
    """A cautious estimate of a token's randomness, in bits: what an attacker who knows common patterns must
    still guess.

    Only characters not predictable from the previous ones count: a repeat of an earlier stretch
    ("passwordpassword", "abababab") and a run ("aaaa", "abcd", "9876", "aceg", "qwerty" along a keyboard
    row) of ``PATTERN_LENGTH`` characters or more count only for the run's first character. Each character
    that counts is worth log2 of the smallest usual character set holding the whole token (digits 10, hex
    16, lower-case letters and digits 36, letters and digits 62, base64 64, printable ASCII 95), and never
    more than log2 of three times the number of different characters the token holds.
    """
    text = token[:512]  # enough to judge; a longer token is not weaker for its tail
    folded = text.lower()
    alphabet = next((size for size, chars in _CHARACTER_SETS if chars.issuperset(text)), _PRINTABLE_ASCII)
    alphabet = min(alphabet, 3 * len(set(text)))
    fresh = 0
    at = 0
    while at < len(text):
        repeat = _longest_repeat(text, at)
        if repeat >= PATTERN_LENGTH:
            at += repeat
            continue
        fresh += 1
        run = _longest_run(folded, at)
        at += run if run >= PATTERN_LENGTH else 1
    return fresh * math.log2(alphabet) if alphabet > 1 else 0.0


def _longest_repeat(text: str, at: int) -> int:
    """Length of the longest stretch from ``at`` that also starts earlier (it may overlap: "abababab"),
    or 0 when it is shorter than ``PATTERN_LENGTH``."""
    if text.find(text[at:at + PATTERN_LENGTH], 0, at + PATTERN_LENGTH - 1) < 0:
        return 0
    best = 0
    for start in range(at):
        length = 0
        while at + length < len(text) and text[start + length] == text[at + length]:
            length += 1
        best = max(best, length)
    return best


def _longest_run(text: str, at: int) -> int:
    """Length of the run from ``at``: a constant step of at most 2 code points, or along a keyboard row."""
    if at + 1 >= len(text):
        return 1
    step = ord(text[at + 1]) - ord(text[at])
    run = 1
    if abs(step) <= 2:
        while at + run < len(text) and ord(text[at + run]) - ord(text[at + run - 1]) == step:
            run += 1
    for line in _KEYBOARD_LINES:
        if text[at:at + 2] in line:
            length = 0
            while at + length < len(text) and text[at:at + length + 1] in line:
                length += 1
            run = max(run, length)
    return run


def _admin_token(raw: str) -> str | None:
    """The ingest token, refused when it is short or plainly not random (it guards a write endpoint).

    At least ``MIN_TOKEN_LENGTH`` characters and an estimated ``MIN_TOKEN_BITS`` bits of randomness
    (:func:`token_bits`): ``secrets.token_urlsafe(32)`` (about 256 bits) and ``secrets.token_hex(16)``
    (128) pass; repeated, sequential and keyboard patterns do not. The messages never repeat the token.
    """
    token = raw.strip()
    if not token:
        return None
    advice = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
    if len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"HEALTHQA_ADMIN_TOKEN is too short ({len(token)} characters, at least "
                          f"{MIN_TOKEN_LENGTH}): {advice}")
    bits = token_bits(token)
    if bits < MIN_TOKEN_BITS:
        raise ConfigError(
            f"HEALTHQA_ADMIN_TOKEN does not look random (about {bits:.0f} bits of randomness, at least "
            f"{MIN_TOKEN_BITS} needed; repeats and runs such as abcd, 0123 or qwerty count for little): {advice}"
        )
    return token


def _integer(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    networks = []
    for entry in env.get(name, "").split(","):
        if entry.strip():
            try:
                networks.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
            except ValueError:
                raise ConfigError(f"{name}: {entry.strip()!r} is not an IP address or CIDR block") from None
    return tuple(networks)


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name}={raw!r}: must be a positive number of seconds")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r}: expected 1 or 0")
