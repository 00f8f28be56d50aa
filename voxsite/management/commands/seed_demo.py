from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from voxsite.core.progress import command_bar
from voxsite.demo.seed import seed
from voxsite.demo.table import orders_document, orders_table


class Command(BaseCommand):
    help = (
        "Load the demo shop: 66 products in 8 categories (with tags, and search synonyms in English, Hindi, "
        "Bengali and Marathi), 30 customers, 55 orders (ORD-1001..) in every "
        "status with tracking histories, 12 returns (RET-2001..) in every status, FAQs and policies in "
        "English, Hindi, Bengali and Marathi, a staff login and a demo API key. "
        "Idempotent: rows are matched on natural keys (SKU, customer id, order and return numbers, FAQ key "
        "and language, policy kind and language) and written only where they differ, so a second run "
        "changes nothing. Deterministic: a fixed random seed gives every machine the same data. "
        "Dates are offsets from the start of the day you run it, not fixed calendar dates, because "
        "return windows are measured from now: the orders meant to be returnable were delivered 1-2 "
        "days ago, others 8+ days ago are outside the 7-day window. Running it again on a later day "
        "moves the dates along, and puts back any demo order you cancelled or returned. "
        "The staff login and the API key are created only if missing and printed only when created."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true",
                            help="No progress bar or summary. A login or key created by this run is still "
                                 "printed, since it is shown only once.")
        parser.add_argument("--print-orders", action="store_true",
                            help="Print a Markdown table of demo orders worth trying and write it to --orders-file.")
        parser.add_argument("--orders-file", default=str(Path(settings.BASE_DIR) / "docs" / "demo-orders.md"),
                            help="Where --print-orders writes the table (default: docs/demo-orders.md).")

    def handle(self, *args, quiet=False, print_orders=False, orders_file=None, **options):
        def progress(steps):
            bar = command_bar(steps, self, desc="Seeding demo data", unit="step", quiet=quiet)
            for name, step in bar:
                bar.set_postfix_str(name)
                yield name, step

        result = seed(today=timezone.localdate(), progress=progress)

        if not quiet:
            for name, tally in result.tallies.items():
                self.stdout.write(f"  {name}: {tally}")
            self.stdout.write(self.style.SUCCESS("Demo data is up to date." if not result.changed else "Demo data seeded."))
        if result.staff_created:
            self.stdout.write(self.style.SUCCESS(
                # No address: the command cannot know where (or whether) the site will be served;
                # `./dev.sh start` prints the real URLs.
                f"Staff login: {settings.DEMO_STAFF_USERNAME} / {settings.DEMO_STAFF_PASSWORD} (the admin is at /admin/)"))
        if result.api_key_raw:
            self.stdout.write(self.style.SUCCESS(
                f"Demo API key (read+write, shown only now): {result.api_key_raw}"))
        if print_orders:
            self.stdout.write(orders_table(result.plan), ending="")
            path = Path(orders_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(orders_document(result.plan), encoding="utf-8")
            if not quiet:
                self.stdout.write(f"Wrote {path}")
