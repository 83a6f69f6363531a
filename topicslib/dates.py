"""Month names as dates write them, in English and Spanish: the one list that every reader of a written date
(a news story's dateline in ``documents``, a record's date in ``trends``) goes by.

>>> MONTHS["set"], MONTHS["Sept".lower()], MONTHS["diciembre"]
(9, 9, 12)
>>> import re
>>> re.fullmatch(MONTH_NAME, "setiembre") is not None, re.fullmatch(MONTH_NAME, "seps") is not None
(True, False)
"""

from __future__ import annotations

# Each month's names, full and short, lower case: English, then Spanish ("set", "setiembre": September as
# Peru, Uruguay and Paraguay write it).
MONTHS: dict[str, int] = {name: k for k, names in enumerate((
    "january jan enero ene", "february feb febrero", "march mar marzo", "april apr abril abr", "may mayo",
    "june jun junio", "july jul julio", "august aug agosto ago", "september sep sept septiembre setiembre set",
    "october oct octubre", "november nov noviembre", "december dec diciembre dic"), 1) for name in names.split()}
# A regular expression matching any of them (lower case; use it case-insensitively), longest first.
MONTH_NAME = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
