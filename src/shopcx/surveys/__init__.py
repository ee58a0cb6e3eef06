"""Surveys and the satisfaction index: CSAT, NPS, CES, SERVQUAL, the ECSI/ACSI model estimated by PLS, IPA."""
