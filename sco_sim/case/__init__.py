"""The SCO case study: the record of 2001-2025, the stylized-fact validation and the calibration to it.

``record`` (the record's tables, in ``data/``), ``validation`` (the stylized facts against the
bundled scenarios: ``python -m sco_sim.case.validation``) and ``calibration`` (ABC-SMC against the
record and an out-of-sample test: ``sco-sim calibrate``). The library below uses none of it.
"""
