from django.core.management.base import BaseCommand

from haven.drafts.actions import install_builtin_templates, usable_templates


class Command(BaseCommand):
    help = "Petition drafts: install the built-in document templates, list the templates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser(
            "install-templates",
            help="install the built-in templates not installed yet (a retired one is kept retired)",
        )
        sub.add_parser("templates", help="list the templates new drafts may use")

    def handle(self, *args, verb, **options):
        if verb == "install-templates":
            made = install_builtin_templates(by=None)
            for template in made:
                self.stdout.write(f"Installed: {template.name} ({template.language})")
            self.stdout.write(f"{len(made)} built-in templates installed.")
        else:
            for template in usable_templates():
                version = template.active
                self.stdout.write(
                    f"{template.name} ({template.language}) v{version.number} {version.sha256}"
                )
