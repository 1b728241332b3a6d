"""The mixed load of benchmarks/load.py: partnership leads and Panel staff, signed in.

Run by benchmarks/load.py, which starts the server and writes LOAD_CONFIG, a JSON file of
the signed-in sessions and each person's pages (found from the database). On its own:

    LOAD_CONFIG=load.json locust -f benchmarks/locustfile.py --headless --host http://127.0.0.1:8765

Proportions: four leads to each Panel analyst (LeadUser weight 4, PanelUser weight 1).
A lead's requests, by weight: home 3, audit task list 3, a theme page 4, reviews list 2,
dashboard 1. A Panel analyst's: compare 2, a cycle's completion 2, review statistics 2
(England or a region), a partnership's audit for moderation 1. LOAD_THINK="1-3" makes each
simulated person wait 1 to 3 seconds between requests; "0" (the capacity run) not at all.
Only a 127.0.0.1 or localhost host is accepted.
"""

import json
import os
import random
from urllib.parse import urlsplit

from locust import HttpUser, between, constant, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"]).read())  # noqa: SIM115
THINK = os.environ.get("LOAD_THINK", "0")
LOW, _, HIGH = THINK.partition("-")
WAIT = between(float(LOW), float(HIGH)) if HIGH else constant(float(LOW))


@events.test_start.add_listener
def only_loopback(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"Refusing host {environment.host!r}: loopback only.")


class SignedIn(HttpUser):
    abstract = True
    wait_time = WAIT
    people: list = []

    def on_start(self):
        self.person = random.choice(self.people)
        # The session cookie is sent as a header, so no cookie the server sets replaces it.
        self.client.headers["Cookie"] = f"{CONFIG['cookie']}={self.person['session']}"
        self.client.headers["Accept-Encoding"] = "gzip"

    def page(self, key, name):
        path = random.choice(self.person[key])
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
            elif "/accounts/login/" in response.url:
                response.failure(f"sent to sign in from {path}")


class LeadUser(SignedIn):
    weight = 4
    people = CONFIG["leads"]

    @task(3)
    def home(self):
        self.page("home", "lead: home")

    @task(3)
    def task_list(self):
        self.page("task_list", "lead: task list")

    @task(4)
    def theme(self):
        self.page("themes", "lead: theme page")

    @task(2)
    def reviews(self):
        self.page("reviews", "lead: reviews")

    @task(1)
    def dashboard(self):
        self.page("dashboard", "lead: dashboard")


class PanelUser(SignedIn):
    weight = 1
    people = CONFIG["panel"]

    @task(2)
    def compare(self):
        self.page("compare", "panel: compare")

    @task(2)
    def completion(self):
        self.page("completion", "panel: completion")

    @task(2)
    def statistics(self):
        self.page("statistics", "panel: review statistics")

    @task(1)
    def audit(self):
        self.page("audit", "panel: audit")
