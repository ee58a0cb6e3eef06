"""Product use cases: upsert by SKU within a shop, look-up and listing. Services flush; they never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..core import clock, db
from ..core.errors import NotFound
from ..core.money import check_currency
from ..shops.models import Shop
from ..staff.service import Actor, audit
from . import repository
from .models import Product
from .schemas import ProductIn

_FIELDS = ("name", "category", "price_amount", "currency", "is_active")


def upsert_product(session: Session, shop: Shop, data: ProductIn, *,
                   actor: Actor) -> tuple[Product, bool, bool]:
    """Create the product with this SKU or update the fields given; returns (product, created, changed).

    The same SKU sent several times at once is stored once (a lock of the SKU on PostgreSQL, then a re-read when
    another writer stored it first)."""
    db.xact_lock(session, f"product:{shop.id}:{data.sku}")
    return db.savepoint_retrying(session, lambda: _upsert_product(session, shop, data, actor=actor))


def _upsert_product(session: Session, shop: Shop, data: ProductIn, *, actor: Actor) -> tuple[Product, bool, bool]:
    product = repository.products_by_sku(session, shop.id, {data.sku}).get(data.sku)
    now = clock.now()
    if product is None:
        values = data.model_dump(include=set(_FIELDS))
        values["currency"] = check_currency(data.currency or shop.currency)
        product = Product(shop_id=shop.id, sku=data.sku, created_at=now, updated_at=now, **values)
        session.add(product)
        session.flush()
        audit(session, actor, "product.create", "product", product.id, {"sku": data.sku, **values})
        return product, True, False
    given = data.model_dump(include=set(_FIELDS), exclude_unset=True)
    if given.get("currency") is not None:
        given["currency"] = check_currency(given["currency"])
    else:
        given.pop("currency", None)
    changes = {key: value for key, value in given.items() if getattr(product, key) != value}
    if not changes:
        return product, False, False
    for key, value in changes.items():
        setattr(product, key, value)
    product.updated_at = now
    session.flush()
    audit(session, actor, "product.update", "product", product.id, {"sku": data.sku, **changes})
    return product, False, True


def get_product(session: Session, shop: Shop, sku: str) -> Product:
    """The shop's product with this SKU, or NotFound."""
    product = repository.products_by_sku(session, shop.id, {sku}).get(sku)
    if product is None:
        raise NotFound("product_not_found", f"sku: shop {shop.code} has no product '{sku}'", field="sku")
    return product


def list_products(session: Session, shop: Shop, *, query: str | None = None, category: str | None = None,
                  active: bool | None = None, offset: int = 0, limit: int = 50) -> tuple[list[Product], int]:
    """One page of the shop's products ordered by SKU, and the total."""
    return repository.search_products(session, shop.id, query=query, category=category, active=active,
                                      offset=offset, limit=limit)
