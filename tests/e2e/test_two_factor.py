"""Two-factor sign-in in the browser: set-up, a code at sign-in, a recovery code, new codes
and a partnership's rule, with axe on every page and no sideways scroll at 320 px."""

from playwright.sync_api import expect

from partnerships.models import Partnership

from .pages import SET_UP_PATH, VERIFY_PATH, device_code

PASSWORD = "a-long-test-password"
SCROLL_WIDTH = "document.documentElement.scrollWidth"


def fits_320_px(journey) -> bool:
    """Whether the page, seen 320 px wide, never scrolls sideways (then back to 1280 px)."""
    journey.page.set_viewport_size({"width": 320, "height": 900})
    width = journey.page.evaluate(SCROLL_WIDTH)
    journey.page.set_viewport_size({"width": 1280, "height": 900})
    return width == 320


def sign_in_with_password(journey, email):
    journey.goto("/accounts/login/")
    journey.fill("Email address", email).fill("Password", PASSWORD)
    journey.press_button("Sign in")


def test_panel_staff_set_up_then_sign_in_with_a_code_and_a_recovery_code(new_journey, panel):
    """Panel staff are sent to set-up after the password, confirm an app, keep 10 recovery
    codes, and later sign in with a code from the app and then with a recovery code."""
    journey = new_journey()
    sign_in_with_password(journey, panel.email)
    assert journey.page.url.startswith(journey.base_url + SET_UP_PATH)
    journey.expect_heading("Set up two-factor sign-in")
    assert fits_320_px(journey)
    expect(journey.page.get_by_role("img", name="QR code to scan with your authenticator app"))
    # A wrong code first: the one error summary, and the page still passes axe.
    journey.fill("Code from your authenticator app", "000000").press_button("Confirm")
    assert journey.page.title().startswith("Error: ")
    journey.check_accessibility()
    journey.pass_second_factor(panel.email)  # types the key shown, keeps the codes
    journey.expect_path("/panel/")
    assert journey.checked[-2].startswith("/accounts/two-factor/recovery-codes/")

    journey.sign_out()
    sign_in_with_password(journey, panel.email)
    assert journey.page.url.startswith(journey.base_url + VERIFY_PATH)
    journey.expect_heading("Enter your sign-in code")
    assert fits_320_px(journey)
    journey.fill("Code", device_code(panel.email)).press_button("Continue")
    journey.expect_path("/panel/")

    # New recovery codes, then sign in with one of them.
    journey.goto("/accounts/two-factor/")
    journey.click("Make new recovery codes")
    journey.press_button("Make new recovery codes")
    journey.expect_heading("Your new recovery codes")
    assert fits_320_px(journey)
    codes = journey.page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    journey.sign_out()
    sign_in_with_password(journey, panel.email)
    journey.fill("Code", codes[0]).press_button("Continue")
    journey.expect_path("/panel/").expect_text("You signed in with a recovery code")
    journey.sign_out()
    sign_in_with_password(journey, panel.email)
    journey.fill("Code", codes[0]).press_button("Continue")
    journey.expect_heading("Enter your sign-in code").expect_text("The code is not right")


def test_lead_requires_two_factor_and_sets_it_up(journey, lead, northshire):
    """A lead turns on two-factor sign-in for the partnership from its settings page and is
    then asked to set it up before the partnership's pages."""
    journey.sign_in(lead.email, PASSWORD)
    journey.goto("/accounts/two-factor/")
    journey.expect_heading("Two-factor sign-in")
    journey.goto("/p/northshire/two-factor/")
    journey.expect_heading("Two-factor sign-in for members")
    assert fits_320_px(journey)
    journey.choose("Yes, every member must").press_button("Save")
    assert journey.page.url.startswith(journey.base_url + SET_UP_PATH)
    journey.expect_text("Every member must now use two-factor sign-in")
    assert Partnership.objects.get(pk=northshire.pk).requires_two_factor
    journey.pass_second_factor(lead.email)
    journey.expect_path("/p/northshire/two-factor/")
