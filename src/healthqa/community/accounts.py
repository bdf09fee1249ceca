"""Accounts and sessions: sign up, verify the email, sign in and out, reset or change the password, delete.

Passwords are hashed with argon2id (argon2-cffi) and never logged or stored in clear. Session cookies, personal
tokens and the links mailed out are random tokens of which only a SHA-256 is stored. Sign-in is throttled per
email address and per client address; the answer and its timing are the same whether an email has an account
or not (an unknown email is checked against a dummy hash; sign-up with a taken email mails its owner instead).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from healthqa.community.db import Connection, Database
from healthqa.community.mail import Mailer
from healthqa.errors import BadInputError, CommunityNotFoundError, EmailNotConfirmedError, SignInFailedError

SESSION_SECONDS = 30 * 24 * 3600
PERSONAL_TOKEN_DAYS = 90  # personal API tokens end after this; the person makes a new one (review defect 17)
VERIFY_SECONDS = 3 * 24 * 3600
RESET_SECONDS = 3600
THROTTLE_WINDOW = 15 * 60
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 30
MIN_PASSWORD, MAX_PASSWORD = 10, 256
MIN_NAME, MAX_NAME = 2, 40
MAX_EMAIL = 254
SIGN_IN_FAILED = ("The email or the password is not right, or there were too many tries. "
                  "Please check them, or try again in 15 minutes.")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_NOT_IN_EMAIL = frozenset(',;<>"()[]\\:')


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    display_name: str
    created_at: float
    verified: bool
    moderator: bool
    suspended_until: float | None

    def suspended(self, now: float) -> bool:
        return self.suspended_until is not None and self.suspended_until > now


@dataclass(frozen=True)
class PersonalToken:
    """A personal API token as its owner sees it listed (the token itself is shown once, never stored)."""

    id: int
    label: str
    created_at: float
    expires_at: float


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def plain(text: str) -> str:
    """``text`` with lone surrogates (which JSON can carry but UTF-8 cannot) as U+FFFD, and without NUL."""
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text).replace("\x00", "")


def clean_line(text: str) -> str:
    """One line of text: control and formatting characters (bidi overrides included) out, spaces collapsed."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    return " ".join(kept.split())


def normal_email(email: str) -> str:
    """One plain address, lower-cased. Characters that make a mail header hold more than one address or a
    display name (``,;<>"()``, see issue 20's review) are refused, and parseaddr must give back the address."""
    address = plain(email).strip().lower()
    if (len(address) > MAX_EMAIL or not _EMAIL.match(address) or any(c in address for c in _NOT_IN_EMAIL)
            or parseaddr(address)[1] != address):
        raise BadInputError("email", "this is not an email address (name@example.org)")
    return address


def check_password(password: str) -> str:
    password = plain(password)
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadInputError("password", f"use between {MIN_PASSWORD} and {MAX_PASSWORD} characters")
    return password


def check_display_name(name: str) -> str:
    cleaned = clean_line(name)
    if not MIN_NAME <= len(cleaned) <= MAX_NAME:
        raise BadInputError("display name", f"use between {MIN_NAME} and {MAX_NAME} characters")
    if "@" in cleaned:
        raise BadInputError("display name", "it may not contain @ (keep your email address private)")
    if not name_key(cleaned):
        raise BadInputError("display name", "use at least one letter or digit")
    return cleaned


# Letters of other scripts (Cyrillic, Greek) and digits that look like Latin letters: a display name's key maps
# them to those, so that "Moderator" with a Cyrillic M is the name "Moderator" (review defect 16). Capitals
# first (before casefold, as Cyrillic capital EN looks like "H" but its small letter less so), then small ones.
_LOOK_ALIKE_CAPITALS = str.maketrans(
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0423\u0406\u0408\u0405"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7",
    "ABEKMHOPCTXYIJSABEZHIKMNOPTYX",
)
_LOOK_ALIKE_SMALL = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u04bb\u04cf\u0261\u044c"
    "\u03bf\u03b1\u03c1\u03c4\u03ba\u03b9\u03c5\u03c7\u03b5\u03bd" "01|i",  # and i, l, 1 and | look alike; 0 and o
    "aeopcyxljsdhlgboaptkluxev" "olll",
)


