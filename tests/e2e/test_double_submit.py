"""A double click on a create form's button creates one object (issue 14), in Chromium."""

import threading
import time

import pytest
from django.core.signals import request_finished
from django.db import connection
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from clients import services, views
from clients.models import Client
from practice import submissions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_double_click_on_add_client_adds_one_client(
    request, monkeypatch, page, live_server, login, firm, primary_admin
):
    # A slow server, when people click twice: the first answer has not come back
    # when the second click sends the form again.
    slow_create = services.client_create

    def client_create(**kwargs):
        time.sleep(0.5)
        return slow_create(**kwargs)

    monkeypatch.setattr(services, "client_create", client_create)
    if connection.vendor == "sqlite":
        # The test run's in-memory SQLite answers "table is locked" where PostgreSQL
        # (or SQLite on disk, with its busy timeout) makes the second submission wait
        # for the first to commit: a lock waits the same way. It is held until the
        # request holding it has finished, since the connection keeps its table
        # locks until then (released early, the second request failed now and then).
        one_at_a_time = threading.Lock()
        holder = threading.local()
        submit_once = submissions.submit_once

        def waiting(**kwargs):
            one_at_a_time.acquire()
            holder.holds = True
            return submit_once(**kwargs)

        def finished(**kwargs):
            if getattr(holder, "holds", False):
                holder.holds = False
                one_at_a_time.release()

        monkeypatch.setattr(views, "submit_once", waiting)
        request_finished.connect(finished, weak=False)
        request.addfinalizer(lambda: request_finished.disconnect(finished))
    login(page, live_server, primary_admin.user)
    add_url = live_server.url + reverse("clients:add", kwargs={"firm_slug": firm.slug})
    page.goto(add_url)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_label("Business").check()
    page.get_by_label("Display name").fill("Fromagerie du Lac")  # no client number
    page.get_by_label("No subscription").check()
    box = page.get_by_role("button", name="Save", exact=True).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(150)
    page.mouse.click(x, y)
    expect(page.get_by_test_id("client-name")).to_contain_text("Fromagerie du Lac")
    assert posts == [add_url, add_url]  # the browser sent the form twice
    with scopes_disabled():
        (client,) = Client.objects.filter(firm=firm)
    assert page.url.endswith(f"/clients/{client.pk}/")
