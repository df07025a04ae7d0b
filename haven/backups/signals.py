"""Sent inside the restore's transaction, after the rows and evidence files are back:
a receiver that raises rolls the whole restore back."""

from django.dispatch import Signal

restored = Signal()  # kwargs: manifest
