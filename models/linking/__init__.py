"""Connecting clues (R31, issue 24): a keyed blind index of the people, officials, places and
identifiers named in each clue, and search across every clue within need-to-know (R20)."""
