"""Deterministic rules on a pair of cleaned person records (identity/clean.py rows).

The model's score says how alike two records are; these rules say what the score must
not override:
- suspected twins or siblings: the same surname and date of birth, forenames that are
  not the same, a familiar form, an initial or a near spelling of each other (the
  Ministry of Justice's person matching forces such pairs strongly negative);
- a sex recorded M on one and F on the other;
- dates of birth both known and more than a slip apart (a father and his son);
and what a merge needs besides a high score: surnames that agree (or names swapped
between the columns) and a date of birth that agrees, or, with no date of birth to
compare, the same postcode and forenames that agree. Names alone never merge.

Near spellings are read against the data: two surnames a slip apart that are each
common in it (Hill and Hall) are two surnames, not one misspelt (established_surnames).
A postcode one character off in its inward code is the same address only where a
merge needs an address besides agreeing names and date of birth (same_address).

Sources: issue 14 (clause 2: twins, near relatives, sex, the whole-cluster check;
clause 3: swapped columns, transpositions, initials, double-barrelled surnames, blank
dates of birth; clause 4: placeholders are unknowns, applied in clean.py) and
shared/guide/identity.md (the Ministry of Justice's hmpps-person-match and
hmpps-person-record: twins forced strongly negative, a date of birth slip only within
a decade, clusters re-checked before a record joins). Every function here takes rows of
identity.clean.prepare() (mappings; None is unknown) and raises nothing on them.

String similarity comes from jellyfish (Damerau-Levenshtein: a transposition, Reid and
Ried, is one edit; Jaro-Winkler), the same measures Splink's comparisons use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jellyfish

#: A row of identity.clean.prepare() as a mapping.
Record = Mapping[str, object]

#: Two surnames a slip apart (one edit, Jaro-Winkler) are two surnames, not one misspelt,
#: when each is held by at least this many records of the data resolved...
ESTABLISHED_MIN_RECORDS = 5
#: ...and the rarer by at least this share of the records holding the commoner. A slip of
#: the pen makes a spelling that is rare beside the one it comes from (Smiht beside Smith);
#: Hill and Hall, Davies and Davis, Clark and Clarke are each common in their own right.
ESTABLISHED_RATIO = 0.1


def _near(a: str, b: str, jw: float = 0.9) -> bool:
    """The same, one edit apart (a transposition counts as one), or Jaro-Winkler >= jw."""
    if a == b:
        return True
    # One edit; between very short names only a dropped letter ("In" for Ian), not a
    # changed one (Al and Ali, yes; Jo and Mo, no).
    if (
        max(len(a), len(b)) >= 3
        and (min(len(a), len(b)) >= 3 or len(a) != len(b))
        and jellyfish.damerau_levenshtein_distance(a, b) <= 1
    ):
        return True
    return jellyfish.jaro_winkler_similarity(a, b) >= jw


def forenames_related(a: Record, b: Record) -> bool:
    """Both forenames known and one may stand for the other: the same, a familiar form
    (Bill, William), an initial (J, John), a short form (Chris, Christopher), a near
    spelling, or one record's first forename is among the other's forenames."""
    fa, fb = a.get("forename"), b.get("forename")
    if not fa or not fb:
        return False
    if _near(fa, fb, 0.88):
        return True
    whole_a = str(a.get("forenames_all") or "").replace(" ", "")
    whole_b = str(b.get("forenames_all") or "").replace(" ", "")
    if whole_a in (whole_b, fb) or whole_b == fa:  # "Ja ck" is Jack
        return True
    if len(whole_a) >= 4 and len(whole_b) >= 4 and _near(whole_a, whole_b):
        return True  # Lee-Anne and Leanne
    if set(a.get("forename_forms") or ()) & set(b.get("forename_forms") or ()):
        return True
    short, long_ = sorted((fa, fb), key=len)
    if long_.startswith(short) and (len(short) == 1 or len(short) >= 3):
        return True
    others_a = str(a.get("forenames_all") or "").split()
    others_b = str(b.get("forenames_all") or "").split()
    return fa in others_b or fb in others_a


def forenames_differ(a: Record, b: Record) -> bool:
    """Both forenames known and not related (see forenames_related): issue 14 clause 2,
    "different forenames that are not familiar forms or initials of each other"."""
    return bool(a.get("forename")) and bool(b.get("forename")) and not forenames_related(a, b)


def names_crossed(a: Record, b: Record) -> bool:
    """Forename and surname swapped between the columns (Smith John / John Smith)."""
    fa, sa, fb, sb = a.get("forename"), a.get("surname"), b.get("forename"), b.get("surname")
    if not (fa and sa and fb and sb) or (fa == fb and sa == sb):
        return False
    return _near(fa, sb) and _near(sa, fb)


def surnames_agree(a: str, b: str, aliases_a: Sequence[str], aliases_b: Sequence[str]) -> bool:
    """The same surname, one the other's alias (a married or maiden name), a shared part
    of a double-barrelled name, or a near spelling (one edit, a transposition counted as
    one; or Jaro-Winkler >= 0.9). Blank is unknown: never agreement."""
    from perp_graph.identity.clean import clean_name

    ta, tb = clean_name(a).split(), clean_name(b).split()
    if not ta or not tb:
        return False
    ka, kb = "".join(ta), "".join(tb)
    if ka == kb or ka in aliases_b or kb in aliases_a:
        return True
    if {t for t in ta if len(t) > 1} & {t for t in tb if len(t) > 1}:
        return True
    return _near(ka, kb)


def record_surnames_agree(a: Record, b: Record) -> bool:
    """surnames_agree on two cleaned records (their surname tokens and aliases); a near
    spelling agrees only when it may be a slip (not two established surnames)."""
    sa, sb = a.get("surname"), b.get("surname")
    if not sa or not sb:
        return False
    if sa == sb or sa in (b.get("alias_surnames") or ()) or sb in (a.get("alias_surnames") or ()):
        return True
    if set(a.get("surname_tokens") or ()) & set(b.get("surname_tokens") or ()):
        return True
    return _near(str(sa), str(sb)) and not established_surnames(a, b)


def established_surnames(a: Record, b: Record) -> bool:
    """Both records' surnames are established in the data: two different spellings, each
    held by at least ESTABLISHED_MIN_RECORDS records, the rarer by at least
    ESTABLISHED_RATIO of the commoner's records (the column `surname_records` of
    identity.clean.prepare; a record without it counts as rare). Such a pair (Hill and
    Hall) is two surnames however alike they look, not a slip; a rare spelling beside a
    common one (Smiht beside Smith) may be a slip."""
    if a.get("surname") == b.get("surname"):
        return False
    na, nb = int(a.get("surname_records") or 0), int(b.get("surname_records") or 0)
    rarer, commoner = sorted((na, nb))
    return rarer >= ESTABLISHED_MIN_RECORDS and rarer >= ESTABLISHED_RATIO * commoner


def same_address(a: Record, b: Record) -> bool:
    """Both postcodes known and the same, or a slip in the inward code: the same outward
    code and inward codes of one length differing in one character (CF10 1AA / CF10 1AB).
    A slip is taken as the same address only where the rules ask for an address besides a
    name and a date of birth that already agree, never on its own."""
    pa, pb = a.get("postcode"), b.get("postcode")
    if not pa or not pb:
        return False
    if pa == pb:
        return True
    outward_a, _, inward_a = str(pa).partition(" ")
    outward_b, _, inward_b = str(pb).partition(" ")
    return (
        outward_a == outward_b
        and len(inward_a) == len(inward_b) > 0
        and sum(x != y for x, y in zip(inward_a, inward_b, strict=True)) == 1
    )


def dates_of_birth(a: Record, b: Record) -> str:
    """How two dates of birth compare: "unknown" (either blank or a placeholder), "same"
    (or day and month swapped), "slip" (one character apart, a transposition counted as
    one, in the same decade), "near" (the same year and month or the same year and day, or
    the same day and month with years one edit and at most 10 years apart: one field
    mistyped, never a parent and child), or
    "differ"."""
    da, db = a.get("date_of_birth"), b.get("date_of_birth")
    if not da or not db:
        return "unknown"
    if da == db or da == b.get("dob_swapped") or a.get("dob_swapped") == db:
        return "same"
    if da[:3] == db[:3] and jellyfish.damerau_levenshtein_distance(da, db) <= 1:
        return "slip"
    if da[:4] == db[:4] and (da[5:7] == db[5:7] or da[8:] == db[8:]):
        return "near"
    if (
        da[4:] == db[4:]
        and abs(int(da[:4]) - int(db[:4])) <= 10
        and jellyfish.damerau_levenshtein_distance(da[:4], db[:4]) <= 1
    ):
        return "near"
    return "differ"


def conflict(a: Record, b: Record) -> str | None:
    """Why two records must not be merged without an analyst, or None.

    Returns a reason code: "twins" (same surname and date of birth, forenames that
    differ), "sex" (M and F) or "born apart" (dates of birth more than a slip apart).
    Issue 14 clause 2 (never merge twins or near relatives; M against F is evidence
    against); the MoJ forces suspected twins to a strongly negative score (identity.md)."""
    born = dates_of_birth(a, b)
    if (
        born == "same"
        and forenames_differ(a, b)
        and record_surnames_agree(a, b)
        and not names_crossed(a, b)
    ):
        return "twins"
    ga, gb = a.get("gender"), b.get("gender")
    if ga and gb and ga != gb:
        return "sex"
    if born == "differ":
        return "born apart"
    return None


def surname_agreement(a: Record, b: Record) -> str:
    """How two records' surnames compare: "unknown" (either blank), "strong" (the same, an
    alias, a shared part of a double-barrelled name, one edit or Jaro-Winkler >= 0.9),
    "weak" (Jaro-Winkler >= 0.8, or two edits) or "differ" (also two established
    surnames however alike: see established_surnames)."""
    sa, sb = a.get("surname"), b.get("surname")
    if not sa or not sb:
        return "unknown"
    if record_surnames_agree(a, b):
        return "strong"
    if established_surnames(a, b):
        return "differ"
    if (
        jellyfish.jaro_winkler_similarity(str(sa), str(sb)) >= 0.8
        or jellyfish.damerau_levenshtein_distance(str(sa), str(sb)) <= 2
    ):
        return "weak"
    return "differ"


def names_disagree(a: Record, b: Record) -> str | None:
    """Why two records' names say they are two people, or None: "forenames differ" (both
    known, not related) or "surnames differ" (both known and neither the same, an alias, a
    shared part nor a near spelling; a weaker likeness counts only with the same date of
    birth, and a surname that differs is let through only as corroborated() lets it: with
    related forenames, the same date of birth and the same postcode). A blank name is
    unknown and never disagrees; names are also read with one record's forename and
    surname swapped (Smith John / Jon Smith; Caitlin Masvn / Masonh Caitlin, one blank).

    The cluster check asks it of every pair of records an identity would hold, so that a
    chain of near spellings (Johns, Jones, Hones) never makes Johns and Hones one person."""
    why = _names_disagree(a, b)
    swap_helps = (
        why is not None
        and b.get("forename") != b.get("surname")
        and _names_disagree(a, _swapped(b)) is None
    )
    return None if swap_helps else why


def _swapped(b: Record) -> dict[str, object]:
    """A cleaned record with its forename and surname swapped between the columns."""
    from perp_graph.identity.clean import forename_forms

    fore, sur = b.get("surname"), b.get("forename")
    return {
        **b,
        "forename": fore,
        "forenames_all": fore,
        "forename_forms": forename_forms(fore) if fore else [],
        "surname": sur,
        "surname_tokens": [sur] if sur and len(str(sur)) > 1 else [],
        "alias_surnames": [],
    }


def _names_disagree(a: Record, b: Record) -> str | None:
    if names_crossed(a, b):
        return None
    if forenames_differ(a, b):
        return "forenames differ"
    surnames = surname_agreement(a, b)
    if surnames in ("strong", "unknown"):
        return None
    born = dates_of_birth(a, b)
    if surnames == "weak" and born == "same":
        return None
    same_postcode = same_address(a, b)
    if forenames_related(a, b) and born == "same" and same_postcode:
        return None
    return "surnames differ"


def corroborated(a: Record, b: Record) -> str | None:
    """None when the records agree on enough to merge on a high score, else what is missing.

    Enough, besides forenames that do not differ (related, or one unknown):
    - names: surnames agree (or are near and the date of birth is the same), or the names
      are swapped between the columns; a surname that differs or is blank is enough only
      with related forenames, the same date of birth and the same address (same_address:
      the postcode, or a slip in its inward code; a new married name with no alias);
    - date of birth: the same (or day and month swapped), a slip, or one field mistyped
      with related forenames and agreeing surnames (only the same, for names swapped
      between the columns); a blank forename then also needs the same address. With no
      date of birth to compare: the very same postcode, related forenames and agreeing
      surnames. Names alone never merge.

    Names are also read with one record's forename and surname swapped between the
    columns (Dante Davila / Davila Dante with the surname changed) when the dates of
    birth are the same: the pair is then corroborated when, so read, it is and no rule
    (conflict) keeps it apart, so a swap never lets twins through (Brody Bordin / Bordin
    Joel born the same day)."""
    why = _corroborated(a, b)
    if why is None or b.get("forename") == b.get("surname"):
        return why
    if dates_of_birth(a, b) != "same":
        # With no date of birth, Thomas Owen and Owen Thomas at one address are two
        # people as often as one swapped (the skewed benchmark: precision 0.98 -> 0.94).
        return why
    swapped = _swapped(b)
    if (
        not names_crossed(a, swapped)  # read swapped twice: as written, already refused
        and conflict(a, swapped) is None
        and _corroborated(a, swapped) is None
    ):
        return None
    return why


def _corroborated(a: Record, b: Record) -> str | None:
    crossed = names_crossed(a, b)
    if not crossed and forenames_differ(a, b):
        return "forenames differ"
    related = forenames_related(a, b)
    same_postcode = same_address(a, b)
    born = dates_of_birth(a, b)
    surnames = surname_agreement(a, b)
    if not (
        crossed
        or surnames == "strong"
        or (surnames == "weak" and born == "same")
        or (related and born == "same" and same_postcode)
    ):
        return "a surname is unknown" if surnames == "unknown" else "surnames differ"
    if born == "near" and not (related and surnames == "strong"):
        return "no date of birth agrees"
    if crossed and surnames != "strong" and born != "same":
        # Thomas James and James Thomas are two people as often as one swapped.
        return "no date of birth agrees"
    if born in ("same", "slip", "near"):
        forenames_known = bool(a.get("forename")) and bool(b.get("forename"))
        return None if forenames_known or same_postcode else "a forename is unknown"
    # With no date of birth, the address must be the same one (a slip is not enough).
    exact_postcode = bool(a.get("postcode")) and a.get("postcode") == b.get("postcode")
    if born == "unknown" and exact_postcode and related and (crossed or surnames == "strong"):
        return None
    return "no date of birth agrees"
