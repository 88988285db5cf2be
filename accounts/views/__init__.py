from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import ratelimit, services
from ..forms import (
    ChangePasswordForm,
    ForgotPasswordAnswerForm,
    ForgotPasswordUserForm,
    ForgotUserIdForm,
    NewPasswordForm,
    ProfileForm,
    SecurityQuestionForm,
    SetUpForm,
    SignInForm,
)
from ..permissions import Capability, capability_required, user_has_capability
from ..selectors import duns_granted_to_user

RESET_SESSION_KEY = "password_reset_user_id"
TOO_MANY = _("Too many attempts. Please wait a while and try again.")


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if ratelimit.SIGN_IN_PER_ADDRESS.hit(ratelimit.client_address(request)):  # SEC-5
            form = self.get_form()
            form.add_error(None, TOO_MANY)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def set_up(request):
    """After a temporary password: a permanent one, and on first log in a security question
    (ACC-6, ACC-12)."""
    user = request.user
    if not user.must_change_password:
        return redirect("home")
    first_time = not user.security_answer_hash
    form_class = SetUpForm if first_time else NewPasswordForm
    form = form_class(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        if first_time:
            services.user_complete_set_up(
                user=user,
                new_password=password,
                question=form.cleaned_data["security_question"],
                answer=form.cleaned_data["security_answer"],
            )
        else:
            services.user_replace_temporary_password(user=user, new_password=password)
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been saved. Welcome to Smart Meter Texas!"))
        return redirect("home")
    return render(request, "accounts/set_up.html", {"form": form, "first_time": first_time})


@login_required
def profile(request):
    """My Profile (ACC-14): the user's details, granted DUNS and permissions."""
    return render(
        request,
        "accounts/profile.html",
        {"profile_user": request.user, "duns_list": duns_granted_to_user(user=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user, changes=form.cleaned_data)
        messages.success(request, _("Your profile has been updated."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = ChangePasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_change_password(
            user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def security_question_change(request):
    form = SecurityQuestionForm(
        request.POST or None, initial={"security_question": request.user.security_question}
    )
    if request.method == "POST" and form.is_valid():
        services.user_change_security_question(
            user=request.user,
            question=form.cleaned_data["security_question"],
            answer=form.cleaned_data["security_answer"],
        )
        messages.success(request, _("Your security question has been changed."))
        return redirect("accounts:profile")
    return render(request, "accounts/security_question_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def forgot_password(request):
    """ACC-12 step 1: the user ID."""
    form = ForgotPasswordUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_id = form.cleaned_data["username"]
        if ratelimit.FORGOT_PASSWORD_PER_ADDRESS.hit(ratelimit.client_address(request)):
            form.add_error(None, TOO_MANY)
        else:
            user = services.user_for_password_reset(user_id=user_id)
            if user is None:
                form.add_error(
                    "username",
                    _(
                        "We could not reset the password for that User ID. Check it, or call "
                        "the SMT Help Desk."
                    ),
                )
            else:
                request.session[RESET_SESSION_KEY] = user.pk
                return redirect("accounts:forgot_password_answer")
    return render(request, "accounts/forgot_password.html", {"form": form})


@require_http_methods(["GET", "POST"])
def forgot_password_answer(request):
    """ACC-12 step 2: the security answer; the new temporary password goes by email only."""
    user = services.user_for_password_reset_by_pk(pk=request.session.get(RESET_SESSION_KEY))
    if user is None:
        return redirect("accounts:forgot_password")
    form = ForgotPasswordAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if ratelimit.FORGOT_PASSWORD_PER_USER_ID.hit(user.username):
            form.add_error(None, TOO_MANY)
        else:
            result = services.user_reset_password(
                user=user, answer=form.cleaned_data["security_answer"]
            )
            if result.reset:
                del request.session[RESET_SESSION_KEY]
                return render(request, "accounts/forgot_password_done.html")
            form.add_error("security_answer", result.error)
    return render(
        request, "accounts/forgot_password_answer.html", {"form": form, "reset_user": user}
    )


@require_http_methods(["GET", "POST"])
def forgot_user_id(request):
    """ACC-13: the same answer whether or not the address is known."""
    form = ForgotUserIdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        limited = ratelimit.FORGOT_USER_ID_PER_ADDRESS.hit(ratelimit.client_address(request))
        if limited or ratelimit.FORGOT_USER_ID_PER_EMAIL.hit(email):
            form.add_error(None, TOO_MANY)
        else:
            services.user_ids_send_reminder(email=email)
            return render(request, "accounts/forgot_user_id_done.html", {"email": email})
    return render(request, "accounts/forgot_user_id.html", {"form": form})


@capability_required(Capability.COMPANY_PROFILE_VIEW)
def company_profile(request):
    """Company Profile (ACC-15), read-only here."""
    company = request.user.company
    return render(
        request,
        "accounts/company_profile.html",
        {
            "company": company,
            "duns_list": company.duns_numbers.order_by("number") if company else [],
            "can_edit": user_has_capability(request.user, Capability.COMPANY_PROFILE_EDIT),
        },
    )
