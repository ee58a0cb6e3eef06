"""Sending surveys (issue 14 "Sending") through the messaging domain: invitations after an outbox event (order
delivered + N days, ticket closed, review received), waves to a segment or a seeded random sample of it, reminders
to non-responders (at most N, D days apart), a fatigue cap across all surveys, a quota of answers per wave, the
link list for agents who send by platform chat, a test send, the sending page and `shopcx surveys send`."""
