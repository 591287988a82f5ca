"""Finding a site's channels from its homepage, for "add a source" in the sources admin.

The finding itself is the crawler's (`crawlers.discover`, the one the CLI's
`sources add` uses): feeds, a Decidim platform's listings, news listings,
sitemaps. This module only says its failures in French, and refuses the
last resort of the CLI, a page watched for changes: from the web form,
staff expect something that lists articles, and can give a feed's address.
"""

from __future__ import annotations

from crawlers.discover import Discovered
from crawlers.discover import DiscoveryError as CrawlerDiscoveryError
from crawlers.discover import discover as crawler_discover
from crawlers.safety import UnsafeURL


class DiscoveryError(ValueError):
    """No channel could be found or read; the message says why, in French."""


def discover(url: str, user_agent: str, allow_private: bool) -> Discovered:
    """The channels of the site at `url` (a homepage, or a feed itself)."""
    try:
        found = crawler_discover(url, user_agent, allow_private)
    except UnsafeURL as exc:
        raise DiscoveryError(f"Adresse refusée : {exc}") from None
    except CrawlerDiscoveryError as exc:
        raise DiscoveryError(f"Page illisible : {exc}") from None
    if found.kind == "page":
        raise DiscoveryError(f"Aucun flux RSS ou Atom trouvé sur {url} (ni déclaré dans la page, ni aux adresses "
                             "habituelles), ni liste d'articles, ni plan du site. Ajoutez l'adresse du flux "
                             "elle-même.")
    return found
