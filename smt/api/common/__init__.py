"""What every API of the portal shares: errors, request bodies, credentials, rate limits."""
