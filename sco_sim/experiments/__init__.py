"""Experiments: designed sweeps over many scenarios and replications, where they run and where rows go.

``experiment`` (the validated experiment file), ``designs`` (which values each design point gets),
``sweep`` (running the tasks, resumable), ``executors`` (in process, a process pool, Dask),
``store`` (one Parquet file per task), ``output`` (the one atomic writer and the manifest),
``results`` (reading a results folder back) and ``sensitivity`` (SALib indices of a sobol or morris
design, beside the designs they belong to).
"""
