from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localstat.assessment import selectors
from localstat.assessment.explain import (
    ASSURANCE_SHORT,
    POSITION_PHRASES,
    TREND_SHORT,
    VARIATION_SHORT,
    judgement_sentences,
)
from localstat.chain.models import Organisation
from localstat.framework.models import Indicator


class Command(BaseCommand):
    help = "Print a unit's current judgement on an indicator and the reasons for it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="Organisation code, e.g. RBD")
        parser.add_argument("--indicator", required=True, help="Indicator code, e.g. AE4H")

    def handle(self, *args: Any, unit: str, indicator: str, **options: Any) -> None:
        organisation = Organisation.objects.filter(code=unit).first()
        if organisation is None:
            raise CommandError(f"No organisation with code {unit!r}.")
        indicator_obj = Indicator.objects.filter(code=indicator).first()
        if indicator_obj is None:
            raise CommandError(f"No indicator with code {indicator!r}.")
        judgement = selectors.judgement_for(organisation, indicator_obj)
        if judgement is None:
            raise CommandError(f"{unit} has no judgement on {indicator} yet: run `localstat assess`.")
        self.stdout.write(
            f"{organisation.display_name} ({organisation.code}) — {indicator_obj.name} ({indicator_obj.code})"
        )
        self.stdout.write(f"Run {judgement.run_id} as of {judgement.run.as_of}, period {judgement.period}")
        self.stdout.write(
            f"Variation: {VARIATION_SHORT.get(judgement.variation, '–')}   Assurance: {ASSURANCE_SHORT.get(judgement.assurance, '–')}   Trend: {TREND_SHORT.get(judgement.trend, '–')}"
        )
        for assessment in selectors.unit_assessments_of(organisation):
            self.stdout.write(
                f"Position: {POSITION_PHRASES.get(assessment.position, assessment.position)}   Band: {assessment.band or '–'}"
            )
        self.stdout.write("")
        for sentence in judgement_sentences(judgement, selectors.wording_for(judgement)):
            self.stdout.write(f"- {sentence}")
