from localstat.assessment.tests.conftest import assessed  # noqa: F401  (the four assessed units)
