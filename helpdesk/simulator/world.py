"""The simulated world: stores, products, buyers, orders and stock, the same for a seed.

Timestamps are offsets from the moment the world is built, so the connectors' look-back
windows see the orders; everything else (ids, names, lines, amounts) depends only on
the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from helpdesk.simulator.phrases import CITIES, COUNTRIES, FIRST_NAMES, LANGUAGES, LAST_NAMES


@dataclass(frozen=True)
class Store:
    """One simulated store on one platform."""

    key: str
    platform: str
    name: str
    marketplace: str
    locale: str
    currency: str
    # e-mail based messages (Amazon relay, Shopify contact form, plain e-mail)
    mail_user: str | None = None
    mail_address: str | None = None
    seller_id: str = "seller"
    token: str = ""


STORES: tuple[Store, ...] = (
    Store("ebay-de", "ebay", "Simulator eBay DE", "EBAY_DE", "de_DE", "EUR", seller_id="gadgetwerk_de"),
    Store("amazon-de", "amazon", "Simulator Amazon.de", "amazon.de", "de_DE", "EUR",
          mail_user="amazon-de", mail_address="orders@gadgetwerk.example"),
    Store("shopify-eu", "shopify", "Simulator Shopify store", "gadgetwerk.myshopify.com", "en_GB", "EUR",
          mail_user="shopify-eu", mail_address="contact@gadgetwerk-shop.example"),
    Store("aliexpress", "aliexpress", "Simulator AliExpress", "aliexpress.com", "en_US", "USD", seller_id="cn1520gadget"),
    Store("email", "email", "Simulator support mailbox", "support", "en_GB", "EUR",
          mail_user="support", mail_address="support@gadgetwerk.example"),
)

PRODUCT_NAMES = (
    "USB-C Charger 65W", "Wireless Earbuds Pro", "Bamboo Cutting Board", "LED Desk Lamp", "Phone Case Clear",
    "Bluetooth Speaker Mini", "Stainless Water Bottle 750ml", "Yoga Mat 6mm", "Kitchen Scale Digital",
    "HDMI Cable 2m", "Smart Plug 2-pack", "Travel Adapter Universal", "Mechanical Keyboard TKL", "Webcam 1080p",
    "Electric Toothbrush Heads 8x", "Camping Lantern Rechargeable",
)
WAREHOUSES = {"amazon": ("FBA",), "shopify": ("Berlin Warehouse", "Rotterdam 3PL", "Shenzhen Hub")}
STATUS_FLOW = ("new", "paid", "shipped", "delivered", "cancelled")


@dataclass(frozen=True)
class Product:
    """A product as one store lists it."""

    sku: str
    title: str
    price: Decimal
    listing_id: str  # eBay ItemID, ASIN, Shopify product id, AliExpress product id
    inventory_item_id: int


@dataclass(frozen=True)
class Buyer:
    """A buyer of one store, with the identity that store knows them by."""

    key: str
    first_name: str
    last_name: str
    language: str
    country: str
    login: str  # eBay user id, AliExpress login id, Shopify customer id
    email: str  # relay alias on Amazon, real address elsewhere

    @property
    def name(self) -> str:
        """Full name."""
        return f"{self.first_name} {self.last_name}"


@dataclass
class Order:
    """An order of one store (mutable: status and update time move)."""

    store: str
    order_id: str
    number: int
    buyer: Buyer
    created: datetime
    updated: datetime
    state: str  # one of STATUS_FLOW
    lines: list[tuple[Product, int]]
    currency: str
    line_ids: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """Sum of the lines."""
        return sum((p.price * q for p, q in self.lines), Decimal("0"))


@dataclass
class StockLevel:
    """Units of one product in one warehouse."""

    product: Product
    warehouse: str
    location_id: int
    on_hand: int
    reserved: int
    updated: datetime


@dataclass
class StoreWorld:
    """Everything one store holds."""

    store: Store
    products: list[Product]
    buyers: list[Buyer]
    orders: list[Order]
    stock: list[StockLevel]
    orders_by_buyer: dict[str, list[Order]] = field(default_factory=dict)


def _order_id(platform: str, rng: random.Random, number: int) -> str:
    if platform == "amazon":
        return f"{rng.choice(('302', '303', '028'))}-{rng.randrange(10**6, 10**7):07d}-{rng.randrange(10**6, 10**7):07d}"
    if platform == "ebay":
        return f"{rng.randrange(10, 28)}-{rng.randrange(10**4, 10**5):05d}-{rng.randrange(10**4, 10**5):05d}"
    if platform == "shopify":
        return f"#{1000 + number}"
    if platform == "aliexpress":
        return f"81{rng.randrange(10**13, 10**14):014d}"
    return f"GW-{20000 + number}"


def _buyer(store: Store, rng: random.Random, index: int) -> Buyer:
    language = store.locale[:2] if rng.random() < 0.25 else rng.choice(LANGUAGES)
    first = rng.choice(FIRST_NAMES[language])
    last = rng.choice(LAST_NAMES[language])
    slug = f"{first}{last}".lower().replace(" ", "")
    slug = slug.encode("ascii", "ignore").decode() or f"buyer{index}"
    login = {
        "ebay": f"{slug[:10]}_{rng.randrange(100, 999)}",
        "aliexpress": f"{COUNTRIES[language].lower()}{rng.randrange(10**9, 10**10)}",
        "shopify": str(6_200_000_000_000 + rng.randrange(10**9)),
    }.get(store.platform, slug)
    if store.platform == "amazon":
        alias = "".join(rng.choice("bcdfghjklmnpqrstvwxz0123456789") for _ in range(14))
        email = f"{alias}@marketplace.amazon.de"
    else:
        email = f"{slug}{rng.randrange(10, 99)}@{rng.choice(('mail.example', 'post.example', 'inbox.example'))}"
    return Buyer(f"{store.key}:b{index}", first, last, language, COUNTRIES[language], login, email)


def build_store(store: Store, seed: int, now: datetime) -> StoreWorld:
    """A store's products, buyers, orders and stock for a seed."""
    rng = random.Random(f"{seed}:{store.key}:world")
    titles = rng.sample(PRODUCT_NAMES, 10)
    products = []
    for i, title in enumerate(titles):
        sku = f"GW-{store.key[:2].upper()}-{rng.randrange(1000, 9999)}-{i}"
        listing = {
            "ebay": str(rng.randrange(10**11, 4 * 10**11)),
            "amazon": "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8)),
            "shopify": str(7_800_000_000_000 + rng.randrange(10**9)),
            "aliexpress": str(1005_000_000_000_000 + rng.randrange(10**12)),
        }.get(store.platform, sku)
        price = Decimal(rng.randrange(499, 12999)) / 100
        products.append(Product(sku, title, price, listing, 44_000_000_000 + rng.randrange(10**9)))
    buyers = [_buyer(store, rng, i) for i in range(30)]
    orders: list[Order] = []
    by_buyer: dict[str, list[Order]] = {}
    for n in range(45):
        buyer = rng.choice(buyers)
        created = now - timedelta(days=rng.uniform(0.5, 25), seconds=rng.randrange(3600))
        updated = min(now - timedelta(seconds=30), created + timedelta(hours=rng.uniform(1, 120)))
        state = rng.choices(STATUS_FLOW, weights=(2, 4, 6, 5, 1))[0]
        lines = [(p, rng.choice((1, 1, 1, 2, 3))) for p in rng.sample(products, rng.choice((1, 1, 2, 3)))]
        order = Order(store.key, _order_id(store.platform, rng, n + 1), n + 1, buyer, created, updated, state, lines,
                      store.currency, [str(rng.randrange(10**13, 10**14)) for _ in lines])
        orders.append(order)
        by_buyer.setdefault(buyer.key, []).append(order)
    orders.sort(key=lambda o: o.created)
    stock = []
    for w_index, warehouse in enumerate(WAREHOUSES.get(store.platform, ())):
        for product in products:
            on_hand = rng.randrange(0, 250)
            stock.append(StockLevel(product, warehouse, 60_000_000 + w_index, on_hand,
                                    rng.randrange(0, max(1, on_hand // 5 + 1)), now - timedelta(hours=rng.uniform(1, 48))))
    return StoreWorld(store, products, buyers, orders, stock, by_buyer)


def build_world(seed: int, now: datetime | None = None) -> dict[str, StoreWorld]:
    """Every store's world for a seed."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    return {store.key: build_store(store, seed, now) for store in STORES}


def address(buyer: Buyer) -> dict[str, str]:
    """A postal address for a buyer in their country."""
    city, postcode = CITIES[buyer.country]
    return {"name": buyer.name, "line1": f"{(len(buyer.last_name) * 7) % 90 + 1} Market Street", "city": city,
            "postcode": postcode, "country": buyer.country}
