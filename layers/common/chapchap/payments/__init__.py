"""Payments through Selcom, one module per job:

    start.py      a payment begins: checks, prompt limits, the Selcom order, the USSD push
    confirm.py    the one path to `completed` (webhook, verify, reconciliation, admin recheck)
    webhook.py    Selcom's webhook: recorded, then treated as a hint
    mine.py       the payer's own payments: list, verify
    downloads.py  a paid CV's PDF link (or a render under way)
    receipts.py   a completed payment's receipt PDF
    reconcile.py  the schedule that asks Selcom about pending payments and expires old ones
    selcom.py     the gateway client (+ selcom_signing.py, selcom_results.py)

What a CV is paid up to is chapchap/templates/pricing.py (the CV rules use it too).

The one rule: a payment becomes `completed` only after Selcom's order-status says
COMPLETED with the amount and currency we asked for, and that change, the CV becoming paid
and the revenue and paid counters moving are one transaction conditioned on the payment not
being completed yet. Webhooks are hints; every path that learns something from Selcom goes
through `confirm.confirm`, so any order or repetition of webhooks, verify calls and
reconciliation runs changes state once.
"""
