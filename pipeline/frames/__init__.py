"""Claim frames: who claims what, how strongly, on what evidence, about whom.

The stage between claim extraction and verification: each claim gets a :class:`~pipeline.types.Frame`
(kind, polarity, strength from none to absolute, speech act, the evidence basis the article gives,
population), and sentences that state a health effect of something the linker does not know get a
frame of their own, so that the article's own evidence can be weighed (Sumner et al., BMJ 2014).
"""
