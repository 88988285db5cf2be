from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """The login form; refusals come from accounts.services.user_sign_in (ACC-10, ACC-11)."""

    username = forms.CharField(label=_("User ID"), max_length=100)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        user_id = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if user_id and password:
            from django.contrib.auth import authenticate

            self.user_cache = authenticate(self.request, username=user_id, password=password)
            if self.user_cache is None:
                raise forms.ValidationError(
                    getattr(self.request, "sign_in_error", "")
                    or self.error_messages["invalid_login"],
                    code="invalid_login",
                )
        return self.cleaned_data
