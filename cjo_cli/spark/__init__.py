"""The Spark executor: the same reports and replays as the DuckDB engine, on a cluster.

Nothing here holds journey or funnel logic of its own. Spark reads the files (each
with cjo's own reader, so the rules and rejects are the same), groups each
customer's rows, and runs the same per-customer Python (`engine.replay`,
`engine.funnel_exact` through `engine.funnel_customer`); Spark SQL adds up the
results. pyspark is imported only here, and only when `--engine spark` is asked for.
"""
