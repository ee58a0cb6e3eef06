"""Hand-written webhook bodies shaped like Shopify's and WooCommerce's own (field names from their REST Admin /
REST API v3 resources). Every person, address and number here is invented."""

from __future__ import annotations

import copy

SHOPIFY_ORDER = {
    "id": 5820193046587,
    "admin_graphql_api_id": "gid://shopify/Order/5820193046587",
    "name": "#1042",
    "order_number": 1042,
    "number": 42,
    "email": "mei.lin@example.com",
    "contact_email": "mei.lin@example.com",
    "phone": None,
    "created_at": "2026-03-01T10:15:30-05:00",
    "updated_at": "2026-03-01T10:15:32-05:00",
    "processed_at": "2026-03-01T10:15:29-05:00",
    "cancelled_at": None,
    "cancel_reason": None,
    "closed_at": None,
    "currency": "USD",
    "presentment_currency": "USD",
    "financial_status": "paid",
    "fulfillment_status": None,
    "gateway": "shopify_payments",
    "payment_gateway_names": ["shopify_payments"],
    "test": False,
    "taxes_included": False,
    "total_tax": "4.16",
    "total_discounts": "5.00",
    "total_line_items_price": "60.00",
    "subtotal_price": "55.00",
    "total_price": "67.16",
    "total_outstanding": "0.00",
    "total_weight": 900,
    "note": "Leave at the side door",
    "tags": "",
    "discount_codes": [{"code": "SPRING5", "amount": "5.00", "type": "fixed_amount"}],
    "customer": {
        "id": 7204119388219, "email": "mei.lin@example.com", "first_name": "Mei", "last_name": "Lin",
        "phone": None, "created_at": "2026-02-11T08:00:00-05:00", "updated_at": "2026-03-01T10:15:31-05:00",
        "state": "enabled", "verified_email": True, "currency": "USD",
        "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in",
                                    "consent_updated_at": "2026-02-11T08:00:00-05:00"},
        "default_address": {"first_name": "Mei", "last_name": "Lin", "address1": "12 Example Road",
                            "city": "Springfield", "province": "Oregon", "country": "United States",
                            "zip": "97477", "phone": None, "country_code": "US", "province_code": "OR"},
    },
    "billing_address": {"first_name": "Mei", "last_name": "Lin", "name": "Mei Lin", "address1": "12 Example Road",
                        "city": "Springfield", "province": "Oregon", "country": "United States", "zip": "97477",
                        "phone": None, "country_code": "US", "province_code": "OR"},
    "shipping_address": {"first_name": "Mei", "last_name": "Lin", "name": "Mei Lin",
                         "address1": "12 Example Road", "city": "Springfield", "province": "Oregon",
                         "country": "United States", "zip": "97477", "phone": None, "country_code": "US",
                         "province_code": "OR"},
    "line_items": [
        {"id": 14772004061243, "variant_id": 44100001, "product_id": 8800001, "title": "Ceramic Mug",
         "variant_title": "Blue", "name": "Ceramic Mug - Blue", "sku": "MUG-BLUE", "vendor": "Example Pottery",
         "quantity": 2, "price": "20.00", "total_discount": "0.00", "taxable": True, "gift_card": False,
         "fulfillment_status": None, "requires_shipping": True,
         "discount_allocations": [{"amount": "5.00", "discount_application_index": 0}],
         "tax_lines": [{"title": "OR State Tax", "price": "2.78", "rate": 0.075}]},
        {"id": 14772004094011, "variant_id": 44100002, "product_id": 8800002, "title": "Tea Towel",
         "variant_title": None, "name": "Tea Towel", "sku": "TOWEL-1", "vendor": "Example Linen",
         "quantity": 1, "price": "20.00", "total_discount": "0.00", "taxable": True, "gift_card": False,
         "fulfillment_status": None, "requires_shipping": True, "discount_allocations": [],
         "tax_lines": [{"title": "OR State Tax", "price": "1.38", "rate": 0.075}]},
    ],
    "shipping_lines": [{"id": 4700001, "title": "Standard", "code": "Standard", "price": "8.00",
                        "discounted_price": "8.00", "source": "shopify", "tax_lines": []}],
    "fulfillments": [],
    "refunds": [],
}


def shopify_order(**overrides) -> dict:
    body = copy.deepcopy(SHOPIFY_ORDER)
    body.update(overrides)
    return body


