"""The desk's reports: SLA compliance, volume by category, backlog age, recovery (do complainants buy again?), root
causes without blame, and per-agent coaching figures; plus the ticket list as an Excel workbook."""
