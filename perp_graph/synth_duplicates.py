"""Duplicate person records for the synthetic data: the same person recorded twice.

Police systems hold one person under several records: a misspelt or
shortened forename, a surname typo, a married surname with the old one as an
alias, day and month of birth swapped, a missing PNC id, a new address (the
kinds of noise issue 6 names; a date of birth is nearly always recorded for a
person in a crime record, so it is kept). Here a share of people get a second
record with such noise, and some of their incidents, relationships and orders move to it, as if
later events were recorded against the new record. The two records of one
person never share an incident (an incident lists a person once).

The ground truth is the list of (original, duplicate) id pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perp_graph.names import FAMILIAR_FORMS

#: Familiar forms of forenames (perp_graph/names.py, which the resolver reads too).
NICKNAMES = FAMILIAR_FORMS


def nickname_of(forename: str, rng: np.random.Generator) -> str | None:
    """A familiar form of `forename` (perp_graph.names), drawn at random; None when it
    has none."""
    forms = NICKNAMES.get(forename)
    return str(rng.choice(forms)) if forms else None


def typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard slip: a letter dropped, doubled, swapped with the next, or changed."""
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    letter = "aeiounrstl"[int(rng.integers(0, 10))]
    return text[:i] + letter + text[i + 1 :]


def _noisy_birth_date(iso: str, rng: np.random.Generator) -> str:
    """Day and month swapped (a UK/US date mix-up) on some records; otherwise as before."""
    if not iso:
        return iso
    year, month, day = iso.split("-")
    if rng.random() < 0.15 and int(day) <= 12 and day != month:
        return f"{year}-{day}-{month}"
    return iso


def add_duplicates(
    frames: dict[str, pd.DataFrame], rate: float, rng: np.random.Generator
) -> tuple[dict[str, pd.DataFrame], list[tuple[str, str]]]:
    """Record `rate` of the people a second time; return the frames and the id pairs."""
    people = frames["people"].reset_index(drop=True)
    n = len(people)
    chosen = np.sort(rng.choice(n, size=round(n * rate), replace=False)) if rate > 0 else []
    width = len(people["person_id"].iloc[0]) - 1 if n else 7
    next_number = n + 1
    copies, pairs = [], []
    involvements = frames["involvements"].copy()
    relationships = frames["relationships"].copy()
    orders = frames["orders"].copy()
    by_person = involvements.groupby("person_id").indices
    incident_of = involvements["incident_id"].to_numpy()
    moves_inv: dict[int, str] = {}
    all_surnames = people["surname"].to_numpy()
    originals = people.iloc[chosen].to_dict("records") if len(chosen) else []
    for original in originals:
        new_id = f"P{next_number:0{width}d}"
        next_number += 1
        copy = dict(original)
        copy["person_id"] = new_id
        forenames = str(original["forenames"])
        draw = rng.random()
        if draw < 0.25 and (nick := nickname_of(forenames, rng)):
            copy["forenames"] = nick
        elif draw < 0.45:
            copy["forenames"] = typo(forenames, rng)
        surname = str(original["surname"])
        draw = rng.random()
        if original["gender"] == "F" and draw < 0.10:
            copy["surname"] = str(all_surnames[int(rng.integers(0, n))])
            copy["aliases"] = f"{forenames} {surname}"  # the maiden name kept as an alias
        elif draw < 0.30:
            copy["surname"] = typo(surname, rng)
        copy["date_of_birth"] = _noisy_birth_date(str(original["date_of_birth"]), rng)
        if original["pnc_id"] and rng.random() < 0.5:
            copy["pnc_id"] = ""
        if rng.random() < 0.3:
            copy["home_postcode"] = (
                "ZZ"
                + str(int(rng.integers(1, 10)))
                + " "
                + str(int(rng.integers(0, 10)))
                + "".join(rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), 2))
            )
        copies.append(copy)
        pairs.append((str(original["person_id"]), new_id))
        rows = by_person.get(original["person_id"], np.array([], dtype=int))
        incidents = np.unique(incident_of[rows]) if len(rows) else rows
        if len(incidents) >= 2:
            # Some of the person's incidents are recorded against the new record (all of
            # the person's rows in an incident move together: an incident lists a person
            # once, even when they were both victim and suspect in it).
            moving = incidents[rng.random(len(incidents)) < 0.5]
            if len(moving) == 0 or len(moving) == len(incidents):
                moving = incidents[-1:]
            for r in rows[np.isin(incident_of[rows], moving)]:
                moves_inv[int(r)] = new_id
    # Some relationships and orders are recorded against the new record too.
    new_id_of = dict(pairs)
    for table in (relationships, orders):
        for column in [c for c in ("person_id_a", "person_id_b", "person_id") if c in table]:
            hit = table[column].isin(new_id_of).to_numpy() & (rng.random(len(table)) < 0.3)
            table.loc[hit, column] = table.loc[hit, column].map(new_id_of)
    if moves_inv:
        index = np.fromiter(moves_inv, dtype=int)
        involvements.loc[index, "person_id"] = [moves_inv[i] for i in index]
    out = dict(frames)
    out["people"] = pd.concat([people, pd.DataFrame(copies)], ignore_index=True)
    out["involvements"] = involvements
    out["relationships"] = relationships
    out["orders"] = orders
    return out, pairs
