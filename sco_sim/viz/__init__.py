"""What people look at: figures, reports of a results folder, and the interactive dashboard.

``plots`` (figures of results folders and scenarios), ``uncertainty_plots`` (figures of an
uncertainty analysis and a calibration), ``report`` (one file per results folder), ``app`` (the
Mesa SolaraViz page) and ``dashboard`` (serving it). Nothing below this package imports it.
"""
