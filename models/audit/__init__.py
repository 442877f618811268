"""The audit trail (R23): every view, export, unseal step, state change and sign-in, appended to a
hash chain in the caller's transaction. ``trail`` records and verifies; ``tables`` holds the
events and the chain's head. Never clue content or identity.
"""
