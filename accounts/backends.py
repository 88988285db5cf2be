from django.contrib.auth.backends import ModelBackend

from .ratelimit import client_address
from .services import user_sign_in, users_with_sign_in_facts


class UserIdBackend(ModelBackend):
    """Sign-in by case-insensitive user ID with the portal's rules (ACC-4, ACC-10, ACC-11,
    SEC-5).

    Django admin and the login page both come through here, so lockout counting and the
    sign-in rate limits are shared.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        address = client_address(request) if request is not None else None
        result = user_sign_in(user_id=username, password=password, address=address)
        if request is not None:
            request.sign_in_error = result.error  # the login form shows it (ACC-10, ACC-11)
            request.sign_in_retry_after = result.retry_after  # a 429 answer's wait (SEC-5)
        return result.user

    def get_user(self, user_id):
        # The session's user comes with what the access check of every request reads
        # (AccountAccessMiddleware, ACC-10), in the one query that loads it anyway.
        user = users_with_sign_in_facts().filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
