"""Buyers' data rights (PIPL / GDPR): requests with a deadline, export, erasure, retention, and the log of staff
views of personal data."""
