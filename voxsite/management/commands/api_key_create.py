"""Create an integrator API key from the command line and print it (it is shown only once)."""

from django.core.management.base import BaseCommand, CommandError

from voxsite.core.models import APIKey
from voxsite.core.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key and print it once. Scopes: read (GET requests), write (changes)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="What the key is for, shown in the admin.")
        parser.add_argument("--scopes", default="read,write",
                            help="Comma-separated scopes (default: read,write, what the README's examples need).")

    def handle(self, *args, name, scopes, **options):
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(APIKey.Scope.values))
        if not wanted or unknown:
            raise CommandError(f"--scopes takes a comma-separated list of {', '.join(APIKey.Scope.values)}; "
                               f"got {scopes!r}.")
        key, raw = api_key_create(name=name, scopes=wanted)
        self.stdout.write(f"API key {key.name!r} ({', '.join(key.scopes)}), shown only now:")
        self.stdout.write(raw)
