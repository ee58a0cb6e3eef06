"""Surveys and the satisfaction index: CSAT, NPS, CES, SERVQUAL, the ACSI/ECSI-style index, IPA (issue 14)."""
