"""Mystery-shopper audits (神秘顾客): a plan (channel, scenario script, due date, the agent or team checked), an
auditor (a staff member, or an outside person through a signed link), and a score on the five SERVQUAL dimensions
plus the measured response time; results per agent and dimension over time."""
