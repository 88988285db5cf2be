"""Pages of customer agreements: `company` (the 3rd party's and REP's side) and `customer`
(the customer's side and the emailed Accept/Reject links)."""
