"""Buyer messages: what the n-th message of a seed says, who sends it, and where."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from helpdesk.simulator.phrases import INTENTS, ORDER_INTENTS, render
from helpdesk.simulator.world import Buyer, Order, Product, StoreWorld

# How the traffic spreads over the stores (e-mail stores included).
STORE_WEIGHTS = {"ebay-de": 3, "amazon-de": 4, "shopify-eu": 2, "aliexpress": 3, "email": 1}
INTENT_WEIGHTS = (6, 3, 2, 2, 1, 3, 2, 2, 1)


@dataclass
class BuyerMessage:
    """One published buyer message and how each platform identifies it."""

    seq: int
    store: str
    platform: str
    external_id: str
    buyer: Buyer
    language: str
    intent: str
    subject: str
    text: str
    order: Order | None
    product: Product | None
    sent_at: datetime
    malformed: bool
    kind: str = "m2m"  # eBay: "asq" for a question about a listing
    thread: str = ""  # AliExpress channel id, eBay item:user
    answered: bool = False
    order_ref: str | None = None  # an injected order id the world does not know

    @property
    def order_id(self) -> str | None:
        """The order the message is about."""
        return self.order.order_id if self.order else self.order_ref


def external_id(platform: str, seed: int, seq: int, domain: str = "sim.example") -> str:
    """The id the platform (and so the connector) gives the message."""
    if platform == "ebay":
        return str(2_000_000_000 + (seed % 1000) * 1_000_000 + seq)
    if platform == "aliexpress":
        return str(30_000_000_000 + (seed % 1000) * 1_000_000 + seq)
    return f"<sim.{seed}.{seq}@{domain}>"


def generate(seed: int, seq: int, worlds: dict[str, StoreWorld], malformed_fraction: float, now: datetime) -> BuyerMessage:
    """The seq-th buyer message of a seed (the same for the same seed and seq)."""
    rng = random.Random(f"{seed}:msg:{seq}")
    store_key = rng.choices(list(STORE_WEIGHTS), weights=list(STORE_WEIGHTS.values()))[0]
    world = worlds[store_key]
    intent = rng.choices(INTENTS, weights=INTENT_WEIGHTS)[0]
    buyers_with_orders = [b for b in world.buyers if b.key in world.orders_by_buyer]
    if intent in ORDER_INTENTS and buyers_with_orders:
        buyer = rng.choice(buyers_with_orders)
        order: Order | None = rng.choice(world.orders_by_buyer[buyer.key])
        product = order.lines[0][0] if order else None
    else:
        buyer = rng.choice(world.buyers)
        order = None
        product = rng.choice(world.products)
    malformed = rng.random() < malformed_fraction
    return compose(seed, seq, world, buyer, intent, order, product, now, malformed=malformed)


def compose(
    seed: int, seq: int, world: StoreWorld, buyer: Buyer, intent: str, order: Order | None, product: Product | None,
    now: datetime, *, malformed: bool = False, subject: str | None = None, text: str | None = None,
) -> BuyerMessage:
    """A message with the rendered (or given) subject and text."""
    store = world.store
    title = product.title if product else ""
    rendered_subject, rendered_text = render(
        buyer.language, intent, order=order.order_id if order else "", item=title, name=buyer.first_name
    )
    if intent == "product_question" and order is None:
        kind = "asq"
    else:
        kind = "m2m"
    if store.platform == "ebay" and malformed:
        kind = "m2m"  # a broken body on GetMyMessages only, never also on GetMemberMessages
    thread = ""
    if store.platform == "aliexpress":
        thread = str(9_100_000 + int(buyer.key.rsplit(":b", 1)[1]))
    elif store.platform == "ebay":
        thread = f"item:{product.listing_id if product else ''}:{buyer.login}"
    return BuyerMessage(
        seq=seq,
        store=store.key,
        platform=store.platform,
        external_id=external_id(store.platform, seed, seq),
        buyer=buyer,
        language=buyer.language,
        intent=intent,
        subject=subject if subject is not None else rendered_subject,
        text=text if text is not None else rendered_text,
        order=order,
        product=product,
        sent_at=now,
        malformed=malformed,
        kind=kind,
        thread=thread,
    )
