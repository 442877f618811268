"""Staff accounts (R29, R30): Argon2id passwords, TOTP with replay protection, lockout, the
confidentiality pledge, and protection officers' key pairs wrapped by their sign-in password
(``officer_keys``). ``tables`` holds units, staff and officer keys.
"""
