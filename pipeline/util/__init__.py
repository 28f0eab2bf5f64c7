"""Low-level helpers shared by the stages; they import nothing else of ``pipeline``.

Modules:
    ``packed``     read-only packed key -> JSON tables (the fast-start caches);
    ``prefilter``  literal prefilters in front of regular expressions (optimisation; the plain
                   regular expression stays the oracle in the tests).
"""
