"""Forms for signing in and managing members, laid out with crispy-forms-gds; and the
rendering of a filter form once for the same choices and values (`crispy_rendered`)."""

import hashlib
import json

from crispy_forms.utils import render_crispy_form
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Layout, Size
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.cache import cache
from django.urls import reverse
from django.utils.safestring import SafeString

from . import signin
from .models import Membership, User
from .signin import lockout_wait

EMAIL_REQUIRED = "Enter an email address"
EMAIL_INVALID = "Enter an email address in the correct format, like name@example.org"
LOCKOUT_NOTICE = "After {limit} wrong attempts the account is locked for {wait}."
ROLE_REQUIRED = "Select a role"
ROLE_HELP = (
    "Viewers read the partnership's audits, reviews and dashboard. Contributors can also "
    "edit drafts. Leads can also submit audits, mark reviews complete and manage members."
)
# How long a rendered form stays cached: the same HTML for the same key, so it never becomes
# untrue; the time only lets unused ones go.
RENDERED_SECONDS = 24 * 60 * 60


def crispy_rendered(form: forms.Form, key_parts) -> SafeString:
    """The form exactly as `{% crispy form %}` renders it, rendered once for the same
    `key_parts` (everything the HTML shows: labels, choices, chosen values) and then read
    from the cache; a filter form's drop-downs were a third of a page's time. A bound form
    with errors, whose values can be anything, is rendered afresh, so odd addresses cannot
    fill the cache."""
    if form.is_bound and form.errors:
        return render_crispy_form(form)
    parts = json.dumps([type(form).__name__, key_parts], default=str)
    key = f"crispy:{hashlib.sha256(parts.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = render_crispy_form(form)
        cache.set(key, html, RENDERED_SECONDS)
    return SafeString(html)


class SignInForm(AuthenticationForm):
    """Django's sign-in form with GOV.UK wording and layout; the field stays `username`."""

    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account has been turned off. Ask your partnership's lead for help",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = EMAIL_REQUIRED
        self.fields["username"].widget.attrs.update(autocomplete="email", spellcheck="false")
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = FormHelper()
        # The template has the <form> and its CSRF token: crispy renders neither.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("username", field_width=Fixed.THIRTY),
            Field.text("password", field_width=Fixed.TWENTY),
            Button("submit", "Sign in"),
        )

    @property
    def lockout_notice(self):
        """The lockout rule in words, from the django-axes settings."""
        return LOCKOUT_NOTICE.format(limit=settings.AXES_FAILURE_LIMIT, wait=lockout_wait())


class MembershipAddForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": EMAIL_REQUIRED, "invalid": EMAIL_INVALID},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        help_text=ROLE_HELP,
        error_messages={"required": ROLE_REQUIRED},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.helper = FormHelper()
        # The template has the <form> and its CSRF token: crispy renders neither.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("email", field_width=Fixed.THIRTY),
            Field.radios("role", legend_size=Size.MEDIUM),
            Button("submit", "Add member"),
        )


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]
        widgets = {"role": forms.RadioSelect}
        error_messages = {"role": {"required": ROLE_REQUIRED}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].help_text = ROLE_HELP
        self.fields["role"].choices = Membership.Role.choices
        self.helper = FormHelper()
        # The template has the <form> and its CSRF token: crispy renders neither.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.radios("role", legend_size=Size.MEDIUM),
            Button("submit", "Change role"),
        )


