"""The 3rd-party API (API-2): what a 3rd party does in the browser, as an API. Built by its
own issue; its `urls.py` joins `smt/urls.py` beside the other APIs."""