def shopify_fulfillment(**overrides) -> dict:
    return {"id": 5100001, "order_id": SHOPIFY_ORDER["id"], "status": "success",
            "created_at": "2026-03-02T09:00:00-05:00", "updated_at": "2026-03-02T09:00:00-05:00",
            "service": "manual", "shipment_status": None, "tracking_company": "UPS",
            "tracking_number": "1Z999AA10123456784", "tracking_numbers": ["1Z999AA10123456784"],
            "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            "line_items": [{"id": 14772004061243, "quantity": 2}]} | overrides


def shopify_refund(**overrides) -> dict:
    """A refunds/create body: one mug returned, 20.00 less its share of the discount, plus its tax."""
    return {
        "id": 930001234, "order_id": SHOPIFY_ORDER["id"], "created_at": "2026-03-05T11:00:00-05:00",
        "processed_at": "2026-03-05T11:00:01-05:00", "note": "Chipped on arrival", "restock": True,
        "user_id": 6100001, "admin_graphql_api_id": "gid://shopify/Refund/930001234",
        "refund_line_items": [{"id": 61000001, "line_item_id": 14772004061243, "quantity": 1,
                               "restock_type": "return", "location_id": 3100001, "subtotal": 17.5,
                               "total_tax": 1.31,
                               "line_item": {"id": 14772004061243, "sku": "MUG-BLUE", "name": "Ceramic Mug - Blue",
                                             "quantity": 2, "price": "20.00"}}],
        "transactions": [{"id": 7700001, "order_id": SHOPIFY_ORDER["id"], "kind": "refund", "gateway":
                          "shopify_payments", "status": "success", "amount": "18.81", "currency": "USD",
                          "created_at": "2026-03-05T11:00:01-05:00", "parent_id": 7600001}],
        "order_adjustments": [],
    } | overrides


def shopify_cod_order(n: int, phone: str) -> dict:
    """A cash-on-delivery order: a phone, no e-mail, nothing paid yet."""
    return shopify_order(
        id=5820193100000 + n, name=f"#C{n}", email=None, contact_email=None, phone=phone,
        financial_status="pending", gateway="Cash on Delivery (COD)",
        payment_gateway_names=["Cash on Delivery (COD)"], total_outstanding="67.16",
        customer={"id": 7204119400000 + n, "email": None, "first_name": "Emre", "last_name": "Kaya",
                  "phone": phone, "updated_at": "2026-03-01T10:15:31-05:00"})


def shopify_customer(**overrides) -> dict:
    return {"id": 7204119388219, "email": "mei.lin@example.com", "first_name": "Mei", "last_name": "Lin",
            "phone": "+15415550142", "created_at": "2026-02-11T08:00:00-05:00",
            "updated_at": "2026-03-06T12:00:00-05:00", "orders_count": 1, "state": "enabled",
            "total_spent": "67.16", "verified_email": True, "tags": "", "currency": "USD",
            "email_marketing_consent": {"state": "unsubscribed", "opt_in_level": "single_opt_in",
                                        "consent_updated_at": "2026-03-06T12:00:00-05:00"},
            "addresses": [], "default_address": {"city": "Springfield", "province": "Oregon",
                                                 "country": "United States", "country_code": "US"}} | overrides


WOO_ORDER = {
    "id": 727, "parent_id": 0, "number": "727", "order_key": "wc_order_58d2d042d1d", "created_via": "checkout",
    "version": "9.4.0", "status": "processing", "currency": "EUR",
    "date_created": "2026-03-01T11:15:30", "date_created_gmt": "2026-03-01T10:15:30",
    "date_modified": "2026-03-01T11:16:02", "date_modified_gmt": "2026-03-01T10:16:02",
    "discount_total": "2.50", "discount_tax": "0.00", "shipping_total": "4.90", "shipping_tax": "0.00",
    "cart_tax": "0.00", "total": "39.90", "total_tax": "0.00", "prices_include_tax": True, "customer_id": 14,
    "customer_ip_address": "127.0.0.1", "customer_user_agent": "", "customer_note": "",
    "billing": {"first_name": "Anna", "last_name": "Becker", "company": "", "address_1": "Beispielweg 1",
                "address_2": "", "city": "Berlin", "state": "BE", "postcode": "10115", "country": "DE",
                "email": "anna.becker@example.com", "phone": "030 901820"},
    "shipping": {"first_name": "Anna", "last_name": "Becker", "company": "", "address_1": "Beispielweg 1",
                 "address_2": "", "city": "Berlin", "state": "BE", "postcode": "10115", "country": "DE",
                 "phone": ""},
    "payment_method": "bacs", "payment_method_title": "Direct bank transfer", "transaction_id": "",
    "date_paid": "2026-03-01T11:16:02", "date_paid_gmt": "2026-03-01T10:16:02",
    "date_completed": None, "date_completed_gmt": None, "cart_hash": "",
    "meta_data": [],
    "line_items": [
        {"id": 315, "name": "Ceramic Mug", "product_id": 93, "variation_id": 0, "quantity": 2, "tax_class": "",
         "subtotal": "25.00", "subtotal_tax": "0.00", "total": "22.50", "total_tax": "0.00", "taxes": [],
         "meta_data": [], "sku": "MUG-BLUE", "price": 11.25},
        {"id": 316, "name": "Tea Towel", "product_id": 94, "variation_id": 0, "quantity": 1, "tax_class": "",
         "subtotal": "12.50", "subtotal_tax": "0.00", "total": "12.50", "total_tax": "0.00", "taxes": [],
         "meta_data": [], "sku": "TOWEL-1", "price": 12.5},
    ],
    "tax_lines": [], "fee_lines": [],
    "shipping_lines": [{"id": 317, "method_title": "Flat rate", "method_id": "flat_rate", "total": "4.90",
                        "total_tax": "0.00", "taxes": [], "meta_data": []}],
    "coupon_lines": [{"id": 318, "code": "spring", "discount": "2.50", "discount_tax": "0.00", "meta_data": []}],
    "refunds": [],
}


def woo_order(**overrides) -> dict:
    body = copy.deepcopy(WOO_ORDER)
    body.update(overrides)
    return body
