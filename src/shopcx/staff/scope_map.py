"""Which staff page does what each API operation does: the one place that says a token scope mirrors a page
permission (issue 12). tests/api/test_scope_map.py walks every API route and checks that the scopes it requires
are exactly the permissions its page twins require; an operation no page offers names the permission it needs.

Values: a tuple of (method, page path) twins, whose permissions together are the API's scopes; a permission
string for an operation without a page (integrations, the CLI's jobs); or None for a route that needs no scope
(the shop list and /me need any valid token; the webhook is checked by its signature)."""

from __future__ import annotations

from typing import TypeAlias

Twin: TypeAlias = tuple[str, str]
Mirror: TypeAlias = "tuple[Twin, ...] | str | None"

_CUSTOMER = ("GET", "/customers/{customer_id}")
_CUSTOMERS = ("GET", "/customers")
_ORDERS, _ORDER = ("GET", "/orders"), ("GET", "/orders/{order_id}")
_INSIGHTS = ("GET", "/insights")
_REVIEWS, _REVIEW, _DASHBOARD = ("GET", "/reviews"), ("GET", "/reviews/{review_id}"), ("GET", "/reviews/dashboard")
_REVIEW_SETTINGS = ("GET", "/reviews/settings")
_LOYALTY, _PROGRAM = ("GET", "/loyalty"), ("GET", "/loyalty/program")
_MEMBER = ("GET", "/loyalty/members/{account_id}")
_REWARDS = ("GET", "/loyalty/rewards")
_L = "/api/v1/shops/{shop_code}/loyalty"
_R = "/api/v1/shops/{shop_code}/ratings"

