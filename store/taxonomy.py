"""The tags of the codebook (shared/codebook.md), the one source of truth.

Slugs are stable identifiers (code, database, API); the French labels are what
staff and subscribers see. It lives in `store` because every stage speaks it
and `store` is the one package they all may import.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tag:
    slug: str
    label: str  # French, as staff and subscribers see it
    description: str


RELEVANCE = (
    Tag("yes", "Pertinent", "participation, citizen engagement, open government, civic tech"),
    Tag("no", "Hors sujet", "unrelated policy, hiring post, product update with no civic angle"),
)

PURPOSES = (
    Tag("information", "Information",
        "making public information accessible, raising awareness, citizen monitoring of officials"),
    Tag("mobilisation", "Mobilisation",
        "getting citizens to act together towards decision-makers or each other"),
    Tag("coproduction", "Co-production",
        "citizens and institutions producing decisions, policies or services together"),
    Tag("ecosystem", "Écosystème", "the sector itself rather than one purpose"),
)

THEMES = (
    Tag("participatory-budgeting", "Budgets participatifs",
        "participatory budgets of cities, departments, regions, schools, companies"),
    Tag("consultation", "Consultation & concertation",
        "public consultations, public debate (CNDP), concertation, online consultation platforms"),
    Tag("petition", "Pétitions & interpellation",
        "petitions, interpellation, citizens' initiatives, RIC"),
    Tag("deliberation", "Délibération & tirage au sort",
        "citizen assemblies and conventions, sortition, deliberative polls, national debates"),
    Tag("elections", "Élections, référendums & vote",
        "elections, referendums, e-voting, vote comparators, turnout, primaries, candidates"),
    Tag("open-government", "Transparence & gouvernement ouvert",
        "open government (OGP), transparency, lobbying registers, parliament monitoring, integrity"),
    Tag("open-data", "Open data & données",
        "open data, data for good, public data infrastructures, data science for participation"),
    Tag("local-democracy", "Démocratie locale",
        "initiatives of municipalities and local authorities, neighbourhood councils"),
    Tag("digital-inclusion", "Inclusion numérique",
        "digital divide, accessibility, mediation, reaching under-represented publics"),
    Tag("media-social-networks", "Médias & réseaux sociaux",
        "online public debate, social networks, disinformation, moderation"),
    Tag("ai-algorithms", "IA & algorithmes",
        "AI and algorithms in public action or in participation, algorithmic transparency"),
    Tag("civic-tech-sector", "Marché & acteurs de la civic tech",
        "start-ups, associations and companies of the field, funding, procurement, professions"),
    Tag("law-regulation", "Droit & régulation",
        "legal frameworks of participation, constitutional reform, GDPR, transparency laws"),
    Tag("impact-research", "Recherche & mesure d'impact",
        "academic research, studies, barometers, impact indicators, evaluations"),
    Tag("organisations", "Participation dans les organisations",
        "participation inside companies, unions, parties, associations"),
)

KINDS = (
    Tag("news", "Actualité", "news, announcement, blog post, press release"),
    Tag("event", "Agenda", "an event to come: conference, workshop, webinar, meeting"),
    Tag("publication", "Publication", "a report, study, guide, book, academic article, dataset"),
    Tag("call", "Appel", "a call for projects, applications, tenders, contributions, a job offer"),
)

DIMENSIONS = {"relevance": RELEVANCE, "purpose": PURPOSES, "themes": THEMES, "kind": KINDS}
_LABELS = {(dim, t.slug): t.label for dim, tags in DIMENSIONS.items() for t in tags}


def slugs(dimension: str) -> list[str]:
    return [t.slug for t in DIMENSIONS[dimension]]


def label(dimension: str, slug: str) -> str:
    """The French label of a slug; the slug itself if unknown (never crash a page)."""
    return _LABELS.get((dimension, slug), slug)
