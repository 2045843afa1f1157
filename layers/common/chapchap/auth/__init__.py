"""Authentication: password hashing, access tokens, and the request guard."""
