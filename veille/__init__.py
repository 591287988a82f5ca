"""veille: the watch platform of a civic-tech observatory.

This package is the top layer: settings, the command line, the pipeline that
chains the stages (crawlers, classifier, store, newsletter) and the demo.
"""

__version__ = "0.1.0"
