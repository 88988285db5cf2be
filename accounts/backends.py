from django.contrib.auth.backends import ModelBackend

from .services import user_sign_in


class UserIdBackend(ModelBackend):
    """Sign-in by case-insensitive user ID with the portal's rules (ACC-4, ACC-10, ACC-11).

    Django admin and the login page both come through here, so lockout counting is shared.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        result = user_sign_in(user_id=username, password=password)
        if request is not None:
            request.sign_in_error = result.error  # the login form shows it (ACC-10, ACC-11)
        return result.user
