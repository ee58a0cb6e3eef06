"""Review tables (filled in by the reviews work)."""
