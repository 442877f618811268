"""The twelve key target categories of the working rules (重点对象 一…十二) plus "other" (R3)."""

from __future__ import annotations

from models.store.i18n import N_

CATEGORIES: dict[str, str] = {
    "political_infiltration": N_("Threatening political security or infiltrating politics"),
    "grassroots_power": N_("Controlling grass-roots power, rigging elections, seizing collective assets"),
    "village_bully": N_("Village bullies and clan forces oppressing residents"),
    "demolition": N_("Stirring trouble in land requisition, leasing, demolition or construction"),
    "industry_bully": N_("Construction, transport, mining, sand or river bullies"),
    "market_bully": N_("Market bullies: forced trading, protection fees"),
    "vice": N_("Pornography, gambling and drugs (黄赌毒)"),
    "usury": N_("Usurious lending and violent debt collection"),
    "underground_enforcement": N_('"Underground enforcement" in private disputes'),
    "cross_border": N_("Foreign or cross-border gangs"),
    "water_army": N_('Online "water armies" threatening or defaming people'),
    "urban_gang": N_("Urban gangs harming public order"),
    "other": N_("Other"),
}

# Where a clue came from (线索来源, R1).
CHANNELS = ("web", "api", "telegram", "phone", "letter", "visit", "referral")
SOURCES: dict[str, str] = {
    "public": N_("Report from the public"),
    "phone": N_("Telephone"),
    "letter": N_("Letter"),
    "visit": N_("Visit in person"),
    "superior": N_("Referred by a superior body"),
    "leader": N_("Referred by a leader"),
    "member_unit": N_("Referred by a member unit"),
    "enforcement": N_("Found in administrative enforcement"),
    "discipline": N_("Referred by discipline inspection"),
    "political_legal": N_("Referred by a political-legal organ"),
    "anti_gang_office": N_("Referred by an anti-gang office"),
}
