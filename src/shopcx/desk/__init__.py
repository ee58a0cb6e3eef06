"""The complaint desk (投诉处理): tickets, SLA clocks on the shop's business calendar (issue 15)."""
