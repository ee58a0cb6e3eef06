"""Customer value and lifecycle (DESIGN.md capability 7): RFM, CLV models, Pareto 20/80/30, stages, cohorts."""
