"""Customer value use cases in one place for the pages, the API, the CLI and jobs (see analysis and reports)."""

from .analysis import DEFAULT_PARAMS, merged_params, run_analysis
from .reports import (
    EXPORTS,
    SEGMENT_CODES,
    STAGE_ORDER,
    at_risk,
    audience_of,
    cohorts,
    customer_trend,
    customer_value,
    explain,
    export_rows,
    get_run,
    key_customers,
    latest_run,
    lifecycle,
    list_runs,
    previous_run,
    rfm_grid,
    score_dict,
    value_overview,
)

__all__ = [
    "DEFAULT_PARAMS", "EXPORTS", "SEGMENT_CODES", "STAGE_ORDER", "at_risk", "audience_of", "cohorts",
    "customer_trend", "customer_value", "explain", "export_rows", "get_run", "key_customers", "latest_run",
    "lifecycle", "list_runs", "merged_params", "previous_run", "rfm_grid", "run_analysis", "score_dict",
    "value_overview",
]
