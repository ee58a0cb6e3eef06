"""The loop on one page: the home dashboard with targets and today's list, the weekly report, buyers' data rights
and the internal customers (eNPS, coaching). It reads every domain through their `service` functions."""
