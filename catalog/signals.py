"""Keep the search index in step with edits made anywhere (admin, API, shell, seed_demo). Bulk
writes that bypass save() (bulk_create, QuerySet.update) call the services, or
`manage.py search_index` afterwards."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import services
from .models import Category, Product, ProductSearchDoc, SearchSynonym


@receiver(post_save, sender=Product)
def product_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not services.INDEXED_FIELDS & set(update_fields)):
        return
    services.product_search_index_update(product_ids=[instance.pk])


@receiver(post_save, sender=Category)
def category_saved(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    services.product_search_index_update(product_ids=instance.products.values_list("pk", flat=True))


@receiver(post_delete, sender=ProductSearchDoc)
def search_doc_deleted(sender, instance, **kwargs):
    services.search_term_counts_drop(doc=instance)


@receiver(post_save, sender=SearchSynonym)
@receiver(post_delete, sender=SearchSynonym)
def synonym_changed(sender, **kwargs):
    services.search_synonyms_changed()
