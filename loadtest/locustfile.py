"""Load on the client pages: list, search, open and edit (run by `manage.py loadtest`).

Each simulated user signs in, then lists, searches, opens and edits clients.
Edits go through the edit form with its version field, to a small set of "hot"
clients so that users collide: a 409 is the form refusing a stale version, which
is correct. Every saved edit is recorded (client, version it was made from,
value written) and written as JSON lines to LOAD_EDITS_FILE when the run stops;
the command then checks each against the database.

Settings come from the environment: LOAD_FIRM, LOAD_SESSIONS (signed-in session
keys, one per user: signing in is not what is measured), LOAD_HOT_CLIENTS
(comma-separated ids), LOAD_EDITS_FILE.
"""

import itertools
import json
import os
import random
import re
import uuid
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

FIRM = os.environ["LOAD_FIRM"]
SESSIONS = itertools.cycle(os.environ["LOAD_SESSIONS"].split(","))
HOT = [int(pk) for pk in os.environ["LOAD_HOT_CLIENTS"].split(",") if pk]
EDITS_FILE = os.environ["LOAD_EDITS_FILE"]
WORDS = ["Garage", "Studio", "Boulangerie", "Lilas", "Port", "Atelier", "Gare", "Bistro"]
CLIENT_LINK = re.compile(rf"/f/{re.escape(FIRM)}/clients/(\d+)/\"")

saved_edits: list[dict] = []


class Forms(HTMLParser):
    """The fields each <form> of a page would submit, as a browser would."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"submit", "button", "file", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            fields[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            fields.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            fields[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def page_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


class Accountant(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self):
        self.seen: list[int] = []
        self.client.cookies.set("sessionid", next(SESSIONS))

    def _remember(self, html: str):
        ids = [int(pk) for pk in CLIENT_LINK.findall(html)]
        if ids:
            self.seen = ids[:50]

    @task(4)
    def list_clients(self):
        sort = random.choice(["", "?sort=number", "?sort=-name", "?inactive=on"])
        page = self.client.get(f"/f/{FIRM}/clients/{sort}", name="list")
        self._remember(page.text)

    @task(3)
    def search_clients(self):
        query = random.choice([random.choice(WORDS), f"C0{random.randint(0, 9999):04d}"])
        page = self.client.get(f"/f/{FIRM}/clients/", params={"q": query}, name="search")
        self._remember(page.text)

    @task(2)
    def open_client(self):
        pk = random.choice(self.seen or HOT)
        self.client.get(f"/f/{FIRM}/clients/{pk}/", name="open")

    @task(1)
    def edit_client(self):
        pk = random.choice(HOT)
        url = f"/f/{FIRM}/clients/{pk}/edit/"
        page = self.client.get(url, name="edit form")
        form = next((f for f in page_forms(page.text) if "version" in f["fields"]), None)
        if form is None:
            return
        fields = dict(form["fields"])
        marker = f"load {uuid.uuid4().hex}"
        fields["notes"] = marker
        with self.client.post(
            url, data=fields, name="edit save", allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code == 302:
                saved_edits.append(
                    {"client": pk, "version": int(fields["version"]), "notes": marker}
                )
                answer.success()
            elif answer.status_code == 409:
                answer.success()  # a concurrent edit was refused, as it should be
            else:
                answer.failure(f"edit answered {answer.status_code}")


@events.quitting.add_listener
def write_edits(environment, **kwargs):
    with open(EDITS_FILE, "w", encoding="utf-8") as out:
        for edit in saved_edits:
            out.write(json.dumps(edit) + "\n")
