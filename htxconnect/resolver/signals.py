"""Purge cached scan pages when what they show changes in another app (after commit)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from htxconnect.registry.models import Certification, IPRight, IPUsageGrant, OcopRating, Organization, Product, ProductPhoto

from htxconnect.core import identifiers as gs1
from htxconnect.trace.epcis.capture import events_declared_in_error
from htxconnect.trace.models import EPCISEventEPC

from . import cache as page_cache


def _later(product_ids):
    ids = [pk for pk in set(product_ids) if pk]
    if ids:
        page_cache.purge_after_commit(Product.objects.filter(pk__in=ids).exclude(gtin="").values_list("gtin", flat=True))


@receiver([post_save, post_delete], sender=Product)
def _product_changed(sender, instance, **kwargs):
    page_cache.purge_after_commit([instance.gtin])


@receiver([post_save, post_delete], sender=ProductPhoto)
@receiver([post_save, post_delete], sender=OcopRating)
def _product_part_changed(sender, instance, **kwargs):
    _later([instance.product_id])


@receiver([post_save, post_delete], sender=Certification)
def _certification_changed(sender, instance, **kwargs):
    if instance.product_id:
        _later([instance.product_id])
    else:
        _later(Product.objects.filter(producer_id=instance.organization_id).values_list("pk", flat=True))


@receiver([post_save, post_delete], sender=Organization)
def _organization_changed(sender, instance, **kwargs):
    _later(Product.objects.filter(producer_id=instance.pk, gtin__isnull=False).values_list("pk", flat=True))


@receiver([post_save, post_delete], sender=IPUsageGrant)
def _grant_changed(sender, instance, **kwargs):
    _later(Product.objects.filter(producer_id=instance.grantee_id).values_list("pk", flat=True))


@receiver([post_save, post_delete], sender=IPRight)
def _ip_changed(sender, instance, **kwargs):
    _later(Product.objects.filter(producer_id=instance.owner_id).values_list("pk", flat=True))


@receiver([post_save, post_delete], sender="resolver.Lot")
@receiver([post_save, post_delete], sender="resolver.Link")
def _resolver_row_changed(sender, instance, **kwargs):
    _later([instance.product_id])


@receiver(events_declared_in_error)
def _events_declared_in_error(sender, event_pks, **kwargs):
    """A public step declared in error: the scan pages of its product show it corrected at once."""
    gtins = set()
    for epc in EPCISEventEPC.objects.filter(event_id__in=event_pks, event__public=True).values_list("epc", flat=True):
        key = gs1.gs1_key(epc)
        if key is not None and key.ai == "01":
            gtins.add(key.value)
    for gtin in gtins:
        page_cache.purge_gtin(gtin)
