"""`make mutate`: mutation testing of the critical modules with mutmut.

Each group of modules below is mutated in its own folder, mutants/<group>/
(git-ignored), and every mutant is run against the group's own test files
only, on SQLite in memory. mutmut reads [tool.mutmut] from pyproject.toml; this
script writes each group's copy of it with the files to mutate and the tests.

Prints `mutation_score_<module> <percent> %` per module (killed / all mutants,
nothing left out), then every surviving mutant with its diff, marked when
tools/mutate-equivalent.md explains why no test can tell it from the original,
then `mutation_wall_time <seconds> s`. Exits 1 when a survivor is unexplained.

    .venv/bin/python tools/mutate.py [--jobs N] [--report | --retry] [GROUP ...]
"""

import argparse
import ast
import difflib
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "mutants"
EQUIVALENT = ROOT / "tools" / "mutate-equivalent.md"
SNAPSHOT = WORK / "test-db.sqlite3"
# What a copy of the project needs to run the tests (the apps are mutmut's source_paths);
# pytest-django puts the folder of the nearest manage.py on sys.path.
SHARED = ("manage.py", "tests", "templates", "locale", "static", "tools")
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
DIFF_LINES = 8


@dataclass(frozen=True)
class Group:
    mutate: tuple[str, ...]
    tests: tuple[str, ...]


# The modules whose guards matter most, each with the fast tests that own it
# (no browser tests, no real worker processes).
GROUPS = {
    "practice_tenancy": Group(
        mutate=("practice/tenancy.py", "practice/middleware.py"),
        tests=(
            "tests/practice/test_tenancy.py",
            "tests/practice/test_guards.py",
            "tests/test_isolation.py",
        ),
    ),
    "clients_access": Group(
        mutate=("clients/access.py",),
        tests=(
            "tests/clients/test_access.py",
            "tests/clients/test_access_guards.py",
            "tests/clients/test_leaver_report.py",
            "tests/clients/test_access_count.py",
            "tests/clients/test_page_edges.py",
            "tests/clients/test_restricted_pages.py",
            "tests/billing/test_access.py",
        ),
    ),
    "clients_numbering": Group(
        mutate=("clients/models/numbering.py", "clients/models/naming.py"),
        tests=("tests/clients/test_numbering.py", "tests/clients/test_naming.py"),
    ),
    "practice_keys": Group(
        mutate=("practice/keys.py",),
        tests=("tests/practice/test_keys.py",),
    ),
    "billing_arithmetic": Group(
        mutate=("subscriptions/pricing.py", "billing/services.py"),
        tests=(
            "tests/subscriptions/test_guards.py",
            "tests/subscriptions/test_pricing_properties.py",
            "tests/billing/test_statements.py",
        ),
    ),
    "imports_parsing": Group(
        mutate=("imports/parsing.py",),
        tests=("tests/imports/test_parsing.py", "tests/imports/test_guards.py"),
    ),
    "imports_engine": Group(
        mutate=("imports/engine/*.py", "imports/bulk.py"),
        tests=(
            "tests/imports/test_rules.py",
            "tests/imports/test_engine.py",
            "tests/imports/test_task.py",
            "tests/imports/test_engine_guards.py",
            "tests/imports/test_engine_edges.py",
            "tests/clients/test_import_history.py",
        ),
    ),
    "clients_selectors": Group(
        mutate=("clients/selectors.py", "clients/paging.py", "clients/search.py"),
        tests=(
            "tests/clients/test_list.py",
            "tests/clients/test_search_pages.py",
            "tests/clients/test_page_edges.py",
            "tests/clients/test_restricted_pages.py",
            "tests/clients/test_guards.py",
            "tests/clients/test_import_history.py",
        ),
    ),
}


