"""Stores: one module per table, holding every SQL statement on it (services sit above them).

Only ``runs`` has one so far; the datasets table is still read and written by
``webapp.services.datasets``.
"""
