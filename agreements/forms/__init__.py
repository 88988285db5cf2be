"""Forms of customer agreements, one module per side like the views: `company` (the 3rd
party's and REP's pages) and `customer`."""
