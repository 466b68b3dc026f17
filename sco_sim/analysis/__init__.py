"""Analysis of run results: the output vocabulary, summaries, intervals, voting power and winsets.

``vocabulary`` (every metric declared once), ``summary`` (per-run metrics and their means),
``intervals`` (every confidence interval), ``power`` (a priori voting power), ``winset`` (the share of
the policy space that beats the status quo), ``uncertainty`` (propagating declared input uncertainty)
and ``ema`` (a scenario as an EMA Workbench model).
"""
