"""Forms of the customer's side: the answer to an invitation (AGR-8, AGR-16) and the
termination reason (AGR-14, AGR-16). Validation only."""

from django import forms
from django.utils.translation import gettext_lazy as _

ACCEPT = "accept"
REJECT = "reject"
ANSWERS = ((ACCEPT, _("Accept")), (REJECT, _("Reject")))
TERMINATION_REASON_MAX = 500


class AnswerForm(forms.Form):
    """Accept or Reject, from the emailed link's page or My Account."""

    answer = forms.ChoiceField(choices=ANSWERS, widget=forms.HiddenInput)

    @property
    def accept(self) -> bool:
        return self.cleaned_data["answer"] == ACCEPT


class TerminateForm(forms.Form):
    """AGR-14: a termination needs a reason."""

    reason = forms.CharField(
        label=_("Reason for the termination"),
        max_length=TERMINATION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
