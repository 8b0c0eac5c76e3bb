from django.db import models


class DemoBuild(models.Model):
    """A record that this database holds the demo, and how it was built."""

    seed = models.PositiveIntegerField()
    scale = models.CharField(max_length=20)
    as_of = models.DateField()
    steps = models.JSONField(default=list)
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"demo seed {self.seed}, {self.scale}, as of {self.as_of}"


class DemoLogin(models.Model):
    """A demo account to print for the person trying LocalStat (the password is the documented one)."""

    username = models.CharField(max_length=150, unique=True)
    role = models.CharField(max_length=30)
    organisation_code = models.CharField(max_length=40)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "username"]

    def __str__(self) -> str:
        return self.username
