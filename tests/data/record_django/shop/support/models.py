from django.db import models

from shop.accounts.models import Customer


# gdpr: retention=P1Y basis=legitimate-interests purpose=essential.service
class Ticket(models.Model):
    customer = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL)
    requester_email = models.EmailField()
