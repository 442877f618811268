"""Confidentiality management (R19–R22, R25): who may read a clue (``need_to_know``, R20).
"""
