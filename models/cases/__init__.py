"""Handling clues (R12–R18, R27, R28): reading and answering (``casework``), the life of a clue
(``workflow``: register, check, conclude, approve, close, archive, merge, refuse), written records
(``records``), transfer and feedback (``transfer``), deadlines and escalation (``deadlines``),
redaction (``redaction``), statistics, the follow-up survey (``survey``), and what the case page
shows (``casefile``). ``tables`` holds the workflow's tables.
"""
