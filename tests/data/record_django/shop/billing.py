import stripe


def charge(customer, amount):
    stripe.Charge.create(amount=amount, receipt_email=customer.email)
