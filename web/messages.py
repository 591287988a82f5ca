"""The crawlers' and the run recorder's error lines, in French for the staff.

The crawl stage records its errors in English, one line each, for the CLI
and the logs (crawlers/failures.py, robots.py, feeds.py, sitemaps.py…); the
staff pages show them through `error_fr`, with the English line kept in a
tooltip. The variable parts (URL, host, status, seconds) are kept as they
are, and so is a library's own wording (an exception text): only our words
are translated. A line no pattern knows comes back unchanged, so nothing is
ever lost when a message changes at its source.
"""

from __future__ import annotations

import re

# Groups under these names hold another recorded line, or the end of one
# (a reason wrapped in a wider message): they are translated in turn.
NESTED = ("reason", "rest")

_U = r"(?P<url>\S+)"  # URLs are recorded escaped: no spaces
_PRIVATE = "les réseaux privés ne sont pas collectés"

# (pattern matching a whole line, French template); the first match wins.
TABLE = [(re.compile(pattern), template) for pattern, template in [
    # crawlers/failures.py (robots.py and fetch_one.py say HTTP errors and timeouts the same way)
    (rf"HTTP (?P<status>\d+) from {_U}(?P<rest>(?: \(.*\))?)", "HTTP {status} de {url}{rest}"),
    # (the ends of an HTTP line, reached through its `rest`)
    (r" \(after (?P<n>\d+) retries\)(?P<rest>.*)", " (après {n} nouvelles tentatives){rest}"),
    (r" \(asked to retry after (?P<s>\d+) s\)", " (le site demande d'attendre {s} s)"),
    (rf"refused {_U}: (?P<reason>.+)", "adresse refusée {url} : {reason}"),
    (rf"forbidden by robots\.txt: {_U}", "interdit par robots.txt : {url}"),
    (rf"too many redirects from {_U}", "trop de redirections depuis {url}"),
    (rf"response from {_U} too large once decompressed, download cancelled",
     "réponse de {url} trop grande une fois décompressée, téléchargement annulé"),
    (rf"not fetched {_U}: (?P<reason>.+)", "non téléchargé {url} : {reason}"),
    (r"request ignored", "requête ignorée"),
    (rf"cannot resolve the host of {_U}", "hôte introuvable pour {url}"),
    (rf"no complete answer from {_U} within (?P<s>\S+) s \(timeout\)",
     "pas de réponse complète de {url} en {s} s (délai dépassé)"),
    (rf"no complete answer from {_U} \(timeout\)", "pas de réponse complète de {url} (délai dépassé)"),
    (r"connection refused by (?P<host>\S+)", "connexion refusée par {host}"),
    (rf"response from {_U} too large, download cancelled", "réponse de {url} trop grande, téléchargement annulé"),
    (rf"connection lost before the end of the response from {_U}",
     "connexion perdue avant la fin de la réponse de {url}"),
    (r"TLS certificate of (?P<host>\S+) not trusted, or TLS failed: (?P<detail>.+)",
     "certificat TLS de {host} non reconnu, ou échec de TLS : {detail}"),
    (rf"cannot download {_U}: (?P<detail>.+)", "impossible de télécharger {url} : {detail}"),
    # crawlers/retry.py: a site that stopped answering is skipped for the rest of the crawl
    (r"skipped: (?P<site>\S+) let (?P<n>\d+) requests time out \((?P<s>\S+) s\) earlier in this crawl",
     "sauté : {site} a laissé {n} requêtes dépasser le délai ({s} s) plus tôt dans cette collecte"),
    # crawlers/robots.py
    (r"robots\.txt unreachable, nothing fetched from (?P<site>\S+) in this crawl: (?P<reason>.+)",
     "robots.txt inaccessible, rien n'est téléchargé de {site} dans cette collecte : {reason}"),
    # crawlers/safety.py and crawlers/resolver.py
    (r"not a valid URL: (?P<detail>.+)", "adresse invalide : {detail}"),
    (rf"only http and https URLs are crawled, not no scheme: {_U}",
     "seules les adresses http et https sont collectées, pas une adresse sans schéma : {url}"),
    (rf"only http and https URLs are crawled, not (?P<scheme>[^:\s]+): {_U}",
     "seules les adresses http et https sont collectées, pas {scheme} : {url}"),
    (rf"URL without a host: {_U}", "adresse sans hôte : {url}"),
    (r"cannot resolve host (?P<host>\S+): (?P<detail>.+)", "impossible de résoudre l'hôte {host} : {detail}"),
    # (Twisted ends the resolver's refusal with a full stop: kept)
    (r"(?P<host>\S+) resolves to a (?P<reason>.+); private networks are not crawled(?P<stop>\.?)",
     "{host} pointe vers une {reason} ; " + _PRIVATE + "{stop}"),
    (r"(?P<host>\S+) is a local name; private networks are not crawled", "{host} est un nom local ; " + _PRIVATE),
    (r"loopback address (?P<ip>\S+)", "adresse de bouclage {ip}"),
    (r"link-local address (?P<ip>\S+)", "adresse lien-local {ip}"),
    (r"multicast address (?P<ip>\S+)", "adresse multicast {ip}"),
    (r"unspecified address (?P<ip>\S+)", "adresse non spécifiée {ip}"),
    (r"reserved address (?P<ip>\S+)", "adresse réservée {ip}"),
    (r"private address (?P<ip>\S+)", "adresse privée {ip}"),
    (r"carrier-grade NAT address (?P<ip>\S+)", "adresse de NAT d'opérateur (CGNAT) {ip}"),
    (r"non-public address (?P<ip>\S+)", "adresse non publique {ip}"),
    # crawlers/feeds.py and crawlers/jsonfeed.py
    (r"not a readable JSON Feed \((?P<reason>.*)\)", "flux JSON Feed illisible ({reason})"),
    (r"invalid JSON: (?P<detail>.+)", "JSON invalide : {detail}"),
    (r"no jsonfeed\.org version", "pas de version jsonfeed.org"),
    (r"no list of items", "pas de liste d'articles (items)"),
    (r"not a readable RSS/Atom feed \((?P<detail>.*)\)", "flux RSS/Atom illisible ({detail})"),
    (r"not an RSS/Atom feed", "pas un flux RSS/Atom"),
    (r"malformed feed, repaired: (?P<detail>.+)", "flux mal formé, réparé : {detail}"),
    (r"malformed feed: (?P<n>\d+) entries with a cut CDATA section left out",
     "flux mal formé : {n} entrées à la section CDATA tronquée laissées de côté"),
    (r"malformed feed: (?P<detail>.+); (?P<n>\d+) entries read, (?P<dropped>\d+) broken entries left out",
     "flux mal formé : {detail} ; {n} entrées lues, {dropped} entrées cassées laissées de côté"),
    # crawlers/sitemaps.py, and the gzip of crawlers/fetch_one.py which names "the sitemap at URL"
    (rf"not a readable sitemap at {_U} \((?P<detail>.*)\)", "plan du site illisible : {url} ({detail})"),
    (rf"not a sitemap at {_U} \(root element <(?P<root>[^>]*)>\)",
     "pas un plan du site : {url} (élément racine <{root}>)"),
    (rf"not a sitemap at {_U}", "pas un plan du site : {url}"),
    (rf"the sitemap at {_U}", "le plan du site {url}"),
    (r"invalid pattern in the channel's selectors: (?P<detail>.+)",
     "motif invalide dans les sélecteurs du canal : {detail}"),
    (r"broken gzip data in (?P<reason>.+?): (?P<detail>.+)", "données gzip cassées dans {reason} : {detail}"),
    (r"(?P<reason>.+) is larger than (?P<n>\d+) bytes once decompressed",
     "{reason} : plus de {n} octets une fois décompressé"),
    (rf"response from {_U} larger than (?P<n>\d+) bytes", "réponse de {url} de plus de {n} octets"),
    # crawlers/listing.py
    (r"invalid CSS selector in the channel's selectors: (?P<detail>.+)",
     "sélecteur CSS invalide dans les sélecteurs du canal : {detail}"),
    (rf"the item selector (?P<css>.+) matched nothing on {_U}; the page layout may have changed",
     "le sélecteur d'articles {css} ne trouve rien sur {url} ; la mise en page a peut-être changé"),
    (rf"the link selector (?P<css>.+) found no link in the items of {_U}",
     "le sélecteur de liens {css} ne trouve aucun lien dans les articles de {url}"),
    (rf"no article link found on {_U}; give the channel CSS selectors",
     "aucun lien d'article trouvé sur {url} ; donnez des sélecteurs CSS au canal"),
    # crawlers/spider.py and crawlers/jobs.py
    (r"channel kind (?P<kind>.+) is not crawled", "type de canal {kind} non collecté"),
    (r"article page not fetched \((?P<reason>.+)\); feed text only",
     "page de l'article non téléchargée ({reason}) ; texte du flux seulement"),
    (r"article is unknown type, not HTML; feed text only",
     "article de type inconnu, pas en HTML ; texte du flux seulement"),
    (r"article is (?P<type>\S+), not HTML; feed text only",
     "article de type {type}, pas en HTML ; texte du flux seulement"),
    (rf"cannot read {_U}: (?P<detail>.+)", "impossible de lire {url} : {detail}"),
    (rf"the watched page {_U} is not HTML", "la page suivie {url} n'est pas en HTML"),
    (rf"no main text found in the watched page {_U}", "aucun texte principal trouvé dans la page suivie {url}"),
    # crawlers/extract.py and crawlers/assemble.py: an item's warnings
    (r"not an HTML page", "pas une page HTML"),
    (r"no main text found in the page", "aucun texte principal trouvé dans la page"),
    (r"no title found in the page", "aucun titre trouvé dans la page"),
    (r"extraction failed: (?P<detail>.+)", "échec de l'extraction : {detail}"),
    (r"publication date in the future \((?P<date>[^)]+)\) ignored",
     "date de publication dans le futur ({date}) ignorée"),
    (r"implausible publication date \((?P<date>[^)]+)\) ignored",
     "date de publication invraisemblable ({date}) ignorée"),
    # crawlers/crawl_process.py, crawlers/run.py, crawlers/pipelines.py: a channel the crawl could not finish
    (r"the crawl stopped before this channel was finished", "la collecte s'est arrêtée avant la fin de ce canal"),
    (r"the crawl reached its time limit before this channel was finished",
     "la collecte a atteint sa limite de temps avant la fin de ce canal"),
    (r"the crawl process ended without reporting this channel",
     "le processus de collecte s'est terminé sans rendre compte de ce canal"),
    (r"the crawl took longer than its (?P<s>\S+) s limit and was stopped",
     "la collecte a dépassé sa limite de {s} s et a été arrêtée"),
    (r"the crawl process died \(exit code (?P<code>-?\d+|None)\)",
     "le processus de collecte s'est arrêté brutalement (code de sortie {code})"),
    (r"the crawl failed: (?P<detail>.+)", "la collecte a échoué : {detail}"),
    (r"could not store (?P<n>\d+) items: (?P<detail>.+)", "impossible d'enregistrer {n} articles : {detail}"),
    # the run recorder: veille/ops/records.py, faults.py, leases.py, jobs.py, scheduler.py
    (r"interrupted", "interrompue"),
    (r"interrupted: the process running it stopped before the end",
     "interrompue : le processus qui l'exécutait s'est arrêté avant la fin"),
    (r"interrupted: the scheduler stopped without a clean shutdown",
     "interrompue : le planificateur s'est arrêté sans arrêt propre"),
    (r"the disk holding the database is full \((?P<detail>.*)\); the work in progress was rolled back, "
     r"nothing is half-written: free some space and run again",
     "le disque de la base de données est plein ({detail}) ; le travail en cours a été annulé, rien n'est "
     "écrit à moitié : libérez de la place et relancez"),
    (r"the database stayed busy \((?P<detail>.*)\); nothing was lost: run again",
     "la base de données est restée occupée ({detail}) ; rien n'est perdu : relancez"),
    # newsletter/send.py, in a send run's errors (veille/ops/jobs.py)
    (r"issue (?P<id>\d+) is being sent by another process; try again when it ends",
     "la lettre {id} est en cours d'envoi par un autre processus ; réessayez quand il aura fini"),
    (r"lost the lease on issue (?P<id>\d+): another process took over",
     "verrou perdu sur la lettre {id} : un autre processus a pris le relais"),
    (r"no issue with id (?P<id>\d+)", "aucune lettre n° {id}"),
    (r"(?P<reason>.+); issue (?P<id>\d+) stays unsent: run the send again to resume",
     "{reason} ; la lettre {id} reste non envoyée : relancez l'envoi pour reprendre"),
    # classifier/retrain.py: a retrain's message, in the run's counts
    (r"no gold labels yet: (?P<model>\S+) keeps serving", "aucune correction pour l'instant : {model} reste en service"),
    (r"all (?P<n>\d+) gold labels were learnt by (?P<model>\S+) already: nothing new to learn",
     "les {n} corrections ont déjà été apprises par {model} : rien de nouveau à apprendre"),
    (r"(?P<n>\d+) new gold labels since (?P<model>\S+): (?P<m>\d+) are needed to tell a better model from noise; "
     r"they wait for the next retrain",
     "{n} nouvelles corrections depuis {model} : il en faut {m} pour distinguer un meilleur modèle du bruit ; "
     "elles attendent le prochain réentraînement"),
    (r"(?P<new>\S+) promoted: (?P<rest>mean macro-F1 .+)", "{new} promu : {rest}"),
    (r"(?P<new>\S+) not promoted, worse by more than (?P<tolerance>\S+): (?P<rest>mean macro-F1 .+); "
     r"(?P<model>\S+) keeps serving",
     "{new} non promu, moins bon de plus de {tolerance} : {rest} ; {model} reste en service"),
    (r"mean macro-F1 (?P<a>\S+) against (?P<b>\S+) for (?P<model>\S+) \((?P<measured>[^;]+); (?P<method>.+)\)",
     "macro-F1 moyen {a} contre {b} pour {model} ({measured} ; {method})"),
]]

# What a run's error is about, when it is recorded as a dict beside its `error` line.
SUBJECTS = {"channel": "canal", "issue": "lettre", "url": ""}


def error_fr(line) -> str:
    """One recorded error line in French; unchanged when no pattern knows it."""
    line = "" if line is None else str(line)
    for pattern, template in TABLE:
        found = pattern.fullmatch(line)
        if found:
            parts = {k: error_fr(v) if k in NESTED else v or "" for k, v in found.groupdict().items()}
            return template.format(**parts)
    return line


def run_error(error) -> tuple[str, str]:
    """(what it is about, in French, or ""; the English line) of one of a run's errors.

    The recorders store a line, or a dict with the `error` line beside the
    channel and URL (crawls) or the issue (sends) it concerns.
    """
    if not isinstance(error, dict):
        return "", str(error)
    about = [f"{SUBJECTS.get(k, k)} {v}".strip() for k, v in error.items() if k != "error"]
    return " · ".join(about), str(error.get("error") or "")
