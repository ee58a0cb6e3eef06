"""Messaging: the one way ShopCX sends anything to a buyer (surveys, care moments, campaigns, the weekly report).

Other domains call `shopcx.messaging.service` only (STYLE.md: a domain imports another's service):

- `queue_message(session, *, shop_id, customer_id, purpose, occasion, channel, body, subject="", html=None,
  locale=None, ref_type=None, ref_id=None, not_before=None, expires_at=None) -> Queued(message, created)`
  queues one message. `purpose` + customer + `occasion` is its idempotency key: queueing the same again returns
  the first (`created` False), so a job run twice or a retry never makes a second message. `channel` is
  "email", "sms", "wechat" or "agent" (the agents' list: staff send it by platform chat or phone). Texts pass
  core.outgoing.check_outgoing (InvalidInput naming the field). A customer who may not be reached (erased, no
  consent for the channel, no address, a suppressed address) gets a `skipped` message with the reason, nothing
  sent. `ref_type`/`ref_id` tie it to the caller's record (e.g. "survey_invitation", 42); `not_before` delays it
  (N days after delivery); `expires_at` drops it when quiet hours or caps would hold it past that time.
- `queue_messages(session, drafts: list[Draft]) -> list[Queued]` the same for a wave or campaign, in bulk.
- `shop_rules(session, shop_id) -> ShopRules` quiet hours, caps, opt-in and sandbox of a shop;
  `update_settings(session, shop_id, values, *, actor)` changes them.
- `list_messages(session, *, shop_ids, status="", channel="", purpose="", customer_id=None, offset=0, limit=50)`
  the log; `messages_for(session, ref_type, ref_ids)` the messages about the caller's records.
- `mark_delivered(session, message_ids)`, `record_bounce(session, channel, address, reason, *, message_id=None)`
  for providers' reports; `send_test(session, *, shop_id, channel, address, subject, body, sandbox, actor)`.
- `unreachable(session, shop_id, customer_ids, channel) -> {customer_id: reason}` who may not be reached now
  (leave them out before making a link or a coupon; with `purpose`, a topic the buyer muted counts too);
  `cap_held(session, shop_id, customer_ids) -> {customer_id: release time}` whom the frequency caps hold now;
  `cap_admit(session, [(shop_id, customer_id), ...]) -> [release time or None]` the same for a batch in order,
  each one let through counted against the next for that person;
  `address_of(customer, channel)`, `preferred_locale(customer)`.
- `preferences.preference_url(customer_id)` the buyer's preference page by signed link (channels, topics,
  birthday, language); every e-mail's footer carries one beside the unsubscribe link. Topics (rules.TOPICS:
  care, offers, surveys) a buyer muted stop the messages of those purposes when queued and when sent.

Sending is not the caller's business: the sender (`sender.send_due`, run every minute by the worker and by
`shopcx messages send`) checks the buyer's rights again, holds messages in quiet hours (the shop's timezone,
default 21:00–09:00) and under the frequency caps across everything sent (per shop, per day/week/month), and
retries temporary failures with backoff, never sending a message twice. Each message's life is in its row:
queued, sending, sent, delivered / bounced / failed (with the reason), clicked (signed redirect), unsubscribed
(one-click link and List-Unsubscribe headers). A `demo` identity's messages only ever reach the sandbox.
"""
