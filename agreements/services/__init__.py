"""Every write of customer agreements (SPEC §5), one module per area: `core` (numbers, links,
history, the one status transition), `creation` (the 3rd party asks), `answers` (the customer
answers), `actions` (resend, extension, termination), `jobs` (expiries, Move-Out)."""
