"""Settings of the HTTP server, read from the environment.

| variable | meaning | default |
|---|---|---|
| ``HEALTHQA_ADMIN_TOKEN`` | bearer token allowing ``POST /api/ingest``; unset: ingest is off | unset |
| ``HEALTHQA_RATE_LIMIT`` | requests per minute per client address (token bucket); ``0`` turns it off | 60 |
| ``HEALTHQA_CORS_ORIGINS`` | comma-separated origins allowed to call the API from a browser | none |
| ``HEALTHQA_LOG_QUESTIONS`` | ``1`` writes question text to the log (it never is otherwise) | 0 |
| ``HEALTHQA_MAX_QUESTION_LENGTH`` | longest question accepted, in characters | 2000 |
| ``HEALTHQA_MAX_BODY_BYTES`` | largest request body accepted, in bytes | 16384 |
| ``HEALTHQA_ANSWER_TIMEOUT`` | seconds an answer may take before the request fails with 504 | 10 |
| ``HEALTHQA_ANSWER_CACHE`` | answers to recent questions each worker keeps in memory; ``0`` turns it off | 1024 |
| ``HEALTHQA_ANSWER_THREADS`` | questions each worker answers at once (more wait their turn) | 1 |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from healthqa.errors import ConfigError

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class Settings:
    admin_token: str | None = None
    rate_limit: int = 60  # requests per minute per client; 0 = unlimited
    cors_origins: tuple[str, ...] = ()
    log_questions: bool = False
    max_question_length: int = 2000
    max_body_bytes: int = 16 * 1024
    answer_timeout: float = 10.0
    answer_cache: int = 1024  # answers to recent questions kept per worker; 0 = off
    # Questions answered at once per worker. Answering is mostly Python holding the GIL: a second thread gave
    # less throughput (benchmarks/load_wrk.py), but with one, a slow request holds up those queued behind it.
    answer_threads: int = 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = env.get("HEALTHQA_ADMIN_TOKEN", "").strip() or None
        origins = tuple(o.strip() for o in env.get("HEALTHQA_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            admin_token=token,
            rate_limit=_integer(env, "HEALTHQA_RATE_LIMIT", cls.rate_limit, minimum=0),
            cors_origins=origins,
            log_questions=_flag(env, "HEALTHQA_LOG_QUESTIONS"),
            max_question_length=_integer(env, "HEALTHQA_MAX_QUESTION_LENGTH", cls.max_question_length, 1),
            max_body_bytes=_integer(env, "HEALTHQA_MAX_BODY_BYTES", cls.max_body_bytes, minimum=1024),
            answer_timeout=_number(env, "HEALTHQA_ANSWER_TIMEOUT", cls.answer_timeout),
            answer_cache=_integer(env, "HEALTHQA_ANSWER_CACHE", cls.answer_cache, minimum=0),
            answer_threads=_integer(env, "HEALTHQA_ANSWER_THREADS", cls.answer_threads, minimum=1),
        )


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
