"""Intake from the public (R1–R7): the report and follow-up workflow every front end calls
(``intake``), evidence files sniffed (``files``) and cleaned of what identifies the reporter in a
limited child (``cleaning``), the twelve categories and the sources (``categories``), registry
numbers (``registry``, R13), reply notices (``notifications``) and orphans a crash can leave
(``orphans``). ``tables`` holds reports, data keys, files, messages.
"""
