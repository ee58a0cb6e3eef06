"""Members: enrolment and birthdays, tiers, referrals, and the signed links to their own page."""
