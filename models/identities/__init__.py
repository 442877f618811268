"""Sealed identities in the vault store (R8, R9): writing a reporter's identity sealed to the
custodians (``sealing``), and the vault-store tables of identities, shares and custodians'
public keys (``tables``). Nothing here opens an identity.
"""