API_MIRRORS: dict[Twin, Mirror] = {
    # shops and webhooks
    ("GET", "/api/v1/shops"): None,
    ("POST", "/api/v1/shops/{shop_code}/webhook-secret"): "settings:manage",  # shop settings: the owner's
    ("PUT", "/api/v1/shops/{shop_code}/webhook-secret"): "settings:manage",  # the key the platform signs with
    ("POST", "/api/v1/webhooks/{shop_code}/orders"): None,
    ("GET", "/api/v1/me"): None,
    # customers
    ("POST", "/api/v1/customers"): "customers:write",  # customers arrive with orders and imports; no page adds one
    ("PUT", "/api/v1/customers/{customer_id}"): (("POST", "/customers/{customer_id}/consent"),),
    ("GET", "/api/v1/customers"): (_CUSTOMERS,),
    ("GET", "/api/v1/customers/{customer_id}"): (_CUSTOMER,),
    ("GET", "/api/v1/customers/{customer_id}/orders"): (_CUSTOMER, _ORDERS),
    ("GET", "/api/v1/customers/{customer_id}/reviews"): (_CUSTOMER, _REVIEWS),
    ("GET", "/api/v1/customers/{customer_id}/value"): (_CUSTOMER,),
    # products and orders: written by shop integrations; no page writes them
    ("POST", "/api/v1/shops/{shop_code}/products"): "products:write",
    ("GET", "/api/v1/shops/{shop_code}/products"): "products:read",
    ("GET", "/api/v1/shops/{shop_code}/products/{sku}"): "products:read",
    ("POST", "/api/v1/shops/{shop_code}/orders"): "orders:write",
    ("GET", "/api/v1/orders"): (_ORDERS,),
    ("GET", "/api/v1/orders/{order_id}"): (_ORDER,),
    ("POST", "/api/v1/orders/{order_id}/status"): "orders:write",
    ("POST", "/api/v1/orders/{order_id}/shipments"): "orders:write",
    ("POST", "/api/v1/orders/{order_id}/refunds"): "orders:write",
    # customer value
    ("GET", "/api/v1/insights/runs"): (_INSIGHTS,),
    ("GET", "/api/v1/insights/runs/{run}"): (_INSIGHTS,),
    ("GET", "/api/v1/insights/runs/{run}/overview"): (_INSIGHTS,),
    ("GET", "/api/v1/insights/runs/{run}/rfm"): (("GET", "/insights/rfm"),),
    ("GET", "/api/v1/insights/runs/{run}/lifecycle"): (("GET", "/insights/lifecycle"),),
    ("GET", "/api/v1/insights/runs/{run}/cohorts"): (("GET", "/insights/cohorts"),),
    ("GET", "/api/v1/insights/runs/{run}/at-risk"): (("GET", "/insights/at-risk"),),
    ("GET", "/api/v1/insights/runs/{run}/key-customers"): (("GET", "/insights/key-customers"),),
    # reviews
    ("POST", "/api/v1/shops/{shop_code}/reviews"): "reviews:write",  # arrive from the platform; no page adds one
    ("POST", "/api/v1/shops/{shop_code}/reviews/batch"): "reviews:write",
    ("GET", "/api/v1/reviews"): (_REVIEWS,),
    ("GET", "/api/v1/reviews/{review_id}"): (_REVIEW,),
    ("POST", "/api/v1/reviews/{review_id}/reply"): (("POST", "/reviews/{review_id}/reply"),),
    ("GET", "/api/v1/reviews/{review_id}/reply-suggestions"): (_REVIEW,),
    ("POST", "/api/v1/reviews/{review_id}/followups"): "reviews:write",
    ("POST", "/api/v1/reviews/{review_id}/revisions"): (("POST", "/reviews/{review_id}/revision"),),
    ("POST", "/api/v1/reviews/{review_id}/case"): (("POST", "/reviews/{review_id}/case"),),
    ("GET", "/api/v1/review-cases/{case_id}"): (_REVIEW,),
    ("POST", "/api/v1/review-cases/{case_id}/assign"): (("POST", "/reviews/{review_id}/assign"),),
    ("POST", "/api/v1/review-cases/{case_id}/contacts"): (("POST", "/reviews/{review_id}/contact"),),
    ("POST", "/api/v1/review-cases/{case_id}/resolve"): (("POST", "/reviews/{review_id}/resolve"),),
    ("POST", "/api/v1/review-cases/{case_id}/close"): (("POST", "/reviews/{review_id}/close"),),
    ("GET", "/api/v1/review-inbox"): (_REVIEWS,),
    ("GET", "/api/v1/shops/{shop_code}/awaiting-rating"): (_REVIEWS,),
    **{("GET", f"{_R}/{name}"): (_DASHBOARD,)
       for name in ("dsr", "dsr-series", "forecast", "counts", "good-rate", "drivers", "ranking", "late-vs-rating",
                    "revisions", "response-times")},
    ("GET", "/api/v1/shops/{shop_code}/review-settings"): (_REVIEW_SETTINGS,),
    ("PUT", "/api/v1/shops/{shop_code}/review-settings"): (("POST", "/reviews/settings"),),
    ("GET", "/api/v1/shops/{shop_code}/reply-templates"): (_REVIEW_SETTINGS,),
    ("POST", "/api/v1/shops/{shop_code}/reply-templates"): (("POST", "/reviews/settings/templates"),),
    ("DELETE", "/api/v1/shops/{shop_code}/reply-templates/{template_id}"):
        (("POST", "/reviews/settings/templates/{template_id}/retire"),),
    # loyalty
    ("POST", f"{_L}/program"): (("POST", "/loyalty/program/start"),),
    ("GET", f"{_L}/program"): (_PROGRAM,),
    ("GET", f"{_L}/program/versions/{{version}}"): (_PROGRAM,),
    ("PUT", f"{_L}/program/draft"): (("POST", "/loyalty/program/draft"),),
    ("POST", f"{_L}/program/backtest"): (("POST", "/loyalty/program/backtest"),),
    ("POST", f"{_L}/program/publish"): (("POST", "/loyalty/program/publish"),),
    ("GET", f"{_L}/liability"): (("GET", "/loyalty/liability"),),
    ("POST", f"{_L}/daily"): "loyalty:write",  # the daily run (expiry, birthdays), a job; no page starts it
    ("GET", f"{_L}/members"): (_LOYALTY,),
    ("POST", f"{_L}/members"): (("POST", "/loyalty/enrol"),),
    ("GET", f"{_L}/members/{{customer_id}}"): (_MEMBER,),
    ("GET", f"{_L}/members/{{customer_id}}/ledger"): (_MEMBER,),
    ("GET", f"{_L}/members/{{customer_id}}/tier-changes"): (_MEMBER,),
    ("PUT", f"{_L}/members/{{customer_id}}/tier-floor"): (("POST", "/loyalty/members/{account_id}/floor"),),
    ("POST", f"{_L}/members/{{customer_id}}/adjustments"): (("POST", "/loyalty/members/{account_id}/adjust"),),
    ("GET", f"{_L}/adjustment-requests"): (("GET", "/loyalty/approvals"),),
    ("POST", f"{_L}/adjustment-requests/{{request_id}}/{{decision}}"):
        (("POST", "/loyalty/approvals/{request_id}/{decision}"),),
    ("GET", f"{_L}/rewards"): (_REWARDS,),
    ("POST", f"{_L}/rewards"): (("POST", "/loyalty/rewards"),),
    ("PATCH", f"{_L}/rewards/{{code}}"): (("POST", "/loyalty/rewards/{code}/deactivate"),),
    ("GET", f"{_L}/members/{{customer_id}}/rewards"): (_MEMBER,),
    # spending points and coupons at the checkout: the shop's integration, as the buyer's own page does
    ("POST", f"{_L}/members/{{customer_id}}/redemptions"): "loyalty:write",
    ("POST", f"{_L}/members/{{customer_id}}/points-payments"): "loyalty:write",
    ("POST", f"{_L}/members/{{customer_id}}/points-payments/{{key}}/cancel"): "loyalty:write",
    ("GET", f"{_L}/coupons"): (_REWARDS,),
    ("POST", f"{_L}/coupons"): (("POST", "/loyalty/coupons"),),
    ("PATCH", f"{_L}/coupons/{{code}}"): (("POST", "/loyalty/coupons"),),
    ("POST", f"{_L}/coupons/{{code}}/void"): (("POST", "/loyalty/coupons/{coupon_id}/void"),),
    ("GET", f"{_L}/coupons/{{code}}/check"): "loyalty:read",
    ("POST", f"{_L}/coupons/{{code}}/uses"): "loyalty:write",
    ("POST", f"{_L}/quote"): "loyalty:read",
    ("GET", f"{_L}/referrals"): (_LOYALTY,),
    ("POST", f"{_L}/referrals"): "loyalty:write",
    # surveys (issue 14)
    ("GET", "/api/v1/surveys"): (("GET", "/surveys"),),
    ("GET", "/api/v1/surveys/{survey_id}/results"): (("GET", "/surveys/{survey_id}"),),
    # care (issue 16)
    ("POST", "/api/v1/shops/{shop_code}/care/audience/count"): (("POST", "/care/audience-count"),),
    ("GET", "/api/v1/shops/{shop_code}/care/campaigns"): (("GET", "/care"),),
    ("POST", "/api/v1/shops/{shop_code}/care/campaigns"): (("POST", "/care/campaigns"),),
    ("GET", "/api/v1/care/campaigns/{campaign_id}"): (("GET", "/care/campaigns/{campaign_id}"),),
    ("POST", "/api/v1/care/campaigns/{campaign_id}/launch"): (("POST", "/care/campaigns/{campaign_id}/launch"),),
    ("POST", "/api/v1/care/campaigns/{campaign_id}/cancel"): (("POST", "/care/campaigns/{campaign_id}/cancel"),),
    ("GET", "/api/v1/shops/{shop_code}/care/moments"): (("GET", "/care/moments"),),
    ("PUT", "/api/v1/shops/{shop_code}/care/moments/{kind}"): (("POST", "/care/moments/{kind}"),),
    ("POST", "/api/v1/shops/{shop_code}/care/moments/run"): (("POST", "/care/moments-run"),),
    ("POST", "/api/v1/shops/{shop_code}/care/templates"): (("POST", "/care/templates"),),
    ("GET", "/api/v1/shops/{shop_code}/care/templates/{template_id}/preview"):
        (("POST", "/care/templates/{template_id}/preview"),),
    ("GET", "/api/v1/shops/{shop_code}/care/callbacks"): (("GET", "/care/callbacks"),),
    ("POST", "/api/v1/care/callbacks/{task_id}"): (("POST", "/care/callbacks/{task_id}"),),
    ("POST", "/api/v1/care/scans"): "orders:write",  # carrier updates arrive from integrations; no page adds one
    ("GET", "/api/v1/shops/{shop_code}/care/parcels"): (("GET", "/care/parcels"),),
}