def toml_value(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return str(value)


def group_pyproject(group: Group) -> str:
    """pyproject.toml with [tool.mutmut] narrowed to the group."""
    text = (ROOT / "pyproject.toml").read_text()
    settings = dict(tomllib.loads(text)["tool"]["mutmut"])
    settings["only_mutate"] = list(group.mutate)
    settings["pytest_add_cli_args_test_selection"] = list(group.tests)
    section = "[tool.mutmut]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in settings.items())
    start = text.index("[tool.mutmut]\n")
    following = re.search(r"^\[", text[start + 1 :], flags=re.MULTILINE)
    end = start + 1 + following.start() if following else len(text)
    return text[:start] + section + "\n" + text[end:]


def prepare(name: str, group: Group) -> Path:
    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sources = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    for entry in (*sources["source_paths"], *SHARED):
        (folder / entry).symlink_to(ROOT / entry)
    (folder / "pyproject.toml").write_text(group_pyproject(group))
    return folder


def environment() -> dict[str, str]:
    env = dict(os.environ)
    # SQLite in memory and the in-process broker: every mutant's session has its
    # own database, so parallel sessions never meet.
    for key in ("DATABASE_URL", "REDIS_URL", "E2E"):
        env.pop(key, None)
    env.update(MUTATE_DB_SNAPSHOT=str(SNAPSHOT), E2E="0", PYTHONHASHSEED="0")
    return env


def mutmut(folder: Path, *args: str, log=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=folder,
        env=environment(),
        text=True,
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )


def run_group(name: str, group: Group, jobs: int, retry: bool = False) -> float:
    """Mutate the group from scratch; with `retry`, test again only the mutants the
    last run left alive (after adding tests to the group's own test files)."""
    started = time.monotonic()
    folder = WORK / name
    if retry and (folder / "mutants").is_dir():
        (folder / "pyproject.toml").write_text(group_pyproject(group))
        alive = [mutant for mutant, status in results(folder).items() if status not in KILLED]
        if not alive:
            return 0.0
        args = ["run", "--max-children", str(jobs), *alive]
    else:
        folder = prepare(name, group)
        args = ["run", "--max-children", str(jobs)]
    with open(folder / "run.log", "a" if retry else "w") as log:
        done = mutmut(folder, *args, log=log)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        tail = (folder / "run.log").read_text().splitlines()[-30:]
        sys.exit(f"mutmut failed for {name} (see {folder / 'run.log'}):\n" + "\n".join(tail))
    print(f"# {name}: {seconds:.0f} s", file=sys.stderr, flush=True)
    return seconds


def results(folder: Path) -> dict[str, str]:
    """mutant name -> status, for every mutant of the group."""
    done = mutmut(folder, "results", "--all", "true")
    if done.returncode != 0:
        sys.exit(f"mutmut results failed in {folder}:\n{done.stdout}")
    found = {}
    for line in done.stdout.splitlines():
        match = re.fullmatch(r"\s+(\S+__mutmut_\d+): (.+)", line)
        if match:
            found[match[1]] = match[2].strip()
    return found


def module_of(mutant: str) -> str:
    """practice.middleware.xǁTenantGateMiddlewareǁ__call____mutmut_3 -> practice_middleware"""
    dotted = re.split(r"\.xǁ|\.x_", mutant, maxsplit=1)[0]
    return dotted.replace(".", "_")


def short_diff(folder: Path, mutant: str) -> list[str]:
    """The lines the mutant changes, read from mutmut's copy of the module, where each
    function's original and each of its mutants sit side by side."""
    module, _, name = mutant.rpartition(".")
    path = folder / "mutants" / (module.replace(".", "/") + ".py")
    source = path.read_text()
    functions = {
        node.name: node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    original = re.sub(r"__mutmut_\d+$", "__mutmut_orig", name)
    if name not in functions or original not in functions:
        return []

    def body(function_name: str) -> list[str]:
        text = ast.get_source_segment(source, functions[function_name])
        text = text.replace(f"def {function_name}(", "def (", 1)
        return [
            line.removesuffix("  # type: ignore # mutmut generated") for line in text.splitlines()
        ]

    changed = difflib.unified_diff(body(original), body(name), lineterm="", n=0)
    return [line for line in changed if line[:1] in "+-" and not line.startswith(("+++", "---"))][
        :DIFF_LINES
    ]


def explained() -> set[str]:
    if not EQUIVALENT.exists():
        return set()
    return set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", EQUIVALENT.read_text()))


def module_order(names) -> list[str]:
    """Modules in the order of GROUPS, then by name."""
    order = []
    for group in GROUPS.values():
        for pattern in group.mutate:
            prefix = pattern.removesuffix(".py").removesuffix("*").replace("/", "_")
            order += sorted(n for n in names if n.startswith(prefix) and n not in order)
    return order + sorted(n for n in names if n not in order)


def report(names: list[str]) -> int:
    statuses: dict[str, dict[str, str]] = {}
    folders: dict[str, Path] = {}
    for name in names:
        folder = WORK / name
        if not (folder / "mutants").is_dir():
            sys.exit(f"No results for {name}: run tools/mutate.py {name} first.")
        for mutant, status in results(folder).items():
            statuses.setdefault(module_of(mutant), {})[mutant] = status
            folders[mutant] = folder
    for module in module_order(statuses):
        found = statuses[module]
        killed = sum(status in KILLED for status in found.values())
        score = 100 * killed / len(found) if found else 100.0
        print(f"mutation_score_{module} {score:.1f} %  ({killed}/{len(found)} killed)")
    equivalent = explained()
    survivors = [
        (mutant, status)
        for module in module_order(statuses)
        for mutant, status in sorted(statuses[module].items(), key=lambda kv: natural(kv[0]))
        if status not in KILLED
    ]
    unexplained = 0
    print(f"\nSurviving mutants: {len(survivors)}")
    for mutant, status in survivors:
        known = mutant in equivalent
        unexplained += not known
        note = "equivalent, see tools/mutate-equivalent.md" if known else "NOT EXPLAINED"
        print(f"\n{mutant}  [{status}; {note}]")
        for line in short_diff(folders[mutant], mutant):
            print(f"    {line}")
    print(f"\nmutation_unexplained_survivors {unexplained} mutants")
    return unexplained


def natural(name: str) -> tuple:
    head, _, number = name.rpartition("__mutmut_")
    return head, int(number)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=", ".join(GROUPS))
    parser.add_argument(
        "--jobs",
        type=int,
        default=int(os.environ.get("MUTATE_JOBS", "2")),
        help="mutants run at once (default 2, or MUTATE_JOBS)",
    )
    parser.add_argument(
        "--report", action="store_true", help="print the last run's results without running"
    )
    parser.add_argument(
        "--retry",
        action="store_true",
        help="run again only the last run's surviving mutants (tests added since)",
    )
    args = parser.parse_args()
    names = args.groups or list(GROUPS)
    unknown = set(names) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    started = time.monotonic()
    if not args.report:
        if not args.retry:
            SNAPSHOT.unlink(missing_ok=True)
        print(f"# mutating {', '.join(names)} with {args.jobs} child processes", file=sys.stderr)
        for name in names:
            run_group(name, GROUPS[name], args.jobs, retry=args.retry)
    unexplained = report(names)
    if not args.report:
        print(f"mutation_wall_time {time.monotonic() - started:.0f} s")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
