"""Customers over JSON: upsert, update, list, get. Phone and email (also in the note) are masked without `pii`."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from ..core.security import mask_email, mask_identity, mask_phone
from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, PageDep, SessionDep, bearer_scheme
from ..web.deps import RowId, require_scope
from ..web.format import mask_text
from . import repository, service
from .models import CONSENT_CHANNELS, Customer
from .schemas import AnniversaryOut, CustomerDetailOut, CustomerIn, CustomerOut, CustomerPage, CustomerResult

router = APIRouter(prefix="/api/v1", tags=["customers"], dependencies=[Depends(bearer_scheme)],
                   responses=API_ERRORS)

Reader = Annotated[Actor, Depends(require_scope("customers:read"))]
Writer = Annotated[Actor, Depends(require_scope("customers:write"))]
_Out = TypeVar("_Out", bound=CustomerOut)


def _visible(out: _Out, actor: Actor) -> _Out:
    """The customer as this actor may see them: phone, email and contact-like identities masked without `pii`."""
    if actor.allows("pii"):
        return out
    identities = [i.model_copy(update={"external_id": mask_identity(i.external_id)}) for i in out.identities]
    hidden = {"phone": mask_phone(out.phone), "email": mask_email(out.email), "identities": identities}
    if isinstance(out, CustomerDetailOut):
        hidden["note"] = mask_text(out.note)  # staff notes often carry a second phone number
    return out.model_copy(update=hidden)


def _detail(customer: Customer, actor: Actor) -> CustomerDetailOut:
    anniversaries = [AnniversaryOut.model_validate(a) for a in customer.anniversaries]
    detail = CustomerDetailOut(**service.to_out(customer).model_dump(), note=customer.note,
                               anniversaries=anniversaries)
    return _visible(detail, actor)


def _shop_id(session: Session, code: str | None) -> int | None:
    return shops.get_shop(session, code).id if code else None


@router.post("/customers", response_model=CustomerResult, status_code=201,
             responses={200: {"model": CustomerResult, "description": "Matched a stored customer"}})
def upsert_customer(data: CustomerIn, response: Response, actor: Writer,
                    session: SessionDep) -> CustomerResult:
    """Create a customer (201) or update the one matching source+external_id, then phone, then email (200)."""
    shop_id = _shop_id(session, data.shop)
    customer, created = service.upsert_customer(session, data, shop_id=shop_id, actor=actor)
    response.status_code = 201 if created else 200
    return CustomerResult(created=created, customer=_detail(customer, actor))


@router.put("/customers/{customer_id}", response_model=CustomerDetailOut)
def update_customer(customer_id: RowId, data: CustomerIn, actor: Writer,
                    session: SessionDep) -> CustomerDetailOut:
    """Change the fields given (null clears, absent keeps; `tags` replaces the tag set) of one customer."""
    customer = service.get_customer(session, customer_id)
    service.update_customer(session, customer, data, shop_id=_shop_id(session, data.shop), actor=actor)
    return _detail(customer, actor)


@router.get("/customers", response_model=CustomerPage)
def list_customers(
    actor: Reader, session: SessionDep, page: PageDep,
    q: Annotated[str | None, Query(description="Name, nickname, email, phone digits or external id")] = None,
    tag: str | None = None,
    shop: Annotated[str | None, Query(description="Shop code")] = None,
    has_orders: bool | None = None,
    consent: Annotated[Literal[CONSENT_CHANNELS] | None, Query(description="Consent granted")] = None,
    country: str | None = None,
) -> CustomerPage:
    """One page of customers, newest first, with the total that match."""
    flt = repository.CustomerFilter(query=q, tag=tag, shop_id=_shop_id(session, shop), has_orders=has_orders,
                                    consent_channel=consent, country=country, by_contacts=actor.allows("pii"))
    rows, total = repository.search(session, flt, offset=page.offset, limit=page.page_size)
    return CustomerPage(items=[_visible(service.to_out(c), actor) for c in rows], total=total, page=page.page,
                        page_size=page.page_size)


@router.get("/customers/{customer_id}", response_model=CustomerDetailOut)
def get_customer(customer_id: RowId, actor: Reader, session: SessionDep) -> CustomerDetailOut:
    """One customer with tags, consents, identities and anniversaries."""
    return _detail(service.get_customer(session, customer_id), actor)
