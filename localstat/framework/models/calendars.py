from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from localstat.chain.models import Service


class SchoolCalendar(models.Model):
    """The half-terms of one education service: what a half-termly period means there.

    Build a ``periods.TermCalendar`` from it with ``selectors.school_calendar_for(service)``.
    """

    service = models.OneToOneField(Service, on_delete=models.PROTECT, related_name="school_calendar")
    name = models.CharField(max_length=150)
    synthetic = models.BooleanField(default=False, help_text="Invented for the demo.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service__name"]

    def __str__(self) -> str:
        return self.name


class SchoolTerm(models.Model):
    """One half-term: its teaching days, first to last. Holidays fall between half-terms."""

    calendar = models.ForeignKey(SchoolCalendar, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=40, help_text="For example Autumn 1.")
    academic_year = models.CharField(max_length=9, help_text="For example 2018/19.")
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["calendar", "start"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "start"], name="framework_one_term_per_start"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="framework_term_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.academic_year} ({self.start} to {self.end})"
