"""The generator's vocabulary: HMIC's Kent volumes, categories and their weights,
risk levels, neighbourhoods, names, outcomes and warning markers (all invented but the
volumes)."""

from __future__ import annotations

KENT_CRIMES_PER_YEAR = 9_010

#: Crimes a year by category; the first four figures are HMIC's, the rest assumed.
CATEGORY_WEIGHTS: dict[str, int] = {
    "violence_with_injury": 3_550 + 75,
    "harassment": 558,
    "sexual_offence": 188,
    "violence_without_injury": 2_300,
    "criminal_damage": 900,
    "coercive_control": 400,
    "threats": 350,
    "breach_of_order": 200,
    "harassment_fear_of_violence": 150,
    "stalking": 150,
    "threats_to_kill": 80,
    "stalking_fear_of_violence": 60,
    "strangulation": 49,
}
VIOLENT_FOR_PLANTING = (
    "violence_with_injury",
    "violence_without_injury",
    "threats_to_kill",
    "strangulation",
    "sexual_offence",
)
NON_VIOLENT_FOR_PLANTING = ("harassment", "coercive_control", "stalking", "criminal_damage")
RISK_LEVELS = ("standard", "medium", "high")
RISK_WEIGHTS = (0.71, 0.19, 0.10)

NEIGHBOURHOODS = (
    "Northgate",
    "Riverside",
    "Castle Hill",
    "Harbourside",
    "Millbrook",
    "Oakfield",
    "St Anne's",
    "Westcliff",
    "Eastbrook",
    "Kingsmead",
    "Marshlands",
    "Priory",
    "Southfields",
    "Abbey Wood Vale",
    "Chalk Downs",
    "Orchard Park",
    "Queensway",
    "Hopfield",
    "Seaview",
    "Brookside",
)
FEMALE_NAMES = (
    "Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Charlotte Jessica "
    "Daisy Sophie Ruby Chloe Freya Alice Sienna Phoebe Holly Megan Hannah Lucy Amy Laura "
    "Rebecca Sarah Emma Gemma Kirsty Leanne Stacey Donna Claire Nicola Michelle Kelly "
    "Joanne Lisa Karen Tracey Julie Dawn Samantha Natalie Zoe Katie Aisha Fatima Priya "
    "Zainab Maria Agnieszka Chantelle Jade Shannon Courtney "
    # more of the names women in England and Wales carry, across generations
    "Abigail Aimee Alexandra Alison Amanda Andrea Angela Anna Annabel Anne Ashleigh Bethany "
    "Beverley Bridget Caitlin Carly Caroline Carol Catherine Charlene Chelsea Christine "
    "Ciara Danielle Debbie Deborah Denise Eleanor Elizabeth Ellie Eloise Emilia Erin Esme "
    "Eve Fiona Florence Francesca Georgia Gillian Hayley Heather Helen Imogen Jacqueline "
    "Jane Janet Jasmine Jennifer Jenny Joanna Josephine Julia Kate Katherine Kayleigh "
    "Kerry Kimberley Kirsten Layla Leah Lauren Linda Lindsey Lorraine Louise Lydia Maisie "
    "Margaret Matilda Melissa Millie Molly Naomi Niamh Nadia Olga Paige Patricia Paula "
    "Rachel Rosie Sadie Sandra Sara Scarlett Sharon Sheila Siobhan Stephanie Susan Tanya "
    "Teresa Tia Toni Valerie Vanessa Victoria Wendy Yasmin Yvonne Zara"
).split()
MALE_NAMES = (
    "Oliver George Harry Jack Jacob Noah Charlie Thomas Oscar William James Leo Alfie "
    "Joshua Freddie Archie Ethan Logan Daniel Samuel Joseph Lewis Ryan Liam Callum Connor "
    "Jamie Dean Wayne Lee Darren Craig Gary Paul Mark Stephen Andrew David Michael Scott "
    "Jason Kevin Neil Shaun Stuart Carl Ricky Kyle Mohammed Ahmed Imran Tomasz Piotr "
    "Marius Adam Ben Matthew Nathan Aaron Reece "
    # more of the names men in England and Wales carry, across generations
    "Aiden Alan Alex Alexander Alistair Anthony Arthur Ashley Barry Benjamin Billy Bradley "
    "Brian Cameron Christopher Colin Dale Damian Danny Declan Dominic Dylan Edward Elliot "
    "Emmanuel Euan Finley Francis Frank Frederick Gareth Gavin Gordon Graham Grant Gregory "
    "Harrison Harvey Henry Hugh Ian Isaac Jake Jamal Jared Jay Jeffrey Jerome Jonathan "
    "Jordan Jude Justin Karl Keith Kieran Lawrence Leon Lloyd Luke Malcolm Martin Max "
    "Nathaniel Nicholas Nigel Owen Patrick Peter Philip Raymond Richard Robert Roger Ross "
    "Rory Russell Sean Sebastian Simon Spencer Stanley Terry Theo Timothy Toby Tony Trevor "
    "Tyler Victor Vincent Warren Zachary Zak Hamza Yusuf Bilal Krzysztof Andrei Florin"
).split()
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James "
    "Phillips Mason Mitchell Rose Davis Rodriguez Cox Alexander Morgan Moore Mills "
    "King Lee Baker Harris Turner Hill Cooper Ward Morris Moore Clark Carter Price "
    "Bennett Gray Hughes Edwards Collins Stewart Murphy Cook Rogers Bell Bailey Parker "
    "Kelly Howard Richardson Watson Brooks Chapman Knight Russell Marshall Ellis Palmer "
    "Shaw Holmes Fox Lloyd Webb Hunt Barnes Kowalski Nowak Ahmed Hussain Begum Ali "
    "Singh Okafor Mensah O'Brien Murray Fraser Campbell Reid Byrne Doyle Quinn"
).split()
# The long tail: real populations spread over tens of thousands of surnames, so a
# common name is evidence of little and a rare one of much (record linkage relies on
# it). Invented English-looking surnames from parts, after the common ones above.
_SURNAME_HEADS = (
    "Ash Black Brad Brook Cald Chat Clay Cran Dal Dun Elm Fair Fen Gar Glad Green Hal Har "
    "Haw Hol Kem Kings Lang Lind Mar Mid Mor Nor Oak Pem Rad Red Rush Sal Shel Stan Stock "
    "Sut Thorn Tow Wal War Wel West Whit Wim Win Wood Yar Brom Carl Dray Ful Hard Lyn Mil"
).split()
_SURNAME_TAILS = (
    "ford field ley ton well wood worth more by ham hurst cliffe dale wick stead ridge "
    "combe lock marsh shaw thorpe well brook cott den gate"
).split()
SURNAMES = tuple(SURNAMES) + tuple(
    head + tail for head in _SURNAME_HEADS for tail in _SURNAME_TAILS if head[-1] != tail[0]
)
#: Common surnames (the first list) hold about a quarter of people; the tail the rest.
_COMMON_SURNAMES = 104


CATEGORIES = tuple(CATEGORY_WEIGHTS)
CATEGORY_INDEX = {name: i for i, name in enumerate(CATEGORIES)}


#: Outcomes of domestic abuse crimes, roughly as Home Office outcome groups fall.
OUTCOMES = {
    "charged_or_summonsed": 0.12,
    "caution": 0.03,
    "victim_does_not_support": 0.45,
    "evidential_difficulties": 0.15,
    "no_further_action": 0.15,
    "under_investigation": 0.10,
}


#: Officer-safety warning markers a records system carries (contract 1.1).
WARNING_MARKERS = ("weapons", "violence", "violence to police", "drugs", "mental health")
