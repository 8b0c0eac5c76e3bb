"""The JSON API: one NinjaAPI, a router per app. Its OpenAPI schema is committed as docs/openapi.json."""

from ninja import NinjaAPI

from localstat import __version__
from localstat.api.agreements import router as agreements_router
from localstat.api.assessment import router as assessment_router
from localstat.api.chain import router as chain_router
from localstat.api.framework import router as framework_router
from localstat.api.inspection import router as inspection_router
from localstat.api.publication import router as publication_router
from localstat.api.regime import router as regime_router
from localstat.api.returns import router as returns_router
from localstat.api.review import router as review_router

api = NinjaAPI(
    title="LocalStat API",
    version=__version__,
    description=(
        "Read and write LocalStat's delivery chains, frameworks, returns and judgements. "
        "Public endpoints need no authentication; others use the session or a unit token."
    ),
    urls_namespace="api",
)
api.add_router("/", chain_router)
api.add_router("/framework/", framework_router)
api.add_router("/returns/", returns_router)
api.add_router("/assessment/", assessment_router)
api.add_router("/agreements/", agreements_router)
api.add_router("/inspection/", inspection_router)
api.add_router("/regime/", regime_router)
api.add_router("/reviews/", review_router)
api.add_router("/public/", publication_router)
