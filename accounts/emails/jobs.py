"""Emails for jobs events (NTF-2)."""
