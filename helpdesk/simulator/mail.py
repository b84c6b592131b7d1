"""A real IMAP and SMTP server in one background thread, for the simulator and tests.

IMAP is pymap's in-memory ("dict") backend, a complete IMAP4rev1 server from PyPI, so
the e-mail connector is exercised against a real protocol implementation rather than
one written to agree with it. SMTP is aiosmtpd. Both listen on TCP ports bound before
``start()`` returns and run on one asyncio loop in a daemon thread; every public method
is safe to call from any other thread.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from argparse import Namespace
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from typing import Any, TypeVar
from uuid import uuid4

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from proxyprotocol.result import ProxyResultLocal
from proxyprotocol.sock import SocketInfo
from pymap.backend.dict import Config, DictBackend, Identity
from pymap.concurrent import Subsystem
from pymap.exceptions import UserNotFound
from pymap.imap import IMAPServer
from pymap.parsing.message import AppendMessage
from pymap.user import Passwords, UserMetadata

_T = TypeVar("_T")
_TIMEOUT = 30.0  # seconds a caller waits on the server thread before giving up

ReceivedCallback = Callable[[str, list[str], bytes], None]


@dataclass(frozen=True)
class ReceivedMail:
    """One message the SMTP side accepted."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


class MailServer:
    """IMAP (pymap) and SMTP (aiosmtpd) on localhost ports, with programmatic delivery."""

    def __init__(
        self, host: str = "127.0.0.1", imap_port: int = 0, smtp_port: int = 0, *, smtp_auth: bool = False
    ) -> None:
        self.host = host
        self.smtp_auth = smtp_auth  # offer AUTH PLAIN/LOGIN (without TLS: localhost only)
        self.imap_port = imap_port
        self.smtp_port = smtp_port
        self.on_received: ReceivedCallback | None = None
        self.received: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._refused: dict[str, str] = {}
        self._passwords: dict[str, str] = {}
        self._data_failures: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._backend: DictBackend | None = None
        self._config: Config | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self._transports: set[asyncio.BaseTransport] = set()

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> MailServer:
        """Bind both ports and serve in a background thread; returns once listening."""
        if self._thread is not None:
            raise RuntimeError("mail server already started")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failure), name="mail-server", daemon=True)
        self._thread.start()
        ready.wait(_TIMEOUT)
        if failure:
            self._thread.join(_TIMEOUT)
            self._thread = None
            raise RuntimeError("mail server failed to start") from failure[0]
        if not ready.is_set():
            raise RuntimeError("mail server did not start in time")
        return self

    def stop(self) -> None:
        """Close every connection and listener and join the thread (idempotent)."""
        loop, thread, stopping = self._loop, self._thread, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        thread.join(_TIMEOUT)
        self._thread = None
        self._loop = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- mailboxes --------------------------------------------------------------------

    def add_user(self, username: str, password: str) -> None:
        """Create (or replace) an account: IMAP login, and SMTP AUTH when enabled."""
        self._call(self._add_user(username, password))
        with self._lock:
            self._passwords[username] = password

    def deliver(self, username: str, message: bytes | EmailMessage) -> int:
        """Append a message to the user's INBOX; returns its IMAP UID."""
        raw = message.as_bytes(policy=SMTP_POLICY) if isinstance(message, EmailMessage) else message
        if not isinstance(raw, bytes):
            raise TypeError("message must be bytes or an EmailMessage")
        return self._call(self._append(username, raw))

    def recreate_inbox(self, username: str) -> None:
        """Replace the user's INBOX by an empty one with a new UIDVALIDITY.

        The old INBOX is renamed aside, as happens when a real mailbox is restored or
        migrated; clients must notice the UIDVALIDITY change and start over.
        """
        self._call(self._recreate_inbox(username))

    def uid_validity(self, username: str) -> int:
        """The current UIDVALIDITY of the user's INBOX."""
        return self._call(self._uid_validity(username))

    # -- SMTP behaviour ---------------------------------------------------------------

    def refuse_recipient(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        """Answer RCPT TO for this address with the given SMTP reply from now on."""
        with self._lock:
            self._refused[address.lower()] = reply

    def fail_next_data(self, reply: str = "451 4.3.0 Try again later", times: int = 1) -> None:
        """Answer the next `times` DATA commands with the given SMTP reply."""
        with self._lock:
            self._data_failures.extend([reply] * times)

    # -- the server thread ------------------------------------------------------------

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        try:
            asyncio.run(self._serve(ready))
        except BaseException as exc:  # reported to start(); the thread ends here
            failure.append(exc)
            ready.set()

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-hash")
        try:
            imap = await self._start_imap()
            smtp = await self._loop.create_server(self._smtp_factory, host=self.host, port=self.smtp_port)
            self.imap_port = imap.sockets[0].getsockname()[1]
            self.smtp_port = smtp.sockets[0].getsockname()[1]
            ready.set()
            await self._stopping.wait()
            # Stop accepting first and let accepts already in flight attach their transports:
            # Server.close() racing an accept leaks the accepted socket on Python 3.11.
            for server in (imap, smtp):
                for sock in server.sockets:
                    self._loop.remove_reader(sock.fileno())
            for _ in range(5):
                await asyncio.sleep(0)
            for server in (imap, smtp):
                server.close()
            for transport in list(self._transports):
                transport.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await imap.wait_closed()
            await smtp.wait_closed()
            for _ in range(3):  # let connection_lost callbacks run before the loop closes
                await asyncio.sleep(0)
        finally:
            self._executor.shutdown(wait=True)

    async def _start_imap(self) -> asyncio.Server:
        args = Namespace(
            host=self.host, port=self.imap_port, debug=False, cert=None, key=None, tls=False,
            demo_data=False, demo_user="demouser", demo_password="demopass",
            passlib_cfg=None, proxy_protocol=None, inherited_sockets=None,
        )  # fmt: skip
        assert self._executor is not None
        self._backend, self._config = await DictBackend.init(
            args,
            invalid_user_sleep=0.0,
            secure_auth=False,  # LOGIN over plain TCP on localhost
            reject_dnsbl=False,
            cpu_subsystem=Subsystem.for_threading(self._executor),
        )
        self._config.apply_context()
        imap_server = IMAPServer(self._backend.login, self._config)

        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # pymap's own listener hands each connection to an untracked task; serving
            # it in this task instead lets stop() cancel every open connection.
            task = asyncio.current_task()
            assert task is not None
            self._connections.add(task)
            try:
                sock_info = SocketInfo.get(writer, ProxyResultLocal(), unique_id=uuid4().bytes)
                await imap_server(reader, writer, sock_info)
            finally:
                self._connections.discard(task)
                writer.close()

        def factory() -> asyncio.StreamReaderProtocol:
            return _TrackedStreamProtocol(self._transports, asyncio.StreamReader(), tracked)

        assert self._loop is not None
        return await self._loop.create_server(factory, host=self.host, port=self.imap_port)

    def _smtp_factory(self) -> SMTP:
        auth: dict[str, Any] = {}
        if self.smtp_auth:
            auth = {"auth_require_tls": False, "authenticator": self._authenticate}
        return _TrackedSMTP(
            _SMTPHandler(self), self._transports, hostname="sim.localhost",
            enable_SMTPUTF8=True, loop=self._loop, **auth,
        )  # fmt: skip

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", errors="replace")
        with self._lock:
            expected = self._passwords.get(login)
        given = auth_data.password.decode("utf-8", errors="replace")
        ok = expected is not None and hmac.compare_digest(expected.encode(), given.encode())
        return AuthResult(success=ok, handled=False)

    def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        loop = self._loop
        if loop is None or self._thread is None:
            coro.close()
            raise RuntimeError("mail server is not running")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(_TIMEOUT)

    def _identity(self, username: str) -> Identity:
        assert self._backend is not None and self._config is not None
        # Futures submitted from other threads run outside the serving task's context.
        self._config.apply_context()
        return Identity(username, self._backend.login, None, frozenset())

    @asynccontextmanager
    async def _session(self, username: str) -> AsyncIterator[Any]:
        try:
            async with self._identity(username).new_session() as session:
                yield session
        except UserNotFound:
            raise KeyError(f"no mail user {username!r}: call add_user first") from None

    async def _add_user(self, username: str, password: str) -> None:
        identity = self._identity(username)
        assert self._config is not None
        hashed = await Passwords(self._config).hash_password(password)
        user = UserMetadata(self._config, username, password=hashed, previous_entity_tag=UserMetadata.REPLACE_ANY)
        await identity.set(user)

    async def _append(self, username: str, raw: bytes) -> int:
        async with self._session(username) as session:
            inbox = await session.mailbox_set.get_mailbox("INBOX")
            message = await inbox.append(AppendMessage(raw, datetime.now(UTC), frozenset()), recent=True)
            return int(message.uid)

    async def _recreate_inbox(self, username: str) -> None:
        async with self._session(username) as session:
            names = {entry.name for entry in (await session.mailbox_set.list_mailboxes()).list()}
            n = 1
            while f"Restored-{n}" in names:
                n += 1
            await session.mailbox_set.rename_mailbox("INBOX", f"Restored-{n}")

    async def _uid_validity(self, username: str) -> int:
        async with self._session(username) as session:
            inbox = await session.mailbox_set.get_mailbox("INBOX")
            return int(inbox.uid_validity)

    def _smtp_reply_for_rcpt(self, address: str) -> str | None:
        with self._lock:
            return self._refused.get(address.lower())

    def _smtp_reply_for_data(self) -> str | None:
        with self._lock:
            return self._data_failures.pop(0) if self._data_failures else None

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.received.append(mail)
        callback = self.on_received
        if callback is not None:
            callback(mail.mail_from, mail.rcpt_tos, mail.raw)


class _TrackedStreamProtocol(asyncio.StreamReaderProtocol):
    """asyncio's stream protocol, with its transport remembered so stop() can close it."""

    def __init__(self, registry: set[asyncio.BaseTransport], reader: asyncio.StreamReader, callback: Any) -> None:
        super().__init__(reader, callback)
        self._registry = registry
        self._tracked: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._tracked = transport
        self._registry.add(transport)
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._tracked is not None:
            self._registry.discard(self._tracked)
        super().connection_lost(exc)


class _TrackedSMTP(SMTP):
    """aiosmtpd's protocol, with its transport remembered so stop() can close it."""

    def __init__(self, handler: Any, registry: set[asyncio.BaseTransport], **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._registry = registry
        self._tracked: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._tracked = transport
        self._registry.add(transport)
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._tracked is not None:
            self._registry.discard(self._tracked)
        super().connection_lost(exc)


class _SMTPHandler:
    """aiosmtpd handler: applies configured refusals and records what arrives."""

    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.server._smtp_reply_for_rcpt(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        failure = self.server._smtp_reply_for_data()
        if failure is not None:
            return failure
        raw = envelope.original_content or b""
        mail = ReceivedMail(str(envelope.mail_from or ""), list(envelope.rcpt_tos), bytes(raw))
        try:
            # Off the loop: the simulator's callback may write to a database.
            await asyncio.get_running_loop().run_in_executor(None, self.server._record, mail)
        except Exception as exc:  # the sender is told; nothing is silently dropped
            return f"451 4.3.0 Local error: {type(exc).__name__}"
        return "250 Message accepted for delivery"
