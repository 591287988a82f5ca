"""The tags of the codebook (shared/codebook.md), the one source of truth.

Slugs are stable identifiers (code, database, API); French labels are what
staff and subscribers see, copied exactly from the codebook (a test parses it
and fails when the two drift apart: change the codebook first, then this
file). It lives in `store` because every stage speaks it and `store` is the
one package they all may import.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tag:
    slug: str
    label: str  # French, as staff and subscribers see it
    description: str


Label = Tag  # the classifier's name for it

# The codebook names relevance `relevant` (yes / no) without French labels;
# these two are ours, for display only.
RELEVANCE: tuple[Tag, ...] = (
    Tag("yes", "Pertinent", "about participation, citizen engagement, open government, "
          "or the tools, actors, markets, rules or research of civic tech / digital democracy"),
    Tag("no", "Hors sujet", "an unrelated policy, a hiring post, a product update with no civic angle"),
)

PURPOSES: tuple[Tag, ...] = (
    Tag("information", "Information", "making public information accessible and understandable, "
          "raising awareness, citizen monitoring of officials"),
    Tag("mobilisation", "Mobilisation", "getting citizens to act together towards decision-makers "
          "or each other"),
    Tag("coproduction", "Co-production", "citizens and institutions producing decisions, policies "
          "or services together"),
    Tag("ecosystem", "Écosystème", "the sector itself rather than one purpose"),
)

THEMES: tuple[Tag, ...] = (
    Tag("participatory-budgeting", "Budgets participatifs",
          "participatory budgets of cities, departments, regions, schools, companies"),
    Tag("consultation", "Consultation & concertation",
          "public consultations, public debate (CNDP), concertation of projects, "
          "online consultation platforms"),
    Tag("petition", "Pétitions & interpellation",
          "petitions (official or private), interpellation, citizens' initiatives, RIC"),
    Tag("deliberation", "Délibération & tirage au sort",
          "citizen assemblies and conventions, sortition, deliberative polls, national debates"),
    Tag("elections", "Élections, référendums & vote",
          "elections, referendums and their initiative procedures, e-voting, vote comparators, "
          "turnout, primaries, candidates"),
    Tag("open-government", "Transparence & gouvernement ouvert",
          "open government (OGP), transparency, lobbying registers, parliament and officials "
          "monitoring, integrity"),
    Tag("open-data", "Open data & données",
          "open data, data for good, public data infrastructures, data science for participation"),
    Tag("local-democracy", "Démocratie locale",
          "initiatives of municipalities and other local authorities, neighbourhood councils, "
          "local elected officials"),
    Tag("digital-inclusion", "Inclusion numérique",
          "digital divide, accessibility, mediation, reaching under-represented publics, "
          "hybrid online/offline participation"),
    Tag("media-social-networks", "Médias & réseaux sociaux",
          "online public debate, social networks, disinformation, moderation, "
          "platforms' role in democracy"),
    Tag("ai-algorithms", "IA & algorithmes",
          "AI and algorithms in public action or in participation, algorithmic transparency"),
    Tag("civic-tech-sector", "Marché & acteurs de la civic tech",
          "start-ups, associations and companies of the field, funding, business models, "
          "procurement, professions and skills"),
    Tag("law-regulation", "Droit & régulation",
          "legal frameworks of participation, constitutional reform, GDPR, laws on consultation "
          "or transparency"),
    Tag("impact-research", "Recherche & mesure d'impact",
          "academic research, studies, barometers, impact indicators, evaluations"),
    Tag("organisations", "Participation dans les organisations",
          "participation inside companies, unions, parties, associations"),
)

KINDS: tuple[Tag, ...] = (
    Tag("news", "Actualité", "news, announcement, blog post, press release"),
    Tag("event", "Agenda", "an event to come: conference, workshop, webinar, meeting (with a date)"),
    Tag("publication", "Publication",
          "a report, study, guide, book, academic article, dataset release"),
    Tag("call", "Appel", "a call for projects, applications, tenders, contributions, "
          "or a job offer in the field"),
)

DIMENSIONS: dict[str, tuple[Tag, ...]] = {
    "relevance": RELEVANCE,
    "purpose": PURPOSES,
    "themes": THEMES,
    "kind": KINDS,
}

PURPOSE_SLUGS = tuple(x.slug for x in PURPOSES)
THEME_SLUGS = tuple(x.slug for x in THEMES)
KIND_SLUGS = tuple(x.slug for x in KINDS)


_LABELS = {(dim, t.slug): t.label for dim, tags in DIMENSIONS.items() for t in tags}


def slugs(dimension: str) -> tuple[str, ...]:
    """The slugs of one dimension, in codebook order."""
    try:
        return tuple(t.slug for t in DIMENSIONS[dimension])
    except KeyError:
        raise KeyError(f"unknown dimension: {dimension!r} (one of {', '.join(DIMENSIONS)})") from None


def label(dimension: str, slug: str) -> str:
    """The French label of a slug; the slug itself if unknown, so a page never
    breaks on a tag an older model used. Validate with `slug in slugs(...)`."""
    return _LABELS.get((dimension, slug), slug)
