from django.db import models

from shop.accounts.models import Customer


# gdpr: retention=P6Y basis=legal-obligation purpose=essential.service
class Order(models.Model):
    customer = models.ForeignKey(Customer, related_name="orders", on_delete=models.CASCADE)
    shipping_address = models.TextField()
