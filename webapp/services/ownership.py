"""Who owns what, when accounts come and go: adoption by the first admin, hand-over on removal.

A data folder from before accounts (or used on loopback before any account existed) holds
datasets and runs with no owner. The first admin account adopts them when it is created, so
that nothing is lost and nothing becomes everyone's; the built-in sample stays everyone's.
An account that is removed hands its work to the oldest remaining admin.
"""
from webapp.db import transaction
from webapp.stores import datasets as dataset_store
from webapp.stores import runs as run_store


def adopt_unowned(owner_id):
    """The first admin ``owner_id`` takes every dataset (but the sample) and run nobody owns."""
    with transaction():
        dataset_store.reassign(None, owner_id)
    run_store.reassign(None, owner_id)


def hand_over(from_id, to_id):
    with transaction():
        dataset_store.reassign(from_id, to_id)
    run_store.reassign(from_id, to_id)
