"""Every machine interface of the portal, one package each (see docs/architecture.md):

- `compat/`: the SMT-compatible API (API-1), SMT's own paths and shapes;
- `tdsp/`: the TDSP API (API-3), messages and usage files from the utilities;
- `thirdparty/`: the 3rd-party API (API-2);
- `common/`: what they share: the API-4 error body, JSON bodies, token headers, limits.

An API module is thin: it authenticates, parses and answers; the rules it applies are the
apps' services and selectors.
"""
