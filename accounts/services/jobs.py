"""Scheduled account jobs."""
