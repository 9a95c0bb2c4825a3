"""Analytics computed on the server from a panel's data: forecasts, anomaly bands, trends and
transforms of time series, cohort retention and experiment statistics.

Pure computation on pandas frames (no Dash, no plotly): each function takes series or tables and
returns a small frozen dataclass, with the reason in words when it cannot be computed (too little
data, a constant series) instead of an exception. `analytics.memo` keeps a result under the
version of the data it came from, so a model is computed once per data version.
"""
