"""A report per kind of result: each module builds the page of its kinds (the answer, its small
table, sections, the figures' captions); :mod:`escsim.results.report` puts the page together.
:data:`escsim.results.kinds.KINDS` names each kind's builder."""
