"""Writes for clients."""