# The complaint desk (issue 15): each API route twins a desk page.
_TICKETS, _TICKET = ("GET", "/desk"), ("GET", "/desk/tickets/{ticket_id}")
API_MIRRORS |= {
    ("POST", "/api/v1/shops/{shop_code}/tickets"): (("POST", "/desk/new"),),
    ("GET", "/api/v1/tickets"): (_TICKETS,),
    ("GET", "/api/v1/tickets/{ticket_id}"): (_TICKET,),
    ("POST", "/api/v1/tickets/{ticket_id}/messages"): (("POST", "/desk/tickets/{ticket_id}/message"),),
    ("POST", "/api/v1/tickets/{ticket_id}/transition"): (("POST", "/desk/tickets/{ticket_id}/status"),),
}

# The desk's agent tools (issue 15): answers, compensation, promises twin the ticket page's forms.
_D = "/api/v1/tickets/{ticket_id}"
API_MIRRORS |= {
    ("GET", "/api/v1/shops/{shop_code}/answers"): (_TICKET,),
    ("GET", f"{_D}/answers/{{answer_id}}/preview"): (("GET", "/desk/tickets/{ticket_id}/answer-preview"),),
    ("POST", f"{_D}/answers/{{answer_id}}"): (("POST", "/desk/tickets/{ticket_id}/answer"),),
    ("GET", f"{_D}/compensation"): (_TICKET,),
    ("POST", f"{_D}/compensation"): (("POST", "/desk/tickets/{ticket_id}/compensation"),),
    ("POST", "/api/v1/compensation/{compensation_id}/decision"): (
        ("POST", "/desk/compensation/{compensation_id}/decide"),),
    ("GET", f"{_D}/promises"): (_TICKET,),
    ("POST", f"{_D}/promises"): (("POST", "/desk/tickets/{ticket_id}/promise"),),
    ("POST", "/api/v1/promises/{promise_id}/close"): (("POST", "/desk/promises/{promise_id}/close"),),
    ("GET", "/api/v1/promises/keeping"): (("GET", "/desk/promises"),),
}

