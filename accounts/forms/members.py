"""Forms for members."""
