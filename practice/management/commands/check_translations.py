import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Folders of the project that hold no translatable source.
NOT_SOURCE = [
    ".git",
    ".venv",
    "venv",
    "var",
    "staticfiles",
    "static",
    "locale",
    "tests",
    "test-artifacts",
    "mutants",
    "node_modules",
    "build",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
]

SHOWN = 25


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


class Command(BaseCommand):
    help = (
        "Fail when a message catalogue (locale/<lang>/LC_MESSAGES/django.po) has an "
        "untranslated or fuzzy entry, or misses a string the code marks for translation. "
        "A missing catalogue fails too, unless SKIP_I18N_CHECK=1."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        locale_dir = Path(settings.LOCALE_PATHS[0])
        languages = [code for code, _name in settings.LANGUAGES if code != "en"]
        skip_missing = os.environ.get("SKIP_I18N_CHECK") == "1"
        problems: list[str] = []
        catalogues: dict[str, polib.POFile] = {}

        for code in languages:
            po_path = locale_dir / code / "LC_MESSAGES" / "django.po"
            if not po_path.exists():
                if skip_missing:
                    self.stdout.write(f"Translations: no {code} catalogue yet (SKIP_I18N_CHECK=1).")
                    continue
                problems.append(f"{po_path.relative_to(settings.BASE_DIR)} is missing.")
                continue
            catalogue = polib.pofile(str(po_path))
            catalogues[code] = catalogue
            for entry in catalogue:
                if entry.obsolete:
                    continue
                where = f"{code}: {entry.msgid!r}"
                if entry.fuzzy:
                    problems.append(f"{where} is fuzzy.")
                elif not entry.translated():
                    problems.append(f"{where} is untranslated.")

        if catalogues:
            found = self.source_msgids()
            if found is None:
                self.stdout.write("Translations: xgettext not found, source strings not compared.")
            else:
                for code, catalogue in catalogues.items():
                    have = {_key(e) for e in catalogue if not e.obsolete}
                    for ctxt, msgid in sorted(found - have):
                        label = f"{msgid!r}" + (f" (context {ctxt!r})" if ctxt else "")
                        problems.append(f"{code}: {label} is not in the catalogue (makemessages).")

        if problems:
            for problem in problems[:SHOWN]:
                self.stderr.write(f"  {problem}")
            if len(problems) > SHOWN:
                self.stderr.write(f"  ... and {len(problems) - SHOWN} more.")
            raise CommandError(
                f"{len(problems)} translation problem(s). Run `manage.py makemessages -l fr`, "
                "translate, and compile."
            )
        checked = ", ".join(sorted(catalogues)) or "none"
        self.stdout.write(f"Translations complete (catalogues checked: {checked}).")

    def source_msgids(self) -> set[tuple[str, str]] | None:
        """Run makemessages on a temporary copy of the sources; return every msgid found."""
        if not shutil.which("xgettext") or not shutil.which("msguniq"):
            return None
        base = Path(settings.BASE_DIR)
        with tempfile.TemporaryDirectory(prefix="ledgerly-i18n-") as tmp:
            copy = Path(tmp) / "src"
            shutil.copytree(base, copy, ignore=shutil.ignore_patterns(*NOT_SOURCE))
            (copy / "locale").mkdir()
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "practice.settings", "DEBUG": "1"}
            env.pop("DATABASE_URL", None)
            env.pop("REDIS_URL", None)
            env["VAR_DIR"] = str(Path(tmp) / "var")
            result = subprocess.run(
                [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"],
                cwd=copy,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise CommandError(f"makemessages failed:\n{result.stderr or result.stdout}")
            generated = copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"
            if not generated.exists():
                return set()
            return {_key(e) for e in polib.pofile(str(generated)) if e.msgid}
