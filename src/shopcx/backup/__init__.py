"""Backup and restore of the whole database (SQLite online backup, PostgreSQL pg_dump), checked end to end."""
