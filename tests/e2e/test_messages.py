"""The Panel's list of emails in a browser: reached from Panel home, its table a focusable
region that scrolls by itself at 320 px, with no axe violations."""

from playwright.sync_api import expect

from notifications.models import Message
from tests.audits.factories import CycleFactory

PASSWORD = "a-long-test-password"


def some_messages(northshire, lead):
    cycle = CycleFactory()
    fields = {"partnership": northshire, "cycle": cycle, "user": lead, "to_address": lead.email}
    Message.objects.create(kind="cycle_reminder", status="sent", attempts=1, **fields)
    Message.objects.create(kind="audit_returned", status="failed", attempts=6, **fields)
    Message.objects.create(kind="password_reset", to_address="someone@example.org")


def test_panel_reads_the_emails_sent(new_journey, northshire, lead, panel):
    """From Panel home a Panel user opens the list, reaches its table by keyboard and reads
    each email's kind, address, partnership, status and tries."""
    some_messages(northshire, lead)
    staff = new_journey()
    staff.sign_in(panel.email, PASSWORD)
    staff.click("Emails sent and queued")
    staff.expect_heading("Emails sent")
    page = staff.page
    expect(page).to_have_title("Emails sent - Assess anti-racist safeguarding practice")
    region = page.get_by_role("region", name="Emails")
    staff.tab_to(region)
    rows = region.get_by_role("row")
    expect(rows).to_have_count(4)
    expect(rows.nth(1)).to_contain_text("Password link")
    expect(rows.nth(1)).to_contain_text("Queued")
    expect(rows.nth(2)).to_contain_text("Failed")
    expect(rows.nth(3)).to_contain_text("Reminder before a cycle closes")
    expect(rows.nth(3)).to_contain_text(lead.email)
    expect(rows.nth(3)).to_contain_text(northshire.name)


def test_the_list_reflows_at_320_px(new_journey, northshire, lead, panel):
    """At 320 px the page does not scroll sideways; the table scrolls inside its region."""
    some_messages(northshire, lead)
    staff = new_journey()
    staff.page.set_viewport_size({"width": 320, "height": 800})
    staff.sign_in(panel.email, PASSWORD)
    staff.goto("/panel/messages/")
    width = staff.page.evaluate("document.documentElement.scrollWidth")
    assert width == 320
