from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .forms import SignInForm
from .permissions import Capability, capability_required
from .selectors import duns_granted_to_user


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@login_required
def profile(request):
    """My Profile (ACC-14): the user's details, granted DUNS and permissions."""
    return render(
        request,
        "accounts/profile.html",
        {"profile_user": request.user, "duns_list": duns_granted_to_user(user=request.user)},
    )


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
        },
    )
