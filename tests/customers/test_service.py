import pytest
from sqlalchemy import select

from shopcx.core.errors import InvalidInput
from shopcx.customers import service as customers
from shopcx.customers.schemas import CustomerIn
from shopcx.staff.models import AuditLog
from shopcx.staff.service import SYSTEM


def test_same_person_across_shops_is_one_customer(session):
    taobao, created = customers.upsert_customer(session, CustomerIn(
        source="taobao", external_id="tb_buyer", name="王芳", phone="+86 139-1234-5678"), actor=None)
    shopify, again = customers.upsert_customer(session, CustomerIn(
        source="shopify", external_id="8812", phone="13912345678", email="Wang.Fang@Example.com"), actor=None)
    assert created and not again and shopify.id == taobao.id
    assert shopify.phone == "+8613912345678" and shopify.email == "wang.fang@example.com"
    assert {(i.source, i.external_id) for i in shopify.identities} == {("taobao", "tb_buyer"), ("shopify", "8812")}


def test_update_keeps_fields_that_were_left_out(session):
    first, _ = customers.upsert_customer(session, CustomerIn(source="api", external_id="1", name="李雷",
                                                             city="杭州"), actor=None)
    customers.upsert_customer(session, CustomerIn(source="api", external_id="1", province="浙江"), actor=None)
    assert (first.name, first.city, first.province) == ("李雷", "杭州", "浙江")


@pytest.mark.parametrize(("field", "value"), [("phone", "12ab"), ("email", "not-an-email")])
def test_bad_contacts_name_the_field(session, field, value):
    with pytest.raises(InvalidInput) as err:
        customers.upsert_customer(session, CustomerIn(source="api", external_id="x", **{field: value}), actor=None)
    assert err.value.field == field


def test_consent_and_tags_are_audited_only_when_they_change(session):
    customer, _ = customers.upsert_customer(session, CustomerIn(source="api", external_id="c1", name="韩梅梅"),
                                            actor=None)
    customers.set_consent(session, customer, "sms", True, source="web", actor=SYSTEM)
    customers.set_consent(session, customer, "sms", True, source="web", actor=SYSTEM)
    customers.set_consent(session, customer, "sms", False, source="web", actor=SYSTEM)
    customers.add_tag(session, customer, "宝妈", actor=SYSTEM)
    customers.add_tag(session, customer, "宝妈", actor=SYSTEM)
    actions = [a.action for a in session.scalars(
        select(AuditLog).where(AuditLog.entity == "customer", AuditLog.entity_id == str(customer.id))
        .order_by(AuditLog.id))]
    assert actions == ["customer.consent", "customer.consent", "customer.tag_add"]
    assert customers.to_out(customer).consents == {"sms": False}
    with pytest.raises(InvalidInput):
        customers.set_consent(session, customer, "pigeon", True, source="web")