class PasswordResetRequestForm(PasswordResetForm):
    """Ask for a link to set a new password, in GOV.UK layout.

    Unlike Django's form, the link also goes to people invited who have not yet chosen a
    password (their password is unusable until they do), so an expired invitation can be
    renewed. Never to an inactive account. The page that follows is the same either way.
    """

    def get_users(self, email):
        return User.objects.filter(email=User.objects.normalize_email(email), is_active=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Queue the link (notifications): the page answers at once, whatever the mail does."""
        from notifications.models import Message
        from notifications.services import message_queue

        path = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        message_queue(
            kind=Message.Kind.PASSWORD_RESET,
            to_address=to_email,
            user=context["user"],
            personalisation={"link": f"{context['protocol']}://{context['domain']}{path}"},
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages.update(required=EMAIL_REQUIRED, invalid=EMAIL_INVALID)
        self.helper = FormHelper()
        # The template has the <form> and its CSRF token: crispy renders neither.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("email", field_width=Fixed.THIRTY), Button("submit", "Send link")
        )


class ChoosePasswordForm(SetPasswordForm):
    """Choose a password from an emailed link, checked by Django's password validators.

    Saving it also lifts any sign-in lock on the account: the person has just shown, by
    using the emailed link, that the address is theirs.
    """

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            signin.account_unlock(user)
        return user

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Password"
        self.fields["new_password1"].help_text = ""
        self.fields["new_password1"].error_messages["required"] = "Enter a password"
        self.fields["new_password2"].label = "Confirm password"
        self.fields["new_password2"].error_messages["required"] = "Enter the password again"
        self.helper = FormHelper()
        # The template has the <form> and its CSRF token: crispy renders neither.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("new_password1", field_width=Fixed.TWENTY),
            Field.text("new_password2", field_width=Fixed.TWENTY),
            Button("submit", "Set password"),
        )


CODE_REQUIRED = "Enter the code from your authenticator app"
CODE_WRONG = "The code is not right. Enter the 6 numbers your authenticator app shows now"
SIGN_IN_CODE_REQUIRED = "Enter a code from your authenticator app or a recovery code"
SIGN_IN_CODE_WRONG = (
    "The code is not right. Enter the 6 numbers your authenticator app shows now, "
    "or an unused recovery code"
)
TWO_FACTOR_RULE_REQUIRED = "Select whether members must use two-factor sign-in"


class _CodeForm(forms.Form):
    """One code field; the view checks the code and adds `wrong_code` when it is not right."""

    code = forms.CharField(max_length=40, strip=True)
    required_message = CODE_REQUIRED
    wrong_message = CODE_WRONG
    label = "Code from your authenticator app"
    help = "The 6 numbers your app shows for this service."
    button = "Continue"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.label = self.label
        field.help_text = self.help
        field.error_messages["required"] = self.required_message
        field.widget.attrs.update(
            autocomplete="one-time-code", spellcheck="false", autocapitalize="none"
        )
        self.helper = FormHelper()
        # The template has the <form> and its CSRF token: crispy renders neither.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("code", field_width=Fixed.TEN), Button("submit", self.button)
        )

    def wrong_code(self):
        self.add_error("code", self.wrong_message)


class TwoFactorSetUpForm(_CodeForm):
    """Confirm a new authenticator app with the code it shows."""

    button = "Confirm"


class SecondFactorForm(_CodeForm):
    """Sign-in's second step: a code from the app, or a recovery code."""

    required_message = SIGN_IN_CODE_REQUIRED
    wrong_message = SIGN_IN_CODE_WRONG
    label = "Code"
    help = (
        "The 6 numbers your authenticator app shows for this service, "
        "or one of your recovery codes."
    )


class PartnershipTwoFactorForm(forms.Form):
    """A lead's choice whether every member must use two-factor sign-in."""

    requires_two_factor = forms.TypedChoiceField(
        label="Must every member of this partnership use two-factor sign-in?",
        choices=[("yes", "Yes, every member must"), ("no", "No, each member may choose")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text="Panel staff always use it. Members who have not set it up yet are asked to "
        "the next time they open one of the partnership's pages.",
        error_messages={"required": TWO_FACTOR_RULE_REQUIRED},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # The template has the <form> and its CSRF token: crispy renders neither.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.radios("requires_two_factor", legend_size=Size.MEDIUM),
            Button("submit", "Save"),
        )
