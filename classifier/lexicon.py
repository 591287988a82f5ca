"""Keyword cues taken from the codebook's definitions and examples, French and English.

Why: 562 labelled items are few, some labels have three to twenty examples,
and three quarters of them are French. A cue such as "budget participatif" /
"participatory budget" feeds one shared feature per label, so what the model
learns from French items carries over to English ones, and wording the
training set never saw (but the codebook names) still counts.

Cues are written lowercase and without accents (texts are normalised the same
way) and match at the start of a word, so "petition" also matches
"petitions". A trailing "$" asks for a whole word ("ric$" must not match
"rich"). Keys are "relevant", "purpose:<slug>", "theme:<slug>", "kind:<slug>".
"""

from __future__ import annotations

from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS

CUES: dict[str, tuple[str, ...]] = {
    "relevant": (
        # other languages of the watch (Participedia cases in Spanish, Italian, German, Portuguese)
        "participacion ciudadana", "participacao", "partecipazione", "partecipativ", "participativ",
        "burgerbeteiligung", "buergerbeteiligung", "democracia participativa", "democrazia partecipativa",
        "ciudadan", "cittadin", "cidadao", "consulta publica", "consulta ciudadana", "deliberativ",
        "participation citoyenne", "democratie participative", "democratie numerique",
        "democratie locale", "civic tech", "civictech", "engagement citoyen", "citoyennete active",
        "gouvernement ouvert", "open government", "participation du public", "public participation",
        "citizen participation", "citizen engagement", "civic engagement", "participatory",
        "participati", "deliberati", "e-democra", "digital democracy", "participation des habitants",
        "consultation publique", "public consultation", "budget participatif", "petition",
        "convention citoyenne", "assemblee citoyenne", "citizens' assembly", "citizens assembly",
        "jury citoyen", "citizen jury", "citizens' jury", "tirage au sort", "sortition",
        "referendum d'initiative", "ric$", "transparence de la vie publique", "open data",
        "donnees ouvertes", "concertation", "debat public", "grand debat", "co-construction",
        "coconstruction", "co-design", "codesign", "hackathon", "civic hack",
    ),
    "purpose:information": (
        "comparateur", "vote comparator", "voting advice", "suivi parlementaire",
        "parliamentary monitoring", "parliament monitoring", "monitoring of", "tableau de bord",
        "dashboard", "fact-check", "fact check", "factcheck", "verification des faits", "decrypt",
        "explainer", "transparence", "transparency", "registre", "register of", "sensibilis",
        "awareness", "acces a l'information", "access to information", "freedom of information",
        "information publique", "public information", "desinformation", "disinformation",
        "fausses informations", "fake news", "infox", "declaration de patrimoine",
        "declarations de patrimoine", "asset declaration", "haute autorite pour la transparence",
        "hatvp", "lobbying", "lobbies", "representants d'interets", "open data", "donnees ouvertes",
        "rendre compte", "accountability", "watchdog", "observatoire",
    ),
    "purpose:mobilisation": (
        "petition", "interpell", "lobbying citoyen", "citizen lobbying", "community organi",
        "campagne", "campaign", "crowdfunding", "financement participatif", "mobilis",
        "manifestation", "protest", "signataires", "signatures", "grassroots", "militant",
        "activis", "boycott", "appel a voter", "inciter a voter", "get out the vote",
        "voter registration", "inscription sur les listes", "collectif", "rassembl", "marche pour",
        "greve", "strike",
    ),
    "purpose:coproduction": (
        "presupuesto participativo", "bilancio partecipativo", "orcamento participativo",
        "burgerhaushalt", "community budget", "civic budget", "asamblea ciudadana", "burgerrat",
        "consultation", "consulter", "budget participatif", "participatory budget", "concertation",
        "assemblee citoyenne", "citizens' assembly", "citizens assembly", "convention citoyenne",
        "citizens' convention", "jury citoyen", "citizen jury", "citizens' jury", "co-construction",
        "coconstruction", "co-construire", "co-design", "codesign", "co-conception",
        "co-ecri", "loi collaborative", "crowdsourc", "signalement", "signaler", "report a problem",
        "feedback", "retours des usagers", "user feedback", "hackathon", "civic hack",
        "conseil de quartier", "conseils de quartier", "neighbourhood council",
        "neighborhood council", "debat public", "public debate", "public hearing",
        "tirage au sort", "sortition", "deliberati", "co-gouvernance", "co-governance",
        "decision-making", "prise de decision", "vote des habitants", "residents voted",
    ),
    "purpose:ecosystem": (
        "levee de fonds", "leve des fonds", "fundraising", "funding round", "raised",
        "investisseur", "investor", "acquisition", "rachat", "rachete", "marche public",
        "marches publics", "public procurement", "procurement", "appel d'offres", "tender",
        "label", "prix$", "award", "prize", "laureat", "reseau", "network", "conference",
        "salon", "festival", "sommet", "summit", "secteur", "ecosysteme", "ecosystem",
        "start-up", "startup", "entreprise", "business model", "modele economique",
        "reforme du cese", "revision constitutionnelle", "reforme constitutionnelle",
        "constitutional reform", "fellowship", "fellows", "recrut", "hiring",
    ),
    "theme:participatory-budgeting": (
        "presupuesto participativo", "presupuestos participativos", "bilancio partecipativo",
        "orcamento participativo", "budzet obywatelski", "burgerhaushalt", "buergerhaushalt",
        "community budget", "civic budget", "people's budget", "budget forum", "participatory grant",
        "budget participatif", "budgets participatifs", "participatory budget", "pb process",
        "budget citoyen", "citizen budget", "vote des projets", "porteurs de projets",
    ),
    "theme:consultation": (
        "consulta", "consultazione", "anhorung", "beteiligungsverfahren", "audiencia publica",
        "consultation", "consulter", "concertation", "debat public", "public debate", "cndp",
        "commission nationale du debat public", "enquete publique", "public inquiry",
        "public hearing", "plateforme de consultation", "consultation platform",
        "consultation en ligne", "online consultation", "avis des citoyens", "contributions",
        "comment period", "public comment", "notice and comment",
    ),
    "theme:petition": (
        "peticion", "petizione", "iniciativa popular", "iniciativa ciudadana", "volksbegehren",
        "burgerbegehren", "volksinitiative",
        "petition", "interpellation", "interpeller", "initiative citoyenne", "citizens' initiative",
        "citizen initiative", "ric$", "referendum d'initiative citoyenne", "signataires",
        "signatures", "droit de petition", "e-petition", "change.org", "we the people",
    ),
    "theme:deliberation": (
        "asamblea ciudadana", "jurado ciudadano", "giuria dei cittadini", "burgerrat", "buergerrat",
        "planungszelle", "sorteo", "sorteggio", "deliberativ",
        "assemblee citoyenne", "citizens' assembly", "citizens assembly", "convention citoyenne",
        "citizens' convention", "tirage au sort", "tires au sort", "sortition", "randomly selected",
        "random selection", "sondage deliberatif", "deliberative poll", "deliberati", "grand debat",
        "national debate", "jury citoyen", "citizen jury", "citizens' jury", "conference de citoyens",
        "consensus conference", "mini-public", "minipublic", "planning cell",
    ),
    "theme:elections": (
        "elecciones", "eleccion", "elezioni", "wahlen", "votacion", "referendo",
        "election", "electeur", "electoral", "elector", "referendum", "vote", "voting", "voter",
        "scrutin", "suffrage", "abstention", "turnout", "participation electorale", "primaire",
        "primary", "primaries", "candidat", "candidate", "e-voting", "vote electronique",
        "vote en ligne", "online voting", "comparateur", "ballot", "urne", "bulletin",
        "proportionnelle", "mode de scrutin", "rip$", "referendum d'initiative partagee",
    ),
    "theme:open-government": (
        "gouvernement ouvert", "open government", "ogp", "partenariat pour un gouvernement ouvert",
        "open government partnership", "transparence", "transparency", "lobbying", "lobbies",
        "lobbyist", "registre", "represent d'interets", "representants d'interets",
        "hatvp", "haute autorite pour la transparence", "declaration de patrimoine",
        "declarations de patrimoine", "asset declaration", "conflit d'interets",
        "conflict of interest", "integrite", "integrity", "deontologie", "ethics", "ethique",
        "moralisation", "corruption", "anticor", "regards citoyens", "nosdeputes",
        "suivi parlementaire", "parliamentary monitoring", "reserve parlementaire",
        "frais de mandat", "freedom of information", "foia", "accountability",
    ),
    "theme:open-data": (
        "open data", "opendata", "donnees ouvertes", "donnees publiques", "ouverture des donnees",
        "data.gouv", "data.gov", "public data", "open source", "api$", "apis$", "dataset",
        "jeu de donnees", "jeux de donnees", "data for good", "datascience", "data science",
        "donnees", "data$", "etalab",
    ),
    "theme:local-democracy": (
        "municipio", "ayuntamiento", "alcaldia", "prefeitura", "comune di", "gemeinde", "barrio",
        "quartiere", "vecinos", "stadtteil", "parish council", "borough", "county",
        "democratie locale", "local democracy", "municipal", "municipalit", "mairie", "maire",
        "mayor", "commune", "conseil municipal", "city council", "collectivit", "local government",
        "local authorit", "departement", "region", "quartier", "neighbourhood", "neighborhood",
        "conseil de quartier", "ville de", "city of", "town", "intercommunal", "metropole",
        "elus locaux", "local elected", "conseil citoyen", "conseils citoyens", "habitants",
        "residents",
    ),
    "theme:digital-inclusion": (
        "inclusion numerique", "digital inclusion", "fracture numerique", "digital divide",
        "illectronisme", "accessibilit", "accessible", "mediation numerique", "mediateur numerique",
        "digital literacy", "publics eloignes", "under-represented", "underrepresented",
        "marginalized", "marginalised", "hard-to-reach", "hard to reach", "exclusion",
        "inclusion", "handicap", "disabilit", "aidants numeriques", "france services",
        "hybride", "hybrid", "offline", "hors ligne", "plain language", "langage clair",
    ),
    "theme:media-social-networks": (
        "reseaux sociaux", "reseau social", "social media", "social network", "facebook",
        "twitter", "youtube", "tiktok", "instagram", "plateformes", "platforms", "desinformation",
        "disinformation", "misinformation", "fausses informations", "fake news", "infox",
        "manipulation de l'information", "moderation", "haine en ligne", "online hate",
        "hate speech", "contenus haineux", "debat en ligne", "online debate", "medias", "media",
        "journalis", "presse",
    ),
    "theme:ai-algorithms": (
        "intelligence artificielle", "artificial intelligence", "ia$", "ai$", "algorithm",
        "algorithme", "machine learning", "apprentissage automatique", "chatbot", "parcoursup",
        "automated decision", "decision automatisee", "code source", "source code",
        "transparence des algorithmes", "algorithmic transparency", "reconnaissance faciale",
        "facial recognition",
    ),
    "theme:civic-tech-sector": (
        "civic tech", "civictech", "start-up", "startup", "entreprise", "association",
        "levee de fonds", "fundraising", "funding", "investisseur", "investor", "business model",
        "modele economique", "marche public", "public procurement", "procurement", "appel d'offres",
        "tender", "acquisition", "rachat", "incubat", "accelerat", "fellowship", "fellows",
        "recrut", "hiring", "talent", "competences", "skills", "metier", "secteur", "ecosysteme",
        "ecosystem", "decidim", "cap collectif", "fluicity", "make.org", "voxe",
    ),
    "theme:law-regulation": (
        "loi$", "lois$", "projet de loi", "proposition de loi", "law", "bill$", "legislation",
        "legal framework", "cadre juridique", "reglement", "regulation", "decret", "decree",
        "constitution", "constitutionnel", "constitutional", "rgpd", "gdpr", "cnil",
        "protection des donnees", "data protection", "amendement", "amendment", "conseil d'etat",
        "juridique", "legal",
    ),
    "theme:impact-research": (
        "recherche", "research", "chercheur", "researcher", "etude", "study", "studies",
        "barometre", "barometer", "enquete", "survey", "sondage", "poll", "indicateur", "indicator",
        "evaluation", "evaluat", "impact", "universit", "academi", "these", "thesis",
        "rapport", "report",
    ),
    "theme:organisations": (
        "syndicat", "union", "parti$", "partis$", "party", "parties", "adherents", "members",
        "militants", "association", "entreprise", "company", "companies", "salaries", "employees",
        "workplace", "dialogue social", "democratie interne", "internal democracy",
        "gouvernance partagee", "cooperative", "scop",
    ),
    "kind:news": (
        "annonce", "a annonce", "announced", "a declare", "said", "selon", "according to",
        "communique", "press release", "hier", "yesterday", "mardi", "mercredi", "jeudi",
        "vendredi",
    ),
    "kind:event": (
        "webinaire", "webinar", "atelier", "workshop", "conference", "colloque", "seminaire",
        "seminar", "rencontre", "rendez-vous", "meetup", "meet-up", "festival", "salon",
        "journee d'etude", "table ronde", "panel", "inscription", "inscrivez", "register",
        "registration", "rsvp", "join us", "rejoignez-nous", "venez", "aura lieu", "se tiendra",
        "will take place", "will be held", "save the date", "programme", "agenda", "bootcamp",
        "speaker", "intervenant", "de 9h", "de 14h", "a 18h",
    ),
    "kind:publication": (
        "rapport", "report", "etude", "study", "guide", "livre", "ouvrage", "book", "article",
        "paper", "publie", "publication", "published", "publish", "dataset", "jeu de donnees",
        "case study", "etude de cas", "these", "thesis", "note de", "white paper", "livre blanc",
        "recommand", "conclusions", "findings", "evaluation",
    ),
    "kind:call": (
        "appel a projets", "appel a candidatures", "appel a contributions", "appel a manifestation",
        "appel d'offres", "candidatez", "candidater", "postulez", "postuler", "date limite",
        "deadline", "apply", "application", "applications", "call for", "request for proposals",
        "rfp$", "rfi$", "tender", "job", "jobs", "offre d'emploi", "we're hiring", "we are hiring",
        "hiring", "recrute", "recrutement", "poste", "position", "positions", "open position",
        "fellowship", "fellows", "cohort", "cohorte", "join our team", "rejoindre l'equipe",
    ),
}


def keys() -> tuple[str, ...]:
    """Every cue key, in a fixed order (one feature each)."""
    return tuple(CUES)


def _check() -> None:
    expected = (
        {"relevant"}
        | {f"purpose:{s}" for s in PURPOSE_SLUGS}
        | {f"theme:{s}" for s in THEME_SLUGS}
        | {f"kind:{s}" for s in KIND_SLUGS}
    )
    if set(CUES) != expected:
        raise RuntimeError(f"lexicon keys drifted from the taxonomy: {set(CUES) ^ expected}")


_check()
