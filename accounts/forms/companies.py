"""Forms for companies."""
