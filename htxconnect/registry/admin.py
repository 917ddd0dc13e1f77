"""Django admin for reference data and support (day-to-day edits go through the registry pages,
which audit every change; the admin is for administrators fixing data)."""

from django.contrib import admin

from .models import (
    Certification, IPRight, IPUsageGrant, Membership, OcopRating, Organization, OrganizationUser, Person, Product,
    Sector,
)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "tax_code", "province_name", "ward_name", "status", "verified_at")
    list_filter = ("kind", "status", "province_code")
    search_fields = ("name", "search_text", "tax_code")
    readonly_fields = ("search_text", "verified_by", "verified_at")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "producer", "category", "gtin")
    search_fields = ("name", "gtin", "search_text")
    raw_id_fields = ("producer",)


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ("organization", "type", "number", "issue_date", "expiry_date")
    list_filter = ("type",)
    raw_id_fields = ("organization", "product")


@admin.register(IPRight)
class IPRightAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "owner", "status")
    raw_id_fields = ("owner",)


admin.site.register(IPUsageGrant, raw_id_fields=("ip_right", "grantee", "product"))
admin.site.register(OcopRating, list_display=("product", "stars", "decision_date", "level"), raw_id_fields=("product",))
admin.site.register(OrganizationUser, raw_id_fields=("user", "organization"))
admin.site.register(Membership, raw_id_fields=("person", "organization"))


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "consent_given_at", "consent_withdrawn_at", "erased_at")
