"""Log lines that request data cannot forge, split or colour.

A path, header or question may hold newlines (a second, forged log line), carriage returns, terminal
escapes (ESC: colours, cursor moves, a cleared screen), NUL, Unicode line separators or bidirectional
overrides (text shown in another order than written). :func:`escape_log` writes each of them as a visible
backslash escape; :class:`EscapeFilter` applies it to the arguments of every record it sees, so the
message templates (written in the code) keep their own layout while the values (possibly from a request)
become one inert line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

# C0 controls, DEL, C1 controls (NEL included), the Unicode line and paragraph separators, and the bidi
# embeddings, overrides and isolates.
_CONTROL_CHARS = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[{_CONTROL_CHARS}]")
# And the backslash itself, so that an escape in the log is never ambiguous with one the request spelled out.
_UNSAFE = re.compile(f"[{_CONTROL_CHARS}\\\\]")
_DONE = "healthqa_escaped"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_log(text: str) -> str:
    """``text`` with every control, line-separating or reordering character written as a backslash escape."""
    return _UNSAFE.sub(_escape_char, text)


class Verbatim(str):
    """Text the code itself made (a traceback's frames: file names and source lines), logged as it is."""

    __slots__ = ()


def _escape_value(value: Any) -> Any:
    if isinstance(value, Verbatim):
        return value
    if isinstance(value, str):
        return escape_log(value)
    if isinstance(value, bytes | bytearray):
        return escape_log(bytes(value).decode("latin-1"))
    if value is None or isinstance(value, int | float):
        return value  # kept as they are, for %d and %f
    # Any other object is written through its str(), which may quote a request.
    return escape_log(str(value))


class EscapeFilter(logging.Filter):
    """Escapes the arguments (and the text of an attached exception) of every record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A record may meet two filters (its logger's and a handler's): escaping twice would double backslashes.
        if getattr(record, _DONE, False):
            return True
        setattr(record, _DONE, True)
        args = record.args
        if isinstance(args, Mapping):
            record.args = {key: _escape_value(value) for key, value in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_escape_value(value) for value in args)
        if not isinstance(record.msg, str):
            record.msg = _escape_value(record.msg)
        if record.exc_info and not record.exc_text:
            record.exc_text = _escape_traceback(record.exc_info)
        return True


def _escape_traceback(exc_info: Any) -> str:
    """A traceback that keeps its lines while the exceptions' messages (which may quote a request) become one
    escaped line each; every line after the first is indented, so that none can pass for a log line."""
    text = logging.Formatter().formatException(exc_info)
    error, seen = exc_info[1], set()
    while isinstance(error, BaseException) and id(error) not in seen:
        seen.add(id(error))
        message = str(error)
        if message and _UNSAFE.search(message):
            text = text.replace(message, escape_log(message))
        error = error.__cause__ or error.__context__
    lines = text.split("\n")
    return "\n".join(("  " if i else "") + _CONTROLS.sub(_escape_char, line) for i, line in enumerate(lines))


def install(*names: str) -> None:
    """Adds one :class:`EscapeFilter` to each named logger (once), for records logged directly on it."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, EscapeFilter) for f in logger.filters):
            logger.addFilter(EscapeFilter())
