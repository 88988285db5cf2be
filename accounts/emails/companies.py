"""Emails for companies events (NTF-2)."""