def name_key(name: str) -> str:
    """What two display names must not share: compatibility forms (full-width letters), accents and other
    combining marks, case, look-alike letters of other scripts, and everything but letters and digits are
    ignored: ``name_key("\uff2d\u043e\u0301derator") == name_key("moderator")`` (a full-width M, a Cyrillic o
    with an accent)."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Mn", "Me", "Mc"))
    text = text.translate(_LOOK_ALIKE_CAPITALS).casefold().translate(_LOOK_ALIKE_SMALL)
    return "".join(c for c in text if c.isalnum())


def _account(row: object) -> Account:
    r = dict(row)  # type: ignore[call-overload]
    return Account(r["id"], r["email"], r["display_name"], r["created_at"], r["verified_at"] is not None,
                   bool(r["moderator"]), r["suspended_until"])


_TOKEN_EXPIRES = f"coalesce(expires_at, created_at + {PERSONAL_TOKEN_DAYS * 86400})"
_ACCOUNT_COLUMNS = "id, email, display_name, created_at, verified_at, moderator, suspended_until"


class Accounts:
    def __init__(self, db: Database, mailer: Mailer, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.mailer = mailer
        self.hasher = hasher or PasswordHasher()  # argon2id, RFC 9106's low-memory parameters
        # Checked when the email has no account, so that the answer takes as long as for one that has.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        with db.write() as tx:  # accounts made before display names had a key
            missing = tx.execute("SELECT id, display_name FROM accounts WHERE name_key IS NULL").fetchall()
            tx.executemany("UPDATE accounts SET name_key = ? WHERE id = ?",
                           [(name_key(r["display_name"]), r["id"]) for r in missing])

    # -- signing up --------------------------------------------------------------------------------------

    def sign_up(self, email: str, display_name: str, password: str, consent: bool, link_base: str) -> None:
        """Create an unverified account and mail its verification link (``link_base`` + ``/verify?token=``).

        When the email has an account already, its owner is mailed instead and the caller sees the same
        outcome: nobody learns from sign-up which emails have accounts. BadInputError names a field's problem.
        """
        address = normal_email(email)
        name = check_display_name(display_name)
        password = check_password(password)
        if not consent:
            raise BadInputError("consent", "please agree that what you write about your health is stored")
        password_hash = self.hasher.hash(password)  # in both branches: the same time either way
        now = self.db.now()
        token = secrets.token_urlsafe(32)
        with self.db.write() as db:
            # The name first, whether or not the email has an account: else "name taken" would tell which
            # emails have none (review defect 1).
            if db.execute("SELECT 1 FROM accounts WHERE name_key = ?", (name_key(name),)).fetchone():
                raise BadInputError("display name", "this name is taken; please choose another")
            if db.execute("SELECT 1 FROM accounts WHERE email = ?", (address,)).fetchone():
                # The mail is queued in the same transaction in both branches: no send in the request, so
                # no failure and no time difference that tells the branches apart (review defects 5, 15).
                self.mailer.queue(db, address, "Someone tried to sign up with your email address",
                                  "Somebody (perhaps you) tried to make a new healthqa community account with this "
                                  "address, which has one already. Nothing was changed. To sign in, or to reset "
                                  f"your password, go to {link_base}/community/signin")
                return
            account_id = int(db.execute(
                "INSERT INTO accounts (email, display_name, name_key, password_hash, consent_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (address, name, name_key(name), password_hash, now, now)).fetchone()[0])
            self._one_time_token(db, account_id, token, "verify", VERIFY_SECONDS)
            self.mailer.queue(db, address, "Please confirm your email address",
                              f"Welcome to the healthqa communities. Please confirm your email address by opening "
                              f"this link within 3 days:\n\n{link_base}/community/verify?token={token}\n\n"
                              "If you did not sign up, ignore this message.")

    def verify(self, token: str) -> Account:
        account_id = self._use_token(plain(token), "verify")
        with self.db.write() as db:
            db.execute("UPDATE accounts SET verified_at = coalesce(verified_at, ?) WHERE id = ?",
                       (self.db.now(), account_id))
        return self.get(account_id)

    # -- signing in ----------------------------------------------------------------------------------------

    def sign_in(self, email: str, password: str, client: str) -> tuple[Account, str]:
        """(the account, a new session token). SignInFailedError, always with the same message, for a wrong
        email or password or when the email or the client address has failed too often lately."""
        address, password = plain(email).strip().lower(), plain(password)
        keys = ("email:" + token_hash(address), "ip:" + plain(client))
        limits = (MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_ADDRESS)
        throttled, attempt_ids = self._record_attempt(keys, limits)
        row = self.db.read().execute("SELECT password_hash, id FROM accounts WHERE email = ?",
                                     (address,)).fetchone()
        stored = row["password_hash"] if row and not throttled else self._dummy_hash
        try:
            right = self.hasher.verify(stored, password[:MAX_PASSWORD]) and row is not None and not throttled
        except (VerificationError, InvalidHashError):
            right = False
        if not right:
            raise SignInFailedError(SIGN_IN_FAILED)  # the attempt stays recorded as a failure
        with self.db.write() as tx:
            tx.executemany("DELETE FROM signin_failures WHERE rowid = ?", [(i,) for i in attempt_ids])
            tx.execute("DELETE FROM signin_failures WHERE key = ?", (keys[0],))
        assert row is not None
        account = self.get(int(row["id"]))
        if not account.verified:
            raise EmailNotConfirmedError("Please confirm your email address first: open the link we mailed you.")
        if self.hasher.check_needs_rehash(stored):
            self._set_password(account.id, password)
        return account, self.new_session(account.id)

    def _record_attempt(self, keys: tuple[str, ...], limits: tuple[int, ...]) -> tuple[bool, list[int]]:
        """(throttled, the rowids of this attempt's failure rows). The attempt is counted as a failure before
        the password is checked, in the same write transaction that counts the earlier ones: so many attempts
        at once cannot all see a count under the limit (review defect 3). A right password deletes the rows."""
        now = self.db.now()
        since = now - THROTTLE_WINDOW
        with self.db.write() as db:
            failures = [db.execute("SELECT count(*) FROM signin_failures WHERE key = ? AND at > ?",
                                   (key, since)).fetchone()[0] for key in keys]
            throttled = any(count >= limit for count, limit in zip(failures, limits, strict=True))
            ids = [int(db.execute("INSERT INTO signin_failures (key, at) VALUES (?, ?) RETURNING rowid",
                                  (key, now)).fetchone()[0]) for key in keys]
            db.execute("DELETE FROM signin_failures WHERE at < ?", (since,))
        return throttled, ids

    def new_session(self, account_id: int) -> str:
        token = secrets.token_urlsafe(32)
        now = self.db.now()
        with self.db.write() as db:
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                       (token_hash(token), account_id, now, now + SESSION_SECONDS))
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
        return token

    def by_session(self, token: str) -> Account | None:
        if not token:
            return None
        token = plain(token)
        row = self.db.read().execute(
            f"SELECT {', '.join('a.' + c.strip() for c in _ACCOUNT_COLUMNS.split(','))} FROM sessions s "
            "JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ? AND s.expires_at > ?",
            (token_hash(token), self.db.now())).fetchone()
        return _account(row) if row else None

    def end_session(self, token: str) -> None:
        with self.db.write() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))

    def new_personal_token(self, account: Account, label: str) -> str:
        """A token for the JSON API (``Authorization: Bearer ...``); shown once, stored as a hash."""
        token = "hqp_" + secrets.token_urlsafe(32)
        now = self.db.now()
        with self.db.write() as db:
            db.execute("DELETE FROM personal_tokens WHERE " + _TOKEN_EXPIRES + " <= ?", (now,))
            db.execute("INSERT INTO personal_tokens (token_hash, account_id, label, created_at, expires_at) "
                       "VALUES (?, ?, ?, ?, ?)", (token_hash(token), account.id, clean_line(label)[:60] or "token",
                                                  now, now + PERSONAL_TOKEN_DAYS * 86400))
        return token

    def by_personal_token(self, token: str) -> Account | None:
        """The token's account while the token is neither expired nor revoked, else None."""
        row = self.db.read().execute(
            "SELECT account_id FROM personal_tokens WHERE token_hash = ? AND " + _TOKEN_EXPIRES + " > ?",
            (token_hash(plain(token)), self.db.now())).fetchone()
        return self.get(int(row[0])) if row else None

    def personal_tokens(self, account: Account) -> list[PersonalToken]:
        """The account's tokens that still work, oldest first."""
        rows = self.db.read().execute(
            "SELECT rowid, label, created_at, " + _TOKEN_EXPIRES + " FROM personal_tokens "
            "WHERE account_id = ? AND " + _TOKEN_EXPIRES + " > ? ORDER BY created_at, rowid",
            (account.id, self.db.now())).fetchall()
        return [PersonalToken(int(r[0]), r[1], r[2], r[3]) for r in rows]

    def revoke_personal_token(self, account: Account, token_id: int) -> None:
        """End one of the account's own tokens (its id from :meth:`personal_tokens`)."""
        with self.db.write() as db:
            gone = db.execute("DELETE FROM personal_tokens WHERE rowid = ? AND account_id = ?",
                              (token_id if 0 < token_id < 2**63 else 0, account.id)).rowcount
        if not gone:
            raise CommunityNotFoundError("There is no such token.")

    # -- passwords -----------------------------------------------------------------------------------------

    def request_reset(self, email: str, link_base: str) -> None:
        """Mail a reset link when the email has an account; nothing otherwise (the caller answers the same)."""
        address = plain(email).strip().lower()
        token = secrets.token_urlsafe(32)
        # One write transaction (one commit to disk) in both branches: else an unknown email answers faster
        # (review defect 15).
        with self.db.write() as db:
            db.execute("DELETE FROM one_time_tokens WHERE expires_at < ?", (self.db.now(),))
            row = db.execute("SELECT id FROM accounts WHERE email = ?", (address,)).fetchone()
            if row is None:  # a write all the same (SQLite skips one that changes no byte), so that this
                # commit goes to disk as the other branch's does
                db.execute("INSERT INTO settings VALUES ('timing_padding', ?) "
                           "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (secrets.token_hex(8),))
                return
            self._one_time_token(db, int(row["id"]), token, "reset", RESET_SECONDS)
            self.mailer.queue(db, address, "Reset your healthqa password",
                              f"To choose a new password, open this link within an hour:\n\n"
                              f"{link_base}/community/reset?token={token}\n\nIf you did not ask for this, "
                              "ignore it.")

    def reset_password(self, token: str, new_password: str) -> Account:
        """Set a new password from a reset link; every session of the account ends."""
        new_password = check_password(new_password)
        account_id = self._use_token(plain(token), "reset")
        self._set_password(account_id, new_password, end_sessions=True)
        with self.db.write() as db:  # the link proved the address
            db.execute("UPDATE accounts SET verified_at = coalesce(verified_at, ?) WHERE id = ?",
                       (self.db.now(), account_id))
        return self.get(account_id)

    def change_password(self, account: Account, old: str, new: str) -> None:
        """Change the password (the old one is asked again); every session ends (the caller signs in again)."""
        self._check(account, old, "current password")
        new = check_password(new)
        self._set_password(account.id, new, end_sessions=True)

    def _check(self, account: Account, password: str, what: str) -> None:
        """The account's password asked again; throttled with sign-in's failures of its email (review defect 12)."""
        throttled, attempt_ids = self._record_attempt(("email:" + token_hash(account.email),),
                                                      (MAX_FAILURES_PER_EMAIL,))
        row = self.db.read().execute("SELECT password_hash FROM accounts WHERE id = ?", (account.id,)).fetchone()
        try:
            ok = row is not None and not throttled and self.hasher.verify(row[0], plain(password)[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            ok = False
        if throttled:
            raise BadInputError(what, "there were too many wrong tries; please try again in 15 minutes")
        if not ok:
            raise BadInputError(what, "this is not your password")
        with self.db.write() as db:
            db.executemany("DELETE FROM signin_failures WHERE rowid = ?", [(i,) for i in attempt_ids])

    def _set_password(self, account_id: int, password: str, end_sessions: bool = False) -> None:
        password_hash = self.hasher.hash(password)
        with self.db.write() as db:
            db.execute("UPDATE accounts SET password_hash = ? WHERE id = ?", (password_hash, account_id))
            # A new password ends every reset link (review defect 2).
            db.execute("DELETE FROM one_time_tokens WHERE account_id = ? AND purpose = 'reset'", (account_id,))
            if end_sessions:
                db.execute("DELETE FROM sessions WHERE account_id = ?", (account_id,))
                db.execute("DELETE FROM personal_tokens WHERE account_id = ?", (account_id,))

    # -- one-time links ---------------------------------------------------------------------------------------

    def _one_time_token(self, db: Connection, account_id: int, token: str, purpose: str,
                        seconds: float) -> None:
        """Store ``token`` (its hash) in the open write transaction ``db``."""
        now = self.db.now()
        db.execute("DELETE FROM one_time_tokens WHERE expires_at < ?", (now,))
        # Only the newest link of a kind works (review defect 2).
        db.execute("DELETE FROM one_time_tokens WHERE account_id = ? AND purpose = ?", (account_id, purpose))
        db.execute("INSERT INTO one_time_tokens VALUES (?, ?, ?, ?)",
                   (token_hash(token), account_id, purpose, now + seconds))

    def _use_token(self, token: str, purpose: str) -> int:
        with self.db.write() as db:
            row = db.execute("SELECT account_id FROM one_time_tokens WHERE token_hash = ? AND purpose = ? "
                             "AND expires_at > ?", (token_hash(token), purpose, self.db.now())).fetchone()
            if row is None:
                raise CommunityNotFoundError("This link is not valid or has expired; please ask for a new one.")
            db.execute("DELETE FROM one_time_tokens WHERE token_hash = ?", (token_hash(token),))
        return int(row[0])

    # -- reading, deleting, exporting ----------------------------------------------------------------------------

    def get(self, account_id: int) -> Account:
        row = self.db.read().execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?",
                                     (account_id,)).fetchone()
        if row is None:
            raise CommunityNotFoundError("There is no such account.")
        return _account(row)

    def by_email(self, email: str) -> Account:
        row = self.db.read().execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE email = ?",
                                     (plain(email).strip().lower(),)).fetchone()
        if row is None:
            raise CommunityNotFoundError("There is no account with this email address.")
        return _account(row)

    def delete(self, account: Account, password: str, erase_posts: bool) -> None:
        """Delete the account: with ``erase_posts`` its posts go too (and the replies under its discussions),
        else they stay, signed "former member". Its email, name, sessions, memberships and mail go in every case.
        """
        self._check(account, password, "password")
        with self.db.write() as db:
            if erase_posts:
                db.execute("DELETE FROM posts WHERE author_id = ?", (account.id,))
            # Their reports go in both cases, as docs/privacy.md says (review defect 18).
            db.execute("DELETE FROM reports WHERE reporter_id = ?", (account.id,))
            db.execute("DELETE FROM outbox WHERE recipient = ?", (account.email,))
            db.execute("DELETE FROM signin_failures WHERE key = ?", ("email:" + token_hash(account.email),))
            db.execute("DELETE FROM accounts WHERE id = ?", (account.id,))
        self.db.scrub()  # out of the write-ahead log too (review defect 4)

    def set_moderator(self, email: str, moderator: bool) -> Account:
        account = self.by_email(email)
        with self.db.write() as db:
            db.execute("UPDATE accounts SET moderator = ? WHERE id = ?", (int(moderator), account.id))
            db.execute("INSERT INTO audit_log (moderator_name, moderator_id, action, target, reason, at) "
                       "VALUES ('administrator', NULL, ?, ?, 'admin command', ?)",
                       ("make moderator" if moderator else "remove moderator", f"account {account.id}",
                        self.db.now()))
        return self.get(account.id)
