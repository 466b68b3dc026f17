"""The model: the SCO's decision protocol as plain compiled functions, and the Mesa agents that act it out.

``geometry`` (utility, acceptance), ``rules`` (decision rules), ``agenda`` (proposers, issue
areas), ``drafting`` (step, compromise, agenda setter, amendment), ``mechanisms`` (side payments,
subset texts, sense of community), ``streams`` (counter-based random numbers), ``schedule`` (what
each meeting brings), ``outputs`` (the tables' columns), ``agents`` (``MemberState``) and
``organisation`` (``SCOModel``, the Mesa model).
"""
