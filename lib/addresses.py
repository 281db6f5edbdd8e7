"""The one form of an email address, for storing, matching and sending.

`normalise` checks the address with email-validator (no display name, no quoted or malformed
local part, a domain with a dot; no DNS lookup) and returns its normal form: the domain as
email-validator writes it (lower case, IDNA-mapped), the local part with its ASCII letters in
lower case. Other characters are kept exactly, and a local part that Unicode normalisation
would rewrite (the Kelvin sign U+212A becoming the letter K) is refused: two addresses that
differ there are never taken for one, and an address that looks like another is never stored.
"""

from __future__ import annotations

import string
import unicodedata

from email_validator import EmailNotValidError, validate_email

from lib.i18n import t

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalise(value: str) -> str:
    """The normal form of `value` (surrounding spaces ignored); ValueError with a French message
    when it is not a plain address."""
    typed = (value or "").strip()
    try:
        found = validate_email(typed, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(t("validation.email")) from None
    local = typed.rpartition("@")[0]
    if found.local_part != local:
        odd = next((c for c in local if unicodedata.normalize("NFC", c) != c), None)
        raise ValueError(t("validation.email_spelling", code=f"U+{ord(odd):04X}") if odd else t("validation.email"))
    return f"{found.local_part.translate(_ASCII_LOWER)}@{found.domain}"


def matchable(value: object) -> str | None:
    """The normal form of a typed or claimed address, or None when it is not a plain address:
    such a value matches no account."""
    try:
        return normalise(value) if isinstance(value, str) else None
    except ValueError:
        return None
