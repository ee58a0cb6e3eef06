"""Plain records of a generated shop (before anything is stored) and the window of time it covers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from ..core import clock

SOURCE = "demo"  # orders.source and customer_identity.source of everything the generator writes


@dataclass(frozen=True)
class Params:
    """The true parameters behind the generated behaviour (analytics fitted on the demo should find them)."""

    # BG/NBD (Fader, Hardie & Lee 2005): while alive a buyer purchases at rate λ ~ Gamma(r, α) per day and
    # after each repeat purchase drops out with probability p ~ Beta(a, b).
    r: float = 0.3
    alpha: float = 40.0
    a: float = 0.8
    b: float = 2.8
    # Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): spend per order ~ Gamma(p, ν), ν ~ Gamma(q, γ),
    # so the mean target is p·γ/(q − 1) = 4 × 80 / 2.5 = ¥128; baskets of real products land near ¥200.
    p: float = 4.0
    q: float = 3.5
    gamma: float = 8_000.0  # 分
    prospect_share: float = 0.06  # members who never order (the lifecycle's prospects)
    wholesale_share: float = 0.01
    cancel_share: float = 0.03  # a purchase preceded by an order the buyer cancelled


@dataclass(frozen=True)
class Window:
    """The local days [start, until) of the shop's history; it ends at the midnight that starts `until`."""

    start: date
    until: date
    tz: str

    @property
    def days(self) -> int:
        return (self.until - self.start).days

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @cached_property
    def cutoff(self) -> datetime:
        """The end of the history as aware UTC; nothing happens at or after it."""
        return clock.to_utc(datetime.combine(self.until, time()), self.tz)

    def moment(self, day: int, second: int) -> datetime:
        """Local day number `day` (0 = start) at `second` after its midnight, as aware UTC."""
        local = datetime.combine(self.start + timedelta(days=day), time()) + timedelta(seconds=second)
        return clock.to_utc(local, self.tz)

    def local_date(self, moment: datetime) -> date:
        """The shop's local calendar day of an aware moment."""
        return moment.astimezone(self.zone).date()


@dataclass
class Person:
    """A generated customer with the hidden behaviour that drives their purchases."""

    nick: str
    name: str
    gender: str
    phone: str
    email: str | None
    birthday_on: date | None
    lunar: tuple[int, int, bool] | None  # month, day, leap month
    province: str
    city: str
    remote: bool
    created_at: datetime
    tags: list[str] = field(default_factory=list)
    consents: dict[str, bool] = field(default_factory=dict)
    anniversaries: list[tuple[str, str, date]] = field(default_factory=list)  # kind, label, date
    preferences: dict = field(default_factory=dict)
    # Hidden behaviour (never stored): BG/NBD purchase rate per day and drop-out probability, Gamma-Gamma
    # spend rate ν (mean spend per order is p/ν), category preferences, whether they ever buy.
    buyer: bool = True
    rate: float = 0.0
    dropout: float = 0.0
    spend_nu: float = 0.0
    category_weights: tuple[float, ...] = ()
    wholesale: bool = False
    alive: bool = True


@dataclass
class Line:
    line_no: int
    sku: str
    name: str
    category: str
    quantity: int
    unit_price: int
    total: int


@dataclass
class Shipment:
    carrier: str
    tracking_no: str
    shipped_at: datetime
    promised_at: datetime
    delivered_at: datetime | None
    damaged: bool

    @property
    def late(self) -> bool:
        return self.delivered_at is not None and self.delivered_at > self.promised_at


@dataclass
class Refund:
    external_id: str
    kind: str  # refund_only | return_refund
    amount: int
    reason: str
    requested_at: datetime
    completed_at: datetime
    lines: list[tuple[int, int, int]]  # line_no, quantity, amount


@dataclass
class Step:
    """One status change, as orders.service.transition would record it."""

    from_status: str | None
    to_status: str
    at: datetime
    reason: str | None = None


@dataclass
class Order:
    external_id: str
    person: int  # index into DemoShop.people
    placed_at: datetime
    lines: list[Line]
    goods: int = 0
    shipping: int = 0
    discount: int = 0
    paid: int = 0
    paid_at: datetime | None = None
    completed_at: datetime | None = None
    shipment: Shipment | None = None
    refunds: list[Refund] = field(default_factory=list)
    history: list[Step] = field(default_factory=list)
    buyer_note: str | None = None

    @property
    def status(self) -> str:
        return self.history[-1].to_status

    @property
    def refunded(self) -> int:
        return sum(r.amount for r in self.refunds)

    @property
    def updated_at(self) -> datetime:
        return max([self.history[-1].at] + [r.completed_at for r in self.refunds])


@dataclass
class Revision:
    """A buyer who changed a 中/差评 to a 好评 after the shop contacted them (reviews.service.care + revise)."""

    contact_at: datetime
    channel: str
    note: str
    revised_at: datetime
    stars: int
    text: str


@dataclass
class BuyerReview:
    """A buyer's review of one order, about its main line; `about` and `hidden` are what the generator meant
    (the stored polarity, aspects and hidden flag come from the text analyser, which may read it otherwise)."""

    external_id: str
    order: int  # index into DemoShop.orders
    line_no: int
    reviewed_at: datetime
    reviewer: str
    is_default: bool = False
    stars: int | None = None
    dsr: tuple[int, int, int] | None = None  # 描述相符, 服务态度, 物流服务
    text: str | None = None
    reply: str | None = None
    replied_at: datetime | None = None
    followup: str | None = None
    followup_at: datetime | None = None
    revision: Revision | None = None
    about: str | None = None  # the driver a complaint is about
    hidden: bool = False  # 4–5 stars with a complaint in the text

    @property
    def first_class(self) -> str:
        if self.stars is None:
            return "good"
        return "good" if self.stars >= 4 else "neutral" if self.stars == 3 else "bad"

    @property
    def rating_class(self) -> str:
        """The class shown now: after a revision, the revised one."""
        return "good" if self.revision is not None else self.first_class


@dataclass
class DemoShop:
    seed: int
    window: Window
    products: tuple
    people: list[Person]
    orders: list[Order]
    staff: list[tuple[str, str]] = field(default_factory=list)  # role, display name
    reviews: list[BuyerReview] = field(default_factory=list)  # oldest first
