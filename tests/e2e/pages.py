"""Page objects for the browser journeys. Every navigation ends with an axe check."""

import re
from base64 import b32decode

from django_otp.oath import TOTP, totp
from playwright.sync_api import Page, expect

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


VERIFY_PATH = "/accounts/login/verify/"
SET_UP_PATH = "/accounts/two-factor/set-up/"


class AccessibilityError(AssertionError):
    pass


def app_code(key: bytes, *, not_before: int = -1) -> str:
    """The 6 digits an authenticator app with this key shows now, or the next 30 seconds'
    when this step's code was used already (django-otp accepts a step once, one either side)."""
    now = TOTP(key).t()
    return f"{totp(key, drift=max(0, not_before - now)):06d}"


def device_code(email: str) -> str:
    """The code for the person's confirmed authenticator app, computed from its key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__email=email, confirmed=True)
    return app_code(device.bin_key, not_before=device.last_t + 1)


def page_path(page: Page, base_url: str) -> str:
    return page.url.removeprefix(base_url).partition("?")[0]


def pass_second_factor(page: Page, base_url: str, email: str, on_page=None) -> bool:
    """After the password: enter a code from the person's app on the code page, or set up an
    app from the key the set-up page shows (and keep the recovery codes). Does nothing for a
    person who needs no second factor. `on_page` runs on each page reached (axe)."""
    page.wait_for_load_state()
    path = page_path(page, base_url)
    if path not in (VERIFY_PATH, SET_UP_PATH):
        return False
    if path == VERIFY_PATH:
        code = device_code(email)
    else:
        secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
        code = app_code(b32decode(secret + "=" * (-len(secret) % 8)))
    page.locator("input[name=code]").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^(Continue|Confirm)$")).click()
    if on_page:
        on_page()
    if path == SET_UP_PATH:
        with page.expect_navigation():
            page.get_by_role("button", name="I have kept my codes safe").click()
        if on_page:
            on_page()
    return True


class Journey:
    """One person's way through the service in a browser tab."""

    def __init__(self, page: Page, base_url: str, axe_source: str):
        self.page = page
        self.base_url = base_url
        self.axe_source = axe_source
        self.checked: list[str] = []

    # Navigation -------------------------------------------------------------
    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )
        self.check_accessibility()
        return self

    def click(self, name: str, role: str = "link"):
        """Follow a link or press a button by its accessible name, then check the new page."""
        with self.page.expect_navigation():
            self.page.get_by_role(role, name=name, exact=True).first.click()
        self.check_accessibility()
        return self

    def press_button(self, name: str):
        return self.click(name, role="button")

    def fill(self, label: str, value: str):
        self.page.get_by_label(label, exact=True).fill(value)
        return self

    def choose(self, label: str):
        self.page.get_by_label(label, exact=True).check()
        return self

    # Keyboard ---------------------------------------------------------------
    def tab_to(self, locator, limit: int = 400):
        """Press Tab until the element has focus, proving it is reachable by keyboard."""
        for _ in range(limit):
            if locator.evaluate("element => element === document.activeElement"):
                return self
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Could not reach {locator} with the Tab key")

    # Assertions -------------------------------------------------------------
    def expect_heading(self, text: str):
        expect(self.page.get_by_role("heading", level=1)).to_have_text(re.compile(re.escape(text)))
        return self

    def expect_text(self, text: str):
        expect(self.page.get_by_text(text, exact=False).first).to_be_visible()
        return self

    def expect_path(self, path: str):
        expect(self.page).to_have_url(self.base_url + path)
        return self

    def check_accessibility(self):
        """Run axe on the current page; fail on any WCAG 2.0/2.1/2.2 A or AA violation."""
        self.page.add_script_tag(content=self.axe_source)
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        self.checked.append(self.page.url.removeprefix(self.base_url))
        violations = result["violations"]
        if violations:
            lines = [f"axe found {len(violations)} violation(s) on {self.page.url}:"]
            for violation in violations:
                targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
                lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
                lines.extend(f"    at {target}" for target in targets)
            raise AccessibilityError("\n".join(lines))

    # Steps shared by journeys ------------------------------------------------
    def sign_in(self, email: str, password: str):
        self.goto("/")
        self.click("Sign in", role="button")
        self.expect_heading("Sign in")
        self.fill("Email address", email).fill("Password", password)
        self.press_button("Sign in")
        self.pass_second_factor(email)
        return self

    def pass_second_factor(self, email: str):
        """Give the second factor when sign-in asks for one (Panel staff, say)."""
        pass_second_factor(self.page, self.base_url, email, on_page=self.check_accessibility)
        return self

    def sign_out(self):
        self.page.get_by_role("button", name=re.compile("^Sign out")).click()
        self.page.wait_for_url(self.base_url + "/")
        self.check_accessibility()
        return self
