"""What the returns app announces, so the next stage can act without returns calling up to it.

``returns_approved`` is sent once the transaction that approved some returns has committed, with
``return_ids`` (the returns) and ``indicator_ids`` (every indicator they hold a value for). The
assessment app listens and re-judges those indicators; returns never imports assessment.
"""

from django.dispatch import Signal

returns_approved = Signal()
