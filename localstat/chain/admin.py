from django.contrib import admin

from localstat.chain.models import ChainLink, ContextValue, ContextVariable, Membership, Organisation, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    fk_name = "organisation"
    extra = 0
    readonly_fields = ["service", "role", "accountable_to", "valid_from", "valid_to", "reason"]
    can_delete = False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit_type", "synthetic"]
    list_filter = ["kind", "unit_type", "synthetic"]
    search_fields = ["code", "name", "town"]
    inlines = [ChainLinkInline]


@admin.register(ChainLink)
class ChainLinkAdmin(admin.ModelAdmin):
    list_display = ["organisation", "service", "role", "accountable_to", "valid_from", "valid_to"]
    list_filter = ["service", "role"]
    search_fields = ["organisation__code", "accountable_to__code"]
    list_select_related = ["organisation", "service", "accountable_to"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "organisation__code"]


admin.site.register(ContextVariable)
admin.site.register(ContextValue)