# The desk's channels (issue 15): the ticket webhook is signed with the shop's key, not scoped; the others twin pages.
API_MIRRORS |= {
    ("POST", "/api/v1/webhooks/{shop_code}/tickets"): None,
    ("POST", "/api/v1/review-cases/{case_id}/ticket"): (("POST", "/desk/review-cases/{case_id}/take-over"),),
    ("PUT", "/api/v1/tickets/{ticket_id}/category"): (("POST", "/desk/tickets/{ticket_id}/assign"),),
    # reports and mystery-shopper audits: the same figures and rows as their pages
    ("GET", "/api/v1/desk/reports"): (("GET", "/desk/reports"),),
    ("GET", "/api/v1/desk/audits"): (("GET", "/desk/audits"),),
    ("GET", "/api/v1/desk/audits/{audit_id}"): (("GET", "/desk/audits/{audit_id}"),),
}

# The desk's outgoing webhooks (issue 15): managers, as the webhooks tab of the desk settings.
_HOOKS, _HOOKS_PAGE = "/api/v1/shops/{shop_code}/desk/webhooks", ("GET", "/desk/settings/webhooks")
API_MIRRORS |= {
    ("GET", _HOOKS): (_HOOKS_PAGE,),
    ("POST", _HOOKS): (("POST", "/desk/settings/webhooks"),),
    ("PUT", f"{_HOOKS}/{{webhook_id}}"): (("POST", "/desk/settings/webhooks/{webhook_id}"),),
    ("GET", f"{_HOOKS}/deliveries"): (_HOOKS_PAGE,),
    ("POST", f"{_HOOKS}/deliveries/{{delivery_id}}/retry"): (
        ("POST", "/desk/settings/webhooks/deliveries/{delivery_id}/retry"),),
}

