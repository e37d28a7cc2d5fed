"""Limits the program refuses past and the pack judges by: one number each, in one place."""

from __future__ import annotations

from typing import Final

MAX_SECRET_LIFETIME_DAYS: Final = 365
"""One year: the policy pack's default ``client-secret-expiry`` ``maxLifetimeDays``. The newest
secret's end date is never more than one lifetime ahead, so every accepted value passes the pack
on every day of the rotation; a longer lifetime would be refused by the pack on some days."""
