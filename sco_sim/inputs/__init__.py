"""Inputs: scenario files, their checks and numeric form, parameter paths and declared uncertainty.

``scenario`` (the TOML schema, ``extends``, every check), ``config`` (the arrays the model reads),
``parameters`` (dotted paths and ``--set``), ``uncertain`` (the ``[[uncertain]]`` declarations),
``catalogue`` (the bundled scenarios and experiments by name) and ``errors`` (one-line input errors).
"""