# The home page (issue 17): any signed-in viewer; each figure and item is filtered by the scope its page needs.
API_MIRRORS |= {
    ("GET", "/api/v1/home"): (("GET", "/"),),
    ("GET", "/api/v1/customers/{customer_id}/timeline"): (("GET", "/customers/{customer_id}/timeline"),),
}

# Messaging and survey sending (issues 14, 16): the log and a survey's sending rules and waves twin their pages;
# queueing one message is for integrations (no page queues a single message).
API_MIRRORS |= {
    ("GET", "/api/v1/messages"): (("GET", "/messages"),),
    ("POST", "/api/v1/messages"): "messaging:write",
    ("POST", "/api/v1/customers/{customer_id}/preference-link"): (
        ("POST", "/messages/preference-link/{customer_id}"),),
    ("GET", "/api/v1/surveys/{survey_id}/sending"): (("GET", "/surveys/{survey_id}/sending"),),
    ("PUT", "/api/v1/surveys/{survey_id}/sending"): (("POST", "/surveys/{survey_id}/sending"),),
    ("POST", "/api/v1/surveys/{survey_id}/waves"): (("POST", "/surveys/{survey_id}/sending/wave"),),
}

# Surveys over JSON (issue 14): making and publishing, results by segment, drivers, the index, responses,
# follow-ups, imports and waves, each twinning the survey page that does the same.
_SURVEY, _RESULTS = ("GET", "/surveys/{survey_id}"), ("GET", "/surveys/{survey_id}/results")
API_MIRRORS |= {
    ("POST", "/api/v1/surveys"): (("POST", "/surveys"),),
    ("GET", "/api/v1/surveys/{survey_id}/versions"): (_SURVEY,),
    ("PUT", "/api/v1/surveys/{survey_id}/draft"): (("POST", "/surveys/{survey_id}/builder/{index}"),),
    ("POST", "/api/v1/surveys/{survey_id}/publish"): (("POST", "/surveys/{survey_id}/publish"),),
    ("GET", "/api/v1/surveys/{survey_id}/segments"): (_RESULTS,),
    ("GET", "/api/v1/surveys/{survey_id}/drivers"): (_RESULTS,),
    ("GET", "/api/v1/surveys/{survey_id}/index"): (_RESULTS,),
    ("GET", "/api/v1/surveys/{survey_id}/responses"): (("GET", "/surveys/{survey_id}/responses"),),
    ("GET", "/api/v1/surveys/{survey_id}/followups"): (_SURVEY,),
    ("POST", "/api/v1/survey-followups/{followup_id}/close"): (("POST", "/surveys/followups/{followup_id}/close"),),
    ("POST", "/api/v1/surveys/{survey_id}/imports"): (("POST", "/surveys/{survey_id}/import/run"),),
    ("GET", "/api/v1/surveys/{survey_id}/waves"): (("GET", "/surveys/{survey_id}/sending"),),
}
API_MIRRORS |= {
    ("POST", "/api/v1/surveys/{survey_id}/links"): (("POST", "/surveys/{survey_id}/links"),),
    ("GET", "/api/v1/surveys/{survey_id}/open-links"): (("GET", "/surveys/{survey_id}/sending/links.xlsx"),),
    ("PUT", "/api/v1/surveys/{survey_id}/public-link"): (("POST", "/surveys/{survey_id}/public"),),
}
