"""Validation and cleaning of account forms; no side effects (SPEC §2)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import SECURITY_QUESTIONS, Language, User
from ..validators import validate_user_id

SECURITY_ANSWER_MAX = 60


class SignInForm(AuthenticationForm):
    """The login form; refusals come from accounts.services.user_sign_in (ACC-10, ACC-11)."""

    username = forms.CharField(label=_("User ID"), max_length=100)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        user_id = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if user_id and password:
            self.user_cache = authenticate(self.request, username=user_id, password=password)
            if self.user_cache is None:
                raise forms.ValidationError(
                    getattr(self.request, "sign_in_error", "")
                    or self.error_messages["invalid_login"],
                    code="invalid_login",
                )
        return self.cleaned_data


class StaffSignInForm(AdminAuthenticationForm):
    """Django admin's login form, refused with the portal's own messages (ACC-10, ACC-11,
    SEC-5): the same backend counted the attempt, and says why it was refused."""

    def get_invalid_login_error(self):
        message = getattr(self.request, "sign_in_error", "")
        if message:
            return forms.ValidationError(message, code="invalid_login")
        return super().get_invalid_login_error()


def _question_choices():
    return [("", _("Select a question"))] + [(str(q), q) for q in SECURITY_QUESTIONS]


class NewPasswordMixin(forms.Form):
    """New password twice, checked with ACC-5's rules for this user."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_(
            "8 to 128 characters, case sensitive, not your User ID or your previous password."
        ),
    )
    new_password2 = forms.CharField(
        label=_("Re-enter new password"), strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self):
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data["new_password2"]
        if first and first != second:
            raise forms.ValidationError(gettext("The two passwords do not match."))
        if first and self.user.check_password(first):
            raise forms.ValidationError(
                gettext("Your new password cannot be the same as your previous password.")
            )
        if first:
            password_validation.validate_password(first, self.user)
        return second


class SecurityQuestionMixin(forms.Form):
    security_question = forms.ChoiceField(label=_("Security question"), choices=())
    security_answer = forms.CharField(
        label=_("Security question answer"),
        max_length=SECURITY_ANSWER_MAX,
        help_text=_("Not case sensitive. You will be asked for it if you forget your password."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["security_question"].choices = _question_choices()


class SetUpForm(NewPasswordMixin, SecurityQuestionMixin):
    """First log in with a temporary password (ACC-6)."""


class NewPasswordForm(NewPasswordMixin):
    """Log in with a temporary password from Forgot Password (ACC-12)."""


class ChangePasswordForm(NewPasswordMixin):
    """ACC-14: change password, proving the current one."""

    current_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput
    )
    field_order = ["current_password", "new_password1", "new_password2"]

    def clean_current_password(self):
        current = self.cleaned_data["current_password"]
        if not self.user.check_password(current):
            raise forms.ValidationError(gettext("Your current password is not correct."))
        return current


class SecurityQuestionForm(SecurityQuestionMixin):
    """ACC-14: change the security question and answer."""


class ProfileForm(forms.ModelForm):
    """ACC-14: My Profile. The User ID can never be changed, so it is not here."""

    email2 = forms.EmailField(label=_("Re-enter email"))

    class Meta:
        model = User
        fields = ["first_name", "middle_initial", "last_name", "suffix", "phone", "email"]
        labels = {
            "first_name": _("First name"),
            "middle_initial": _("Middle initial"),
            "last_name": _("Last name"),
            "suffix": _("Suffix"),
            "phone": _("Phone"),
            "email": _("Email"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "phone", "email"):
            self.fields[name].required = True
        if not self.is_bound:
            self.initial["email2"] = self.instance.email
        if self.instance.kind == User.Kind.RESIDENTIAL:  # ACC-3: residential only
            self.fields["language"] = forms.ChoiceField(
                label=_("Language preference"),
                choices=Language.choices,
                initial=self.instance.language,
            )

    def clean_email2(self):
        email = self.cleaned_data.get("email", "")
        if email.casefold() != self.cleaned_data["email2"].casefold():
            raise forms.ValidationError(gettext("The two email addresses do not match."))
        return self.cleaned_data["email2"]


class ForgotPasswordUserForm(forms.Form):
    username = forms.CharField(label=_("User ID"), max_length=100)


class ForgotPasswordAnswerForm(forms.Form):
    security_answer = forms.CharField(label=_("Answer"), max_length=SECURITY_ANSWER_MAX)


class ForgotUserIdForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))


def _terms_link() -> SafeString:
    """ACC-1, ACC-3: the Terms of Use a registration asks to accept, one click away (in a new
    tab, so the form keeps what was typed)."""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("terms"),
        gettext("Read the Terms of Use (opens in a new tab)"),
    )


terms_link = lazy(_terms_link, SafeString)  # looked up when shown: the page's language


class RegistrantForm(forms.Form):
    """The personal details, user ID and terms every registration asks for (ACC-1, ACC-2,
    ACC-3)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    middle_initial = forms.CharField(label=_("Middle initial"), max_length=1, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    suffix = forms.CharField(label=_("Suffix"), max_length=10, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    email = forms.EmailField(label=_("Email"))
    email2 = forms.EmailField(label=_("Re-enter email"))
    user_id = forms.CharField(
        label=_("User ID"),
        max_length=100,
        validators=[validate_user_id],
        help_text=_(
            "5 to 100 characters, no slashes (/), single (') or double (\") quote "
            "marks. Not case sensitive; it can never be changed."
        ),
    )
    terms = forms.BooleanField(
        label=_("I accept the Smart Meter Texas Terms of Use"),
        help_text=terms_link(),
        error_messages={"required": _("You must accept the Terms of Use to register.")},
    )

    def clean_user_id(self):
        user_id = self.cleaned_data["user_id"]
        if User.objects.filter(username__iexact=user_id).exists():
            raise forms.ValidationError(gettext("That user ID is already taken."))
        return user_id

    def clean_email2(self):
        if self.cleaned_data.get("email", "").casefold() != self.cleaned_data["email2"].casefold():
            raise forms.ValidationError(gettext("The two email addresses do not match."))
        return self.cleaned_data["email2"]

    def registrant_fields(self) -> dict:
        """The cleaned personal details under the names the account services take."""
        data = self.cleaned_data
        names = ("first_name", "middle_initial", "last_name", "suffix", "phone", "email")
        return {"user_id": data["user_id"], **{name: data[name] for name in names}}
