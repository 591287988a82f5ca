"""The codebook's tags, as the classifier uses them.

The one source of truth is `store.taxonomy` (every stage may import `store`);
this module only re-exports it with the slug tuples the classifier indexes by.
"""

from store.taxonomy import (  # noqa: F401 - re-exported
    DIMENSIONS,
    KIND_SLUGS,
    KINDS,
    PURPOSE_SLUGS,
    PURPOSES,
    RELEVANCE,
    THEME_SLUGS,
    THEMES,
    Label,
    label,
    slugs,
)
