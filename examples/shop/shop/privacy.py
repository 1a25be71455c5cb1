"""The shop's answers to a customer's requests about their data (GDPR Art. 15, 17 and 20).

The config names these routines (`erasure:` and `access:` in .gdpr-lint.yaml); gdpr-lint checks
that they reach every personal-data field of the shop's stores.
"""
from django.forms.models import model_to_dict

from shop.models import Customer, SavedCard, TaxRecord


def erase_customer(customer: Customer) -> None:
    """Art. 17: delete the customer; their saved cards go with them (on_delete=CASCADE), their tax
    records are kept for the tax authority (tagged erasure=exempt)."""
    customer.delete()


def export_customer_data(customer: Customer) -> dict:
    """Art. 15 and 20: a copy of what the shop holds about the customer."""
    return {
        "customer": model_to_dict(customer),
        "cards": [{"brand": card.card_brand} for card in SavedCard.objects.filter(customer=customer)],
        "tax_records": list(TaxRecord.objects.filter(customer=customer).values("tax_id")),
    }
