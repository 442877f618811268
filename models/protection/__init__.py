"""Protecting reporters (R9–R11): retaliation risk and measures (``measures``), the custodian key
ceremony (``custodians``) and lifecycle (``custodian_lifecycle``, R24), requests to unseal an
identity and the custodians' answers (``unseal``), opening an approved identity and telling the
reporter (``disclosure``). ``tables`` (case store) and ``unseal_tables`` (vault store).
"""
