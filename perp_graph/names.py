"""Names shared by the synthetic data generator and identity resolution.

A neutral module: the generator (perp_graph/synth_duplicates.py) draws familiar forms
from it to make noisy duplicates, and the matcher (perp_graph/identity/clean.py) reads it
to know that Bill may be William. Neither imports the other. The table is general
English (and a few Polish) usage, written here, not taken from any data set.
"""

from __future__ import annotations

#: Full forename -> its familiar forms (short forms, pet names, common respellings).
#: Read both ways round by the matcher: "sam" may be samuel or samantha.
FAMILIAR_FORMS: dict[str, tuple[str, ...]] = {
    "William": ("Will", "Bill", "Billy"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Michael": ("Mike", "Mick"),
    "Thomas": ("Tom", "Tommy"),
    "Daniel": ("Dan", "Danny"),
    "Samuel": ("Sam", "Sammy"),
    "Joseph": ("Joe", "Joey"),
    "Matthew": ("Matt",),
    "Stephen": ("Steve", "Stevie"),
    "Andrew": ("Andy", "Drew"),
    "David": ("Dave", "Davey"),
    "Benjamin": ("Ben",),
    "Nathan": ("Nate",),
    "Alexander": ("Alex",),
    "Joshua": ("Josh",),
    "Frederick": ("Freddie", "Fred"),
    "Kevin": ("Kev",),
    "Stuart": ("Stu",),
    "Mohammed": ("Mohammad", "Muhammad", "Mo"),
    "Samantha": ("Sam", "Sammy"),
    "Rebecca": ("Becky", "Becca"),
    "Jessica": ("Jess",),
    "Charlotte": ("Charlie", "Lottie"),
    "Nicola": ("Nicky", "Nikki"),
    "Natalie": ("Nat",),
    "Michelle": ("Shelley",),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Katherine": ("Kate", "Katie"),
    "Victoria": ("Vicky",),
    "Jacqueline": ("Jackie",),
    "Stacey": ("Stace",),
    "Sophie": ("Soph",),
    "Tracey": ("Tracy",),
    "Gemma": ("Jemma",),
    "Leanne": ("Lee-Anne",),
    "Agnieszka": ("Aga",),
    "Tomasz": ("Tomek",),
    "Piotr": ("Peter",),
}
