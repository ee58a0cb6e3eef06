"""Surveys: satisfaction measurement, from questionnaires to the ACSI-style satisfaction index."""
