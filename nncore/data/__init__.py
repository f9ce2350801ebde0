"""Datasets and the files they come from: reading workbooks and CSV files with their security
checks, the ``Dataset`` type, picture geometry, train/validation splits and feature scaling."""
