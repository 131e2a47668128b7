"""Stripe's request and response conventions, the plumbing every resource shares: the error
types that the skin turns into Stripe's error JSON (``errors``), the bracketed form encoding
(``forms``), typed reading of parameters that refuses unknown ones (``params``), and the list
envelope with cursor pagination (``listing``); and JSON from a client, read without trusting it
(``json_input``: the control API's bodies, and any number that must be a finite float).
Called ``protocol`` because that is what it is, Stripe's API as a wire convention, and not
``api`` because ``http.api`` already names the /v1 routes that speak it; it holds no state and
runs no server. It imports nothing of fake_stripe outside itself, so every other part may use
it.
"""
