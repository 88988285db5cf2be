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

RESET_SESSION_KEY = "password_reset_for"  # ACC-12: the user ID typed at step 1


def sign_in_refused_response(request, response):
    """A sign-in refused by a rate limit answers 429 with Retry-After (SEC-5); the
    backend left the wait on the request. Shared by the login page and Django admin's."""
    retry_after = getattr(request, "sign_in_retry_after", 0)
    return ratelimit.too_many_response(response, retry_after) if retry_after else response


def _too_many(request, template, context, retry_after):
    """A page refused by a rate limit: the form again with the message, 429, Retry-After."""
    context["form"].add_error(None, ratelimit.too_many_message(retry_after))
    return ratelimit.too_many_response(render(request, template, context), retry_after)


class SignInView(auth_views.LoginView):
    """SEC-5: the limits count failures only, in `user_sign_in` through the backend."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        return sign_in_refused_response(self.request, super().form_invalid(form))


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
        {
            "profile_user": request.user,
            "duns_list": duns_granted_to_user(user=request.user),
            "can_have_api_tokens": user_has_capability(request.user, Capability.API_TOKENS),
        },
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
    """ACC-12 step 1: the user ID. Every user ID goes on to a security question, so this
    page never tells whether one exists (a decoy question for the others)."""
    form = ForgotPasswordUserForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        retry_after = ratelimit.FORGOT_PASSWORD_PER_ADDRESS.hit(ratelimit.client_address(request))
        if retry_after:
            return _too_many(request, "accounts/forgot_password.html", context, retry_after)
        request.session[RESET_SESSION_KEY] = form.cleaned_data["username"]
        return redirect("accounts:forgot_password_answer")
    return render(request, "accounts/forgot_password.html", context)


@require_http_methods(["GET", "POST"])
def forgot_password_answer(request):
    """ACC-12 step 2: the security answer; the new temporary password goes by email only."""
    user_id = request.session.get(RESET_SESSION_KEY)
    if not isinstance(user_id, str) or not user_id:
        return redirect("accounts:forgot_password")
    form = ForgotPasswordAnswerForm(request.POST or None)
    context = {"form": form, "question": services.password_reset_question(user_id=user_id)}
    template = "accounts/forgot_password_answer.html"
    if request.method == "POST" and form.is_valid():
        retry_after = ratelimit.FORGOT_PASSWORD_PER_USER_ID.hit(user_id)
        if retry_after:
            return _too_many(request, template, context, retry_after)
        result = services.password_reset_answer(
            user_id=user_id, answer=form.cleaned_data["security_answer"]
        )
        if result.reset:
            del request.session[RESET_SESSION_KEY]
            return render(request, "accounts/forgot_password_done.html")
        form.add_error("security_answer", result.error)
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def forgot_user_id(request):
    """ACC-13: the same answer whether or not the address is known."""
    form = ForgotUserIdForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        retry_after = ratelimit.FORGOT_USER_ID_PER_ADDRESS.hit(
            ratelimit.client_address(request)
        ) or ratelimit.FORGOT_USER_ID_PER_EMAIL.hit(email)
        if retry_after:
            return _too_many(request, "accounts/forgot_user_id.html", context, retry_after)
        services.user_ids_send_reminder(email=email)
        return render(request, "accounts/forgot_user_id_done.html", {"email": email})
    return render(request, "accounts/forgot_user_id.html", context)


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
