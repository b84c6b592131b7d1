"""The running simulation: the world, the messages published so far, replies, the clock."""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email import policy
from email.parser import BytesParser
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, getaddresses
from typing import TYPE_CHECKING, Any

from helpdesk.simulator.faults import Faults
from helpdesk.simulator.phrases import INTENTS
from helpdesk.simulator.traffic import BuyerMessage, compose, generate
from helpdesk.simulator.truth import RETRY, Truth
from helpdesk.simulator.world import STORES, Buyer, Store, StoreWorld, build_world

if TYPE_CHECKING:
    from helpdesk.simulator.mail import MailServer

log = logging.getLogger(__name__)
PLATFORMS = tuple(sorted({s.platform for s in STORES}))


class SimulationError(Exception):
    """A request the simulation cannot serve (unknown platform, bad inject)."""


def _secret(seed: int, *parts: str) -> str:
    return hashlib.sha256(":".join((str(seed), *parts)).encode()).hexdigest()[:32]


class Simulation:
    """Generated traffic for every store, published over time, with fault dice and truth."""

    def __init__(
        self,
        seed: int,
        *,
        messages: int = 200,
        rate: float = 2.0,
        faults: float = 0.0,
        malformed: float = 0.01,
        mail: MailServer | None = None,
        slow_seconds: float = 0.4,
        timeout_seconds: float = 6.0,
        now: datetime | None = None,
    ) -> None:
        self.seed = seed
        self.limit = max(0, messages)
        self.rate = rate
        self.malformed = malformed
        self.started = now or datetime.now(UTC).replace(microsecond=0)
        self.worlds: dict[str, StoreWorld] = build_world(seed, self.started)
        self.truth = Truth()
        self.faults = Faults(faults, seed, slow_seconds=slow_seconds, timeout_seconds=timeout_seconds)
        self.mail = mail
        self.messages: dict[str, list[BuyerMessage]] = {key: [] for key in self.worlds}
        self._by_id: dict[tuple[str, str], BuyerMessage] = {}
        self._lock = threading.RLock()
        self._seq = 0
        self._generated = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._order_rng = random.Random(f"{seed}:orders")
        if mail is not None:
            mail.on_received = self.on_mail_received
            for world in self.worlds.values():
                store = world.store
                if store.mail_user:
                    mail.add_user(store.mail_user, self.credentials(store)["password"])

    # -- stores -------------------------------------------------------------------------

    def store(self, key: str) -> Store:
        """A store by key."""
        return self.worlds[key].store

    def store_for(self, platform: str) -> StoreWorld:
        """The (first) store of a platform."""
        for world in self.worlds.values():
            if world.store.platform == platform:
                return world
        raise SimulationError(f"no simulated store for platform {platform!r}")

    def credentials(self, store: Store) -> dict[str, str]:
        """The credentials the store accepts (derived from the seed, stable across runs)."""
        creds = {
            "ebay": {"user_token": "v^1.1#i^1#sim" + _secret(self.seed, store.key, "token")},
            "amazon": {"access_token": "Atza|sim" + _secret(self.seed, store.key, "token"),
                       "refresh_token": "Atzr|sim" + _secret(self.seed, store.key, "refresh"),
                       "client_id": "amzn1.application-oa2-client.sim", "client_secret": _secret(self.seed, "lwa")},
            "shopify": {"access_token": "shpat_" + _secret(self.seed, store.key, "token")},
            "aliexpress": {"app_key": "50" + str(int(_secret(self.seed, "appkey")[:6], 16)),
                           "app_secret": _secret(self.seed, store.key, "secret"),
                           "session": "50000" + _secret(self.seed, store.key, "session")},
        }.get(store.platform, {})
        if store.mail_user:
            creds.update(username=store.mail_user, password=_secret(self.seed, store.key, "mail"),
                         reply_token_secret=_secret(self.seed, store.key, "reply-token"))
        return creds

    # -- publishing ---------------------------------------------------------------------

    def now(self) -> datetime:
        """The time messages are stamped with (UTC, millisecond precision)."""
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    @property
    def generated(self) -> int:
        """How many generated (not injected) messages were published."""
        return self._generated

    def publish_next(self) -> BuyerMessage | None:
        """Publish the next generated message, unless --messages is reached."""
        with self._lock:
            if self.published_count() >= self.limit:
                return None
            seq = self._seq
            self._seq += 1
            message = generate(self.seed, seq, self.worlds, self.malformed, self.now())
            self._generated += 1
            self._publish(message)
            self._advance_an_order()
            return message

    def inject(
        self, platform: str, text: str, *, subject: str | None = None, buyer: str | None = None,
        order_id: str | None = None,
    ) -> BuyerMessage:
        """Publish one chosen message on the platform's store at once."""
        if platform not in PLATFORMS:
            raise SimulationError(f"unknown platform {platform!r}; one of {', '.join(PLATFORMS)}")
        if not isinstance(text, str) or not text.strip():
            raise SimulationError("text must be a non-empty string")
        world = self.store_for(platform)
        with self._lock:
            seq = self._seq
            self._seq += 1
            order = next((o for o in world.orders if o.order_id == order_id), None) if order_id else None
            chosen = self._buyer(world, buyer, order)
            product = order.lines[0][0] if order else world.products[seq % len(world.products)]
            intent = "where_is_order" if order else "product_question"
            title = subject if subject is not None else ""
            if order_id and order_id not in title and order_id not in text:
                title = f"{title} (order {order_id})" if title else f"Order {order_id}"
            title = title or text.strip().splitlines()[0][:60]
            message = compose(self.seed, seq, world, chosen, intent, order, product, self.now(), subject=title, text=text)
            if order is None and order_id:
                message.order_ref = order_id
            self._publish(message)
            return message

    def _buyer(self, world: StoreWorld, buyer: str | None, order: Any) -> Buyer:
        if order is not None and (buyer is None or buyer in (order.buyer.login, order.buyer.email)):
            return order.buyer
        if buyer is None:
            return world.buyers[0]
        for known in world.buyers:
            if buyer in (known.login, known.email, known.name):
                return known
        slug = "".join(c for c in buyer.lower() if c.isalnum())[:40] or "buyer"
        domain = "marketplace.amazon.de" if world.store.platform == "amazon" else "mail.example"
        email = buyer if "@" in buyer else f"{slug}@{domain}"
        number = 9000 + int(hashlib.sha256(buyer.encode()).hexdigest()[:6], 16)
        return Buyer(f"{world.store.key}:b{number}", (buyer.split() or ["Buyer"])[0][:40], "", "en", "GB",
                     buyer[:60], email)

    def _publish(self, message: BuyerMessage) -> None:
        with self._lock:
            self.messages[message.store].append(message)
            self._by_id[(message.store, message.external_id)] = message
            self.truth.record_message(message.platform, malformed=message.malformed)
        store = self.store(message.store)
        if store.mail_user:
            if self.mail is None:
                log.warning("no mail server: e-mail message %s not delivered", message.external_id)
            else:
                self.mail.deliver(store.mail_user, self.email_bytes(message))

    def _advance_an_order(self) -> None:
        """Move one order along (paid -> shipped -> delivered) so order cursors see changes."""
        world = self.worlds[self._order_rng.choice(list(self.worlds))]
        if not world.orders:
            return
        order = self._order_rng.choice(world.orders)
        following = {"new": "paid", "paid": "shipped", "shipped": "delivered"}.get(order.state)
        if following:
            order.state = following
            order.updated = self.now()

    def published_count(self) -> int:
        """Messages published so far (generated and injected)."""
        with self._lock:
            return sum(len(v) for v in self.messages.values())

    def visible(self, store_key: str) -> list[BuyerMessage]:
        """A snapshot of a store's published messages, oldest first."""
        with self._lock:
            return list(self.messages[store_key])

    def message(self, store_key: str, external_id: str) -> BuyerMessage | None:
        """A published message by its external id."""
        with self._lock:
            return self._by_id.get((store_key, external_id))

    # -- the publisher thread ------------------------------------------------------------

    def start(self) -> None:
        """Publish generated traffic at `rate` per second in a background thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sim-publisher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        begun = time.monotonic()
        published = 0
        while not self._stop.is_set():
            if self.rate > 0:
                due = int((time.monotonic() - begun) * self.rate) + 1
            else:
                due = self.limit
            while published < due and not self._stop.is_set():
                if self.publish_next() is None:
                    return
                published += 1
            self._stop.wait(0.05 if self.rate <= 0 or self.rate > 20 else min(0.5, 1 / self.rate))

    def stop(self) -> None:
        """Stop publishing."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    # -- e-mail -------------------------------------------------------------------------

    def email_bytes(self, message: BuyerMessage) -> bytes:
        """The message as the seller's mailbox receives it (RFC 5322)."""
        store = self.store(message.store)
        msg = EmailMessage()
        buyer = message.buyer
        if message.malformed:
            msg["From"] = f"{buyer.first_name} (address withheld)"
        elif store.platform == "amazon":
            msg["From"] = f'"{buyer.first_name} - Amazon Marketplace" <{buyer.email}>'
        elif store.platform == "shopify":
            msg["From"] = '"Shopify" <mailer@shopify.com>'
            msg["Reply-To"] = f'"{buyer.name}" <{buyer.email}>'
        else:
            msg["From"] = f'"{buyer.name}" <{buyer.email}>'
        msg["To"] = str(store.mail_address)
        msg["Date"] = format_datetime(message.sent_at)
        msg["Message-ID"] = message.external_id
        order_id = message.order_id
        if store.platform == "amazon":
            subject = f"Inquiry from Amazon customer {buyer.first_name}"
            if order_id:
                subject += f" (Order: {order_id})"
            msg["Subject"] = subject
            body = (f"------------- Message: -------------\n\n{message.text}\n\n"
                    "------------- End message -------------\n")
            if order_id and message.order:
                body += f"\nOrder ID {order_id}:\n" + "".join(
                    f"{q} of {p.title}, ASIN: {p.listing_id}\n" for p, q in message.order.lines
                )
        elif store.platform == "shopify":
            msg["Subject"] = "New customer message on " + message.sent_at.strftime("%B %d, %Y at %I:%M %p")
            body = (f"You received a new message from your online store's contact form.\n\n"
                    f"Name:\n{buyer.name}\n\nEmail:\n{buyer.email}\n\nBody:\n"
                    f"{message.subject}\n{message.text}\n")
        else:
            msg["Subject"] = message.subject
            body = message.text + "\n"
        msg.set_content(body)
        return msg.as_bytes(policy=SMTP_POLICY)

    def on_mail_received(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        """Count a reply that arrived over SMTP; its Message-ID is its idempotency key."""
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        key = str(parsed.get("X-Idempotency-Key") or parsed.get("Message-ID") or hashlib.sha256(raw).hexdigest())
        senders = {addr.lower() for _name, addr in getaddresses([str(parsed.get("From") or ""), mail_from])}
        platform = "email"
        for world in self.worlds.values():
            if world.store.mail_address and world.store.mail_address.lower() in senders:
                platform = world.store.platform
                break
        body = parsed.get_body(preferencelist=("plain", "html")) if isinstance(parsed, EmailMessage) else None
        text = body.get_content() if isinstance(body, EmailMessage) else ""
        conversation = ",".join(sorted(r.lower() for r in rcpt_tos))
        self.truth.record_reply(platform, key.strip(), conversation, str(text))

    # -- replies over HTTP --------------------------------------------------------------

    def record_reply(self, platform: str, key: str, conversation: str, body: str,
                     message: BuyerMessage | None = None) -> bool:
        """Count an HTTP reply; True when its key was received before (a recognised retry)."""
        outcome = self.truth.record_reply(platform, key, conversation, body)
        if message is not None:
            message.answered = True
        return outcome == RETRY

    def snapshot(self) -> dict[str, Any]:
        """The truth, with the seed and the run's settings."""
        data = self.truth.snapshot()
        data.update(
            seed=self.seed,
            started_at=self.started.isoformat(),
            messages_limit=self.limit,
            generated=self._generated,
            faults_injected=dict(self.faults.injected),
            intents=list(INTENTS),
        )
        return data


@contextmanager
def running(sim: Simulation) -> Iterator[Simulation]:
    """Start publishing for the duration of a block."""
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()

