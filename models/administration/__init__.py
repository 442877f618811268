"""Administering staff accounts (R24, R29): listing, adding, deactivating with the handover rule,
reactivating, unlocking, resets (``staff_admin``). The top domain: it checks every other's hold
on an account (cases, custodian shares, unseal requests) before letting it go.
"""
