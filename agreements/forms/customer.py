"""Forms of the customer's side: the answer to an invitation (AGR-8, AGR-16), the search of
My Account / 3rd Party Agreements (AGR-16, ACC-20) and the termination reason (AGR-14,
AGR-16). Validation only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .company import SEARCH_BY, AgreementSearchForm

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


class MyAgreementSearchForm(AgreementSearchForm):
    """AGR-16 with ACC-20: the 3rd party's search (AGR-2) without Customer Last Name, which
    is always the customer's own."""

    search_by = forms.ChoiceField(
        label=_("Select type of agreement search criteria"),
        choices=[choice for choice in SEARCH_BY if choice[0] != "last_name"],
        initial="agreement_number",
        widget=forms.RadioSelect,
    )


class TerminateForm(forms.Form):
    """AGR-14: a termination needs a reason."""

    reason = forms.CharField(
        label=_("Reason for the termination"),
        max_length=TERMINATION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
