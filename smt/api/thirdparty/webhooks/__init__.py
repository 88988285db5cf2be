"""Webhooks (BEY-2): the events a company may subscribe to, its endpoints, the signed
deliveries and their retries. See docs/decisions.md, "Webhooks (BEY-2)"."""
