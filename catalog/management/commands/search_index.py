from django.core.management.base import BaseCommand

from catalog.models import Product, SearchTerm
from catalog.services import product_search_index_rebuild
from voxsite.core.progress import command_bar


class Command(BaseCommand):
    help = (
        "Rebuild the product search index from the catalog: every product's words, and the vocabulary "
        "that typos and other scripts are matched against. Saving a product in the admin, the API or "
        "seed_demo keeps the index up to date by itself; run this after writes that bypass save() "
        "(bulk imports, QuerySet.update, raw SQL) or to repair the index."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="No progress bar or summary.")

    def handle(self, *args, quiet=False, **options):
        total = Product.objects.count()
        indexed = product_search_index_rebuild(
            progress=lambda products: command_bar(products, self, desc="Indexing products", unit="product",
                                                  total=total, quiet=quiet))
        if not quiet:
            self.stdout.write(self.style.SUCCESS(
                f"Indexed {indexed} product{'' if indexed == 1 else 's'}; {SearchTerm.objects.count()} words in the "
                "vocabulary."))
