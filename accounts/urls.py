from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .views import api_tokens, companies, logos, members

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/set-password/", views.set_up, name="set_up"),
    path("forgot-password/", views.forgot_password, name="forgot_password"),
    path("forgot-password/answer/", views.forgot_password_answer, name="forgot_password_answer"),
    path("forgot-user-id/", views.forgot_user_id, name="forgot_user_id"),
    path("my-account/profile/", views.profile, name="profile"),
    path("my-account/profile/edit/", views.profile_edit, name="profile_edit"),
    path("my-account/profile/password/", views.password_change, name="password_change"),
    path(
        "my-account/profile/security-question/",
        views.security_question_change,
        name="security_question_change",
    ),
    path("my-account/company/", views.company_profile, name="company_profile"),
    # ACC-1, NTF-1: the one public kind of uploaded file (accounts/views/logos.py).
    path("logos/<int:company_id>.png", logos.company_logo, name="company_logo"),
]

urlpatterns += companies.urlpatterns + members.urlpatterns + api_tokens.urlpatterns
