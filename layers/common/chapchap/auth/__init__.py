"""Authentication: password hashing, access tokens, accounts (register, sign in, profile) and
password reset. The request guard that reads the Authorization header is the HTTP edge's
(chapchap/http/guard.py)."""
